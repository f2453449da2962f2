"""Tests of parallel evaluation with joblib and Dask (sknas/_parallel.py)."""

from __future__ import annotations

import joblib
import pytest
import torch

from sknas import RandomSearch
from sknas.evaluation import TrainingEvaluator

from test_search import TINY


# -- parallel evaluation -------------------------------------------------------------------


def test_parallel_workers_get_a_share_of_the_threads(monkeypatch, iris):
    seen = []
    evaluate = TrainingEvaluator.evaluate
    monkeypatch.setattr(TrainingEvaluator, "evaluate",
                        lambda self, arch: seen.append(torch.get_num_threads()) or evaluate(self, arch))
    before = torch.get_num_threads()
    with joblib.parallel_backend("threading", n_jobs=2):
        RandomSearch(**dict(TINY, budget=2), n_jobs=2, random_state=0).fit(*iris)
    assert seen == [max(1, joblib.cpu_count() // 2)] * 2
    assert torch.get_num_threads() == before


def test_a_dask_cluster_runs_the_same_search(iris):
    distributed = pytest.importorskip("distributed")
    serial = RandomSearch(**dict(TINY, budget=4), random_state=0).fit(*iris)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, distributed.Client(cluster):
        with joblib.parallel_backend("dask"):
            parallel = RandomSearch(**dict(TINY, budget=4), n_jobs=-1, random_state=0).fit(*iris)
    assert parallel.results_["architecture"] == serial.results_["architecture"]
    assert parallel.results_["objective"] == serial.results_["objective"]
