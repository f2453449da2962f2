"""Tests of checkpoint, resume and warm start (sknas/search/_checkpoint.py, sknas/driver/_state.py)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from sknas import EvolutionSearch, RandomSearch
from sknas.driver import Checkpoint
from sknas.evaluation import TrainingEvaluator

from _helpers import InterruptAt, interrupted_fit
from test_search import ESTIMATORS, TINY, make_search


@pytest.fixture
def trained(monkeypatch):
    """The architectures the evaluators train, in order (in this process)."""
    calls: list[str] = []
    evaluate = TrainingEvaluator.evaluate

    def spy(self, arch):
        calls.append(str(arch))
        return evaluate(self, arch)

    monkeypatch.setattr(TrainingEvaluator, "evaluate", spy)
    return calls


# -- checkpoint and resume -----------------------------------------------------------------


def test_the_checkpoint_holds_every_result_as_it_arrives(iris, tmp_path):
    path = tmp_path / "search.json"
    sizes = []

    class ReadCheckpoint:
        def on_candidate_end(self, search, architecture, result):
            state = json.loads(path.read_text())
            sizes.append(len(state["results"]))
            assert state["results"][-1][0] == str(architecture)

    search = RandomSearch(**TINY, random_state=0, checkpoint=path, callbacks=[ReadCheckpoint()]).fit(*iris)
    assert sizes == [1, 2, 3]
    state = json.loads(path.read_text())
    assert [a for a, _ in state["results"]] == search.results_["architecture"]
    assert [r["objective"] for _, r in state["results"]] == search.results_["objective"]


@pytest.mark.parametrize("cls, extra", ESTIMATORS)
def test_an_interrupted_search_resumes_as_if_never_stopped(cls, extra, iris, tmp_path, trained):
    uninterrupted = make_search(cls, extra, random_state=0).fit(*iris)
    path = tmp_path / "search.json"
    first = interrupted_fit(make_search(cls, extra, random_state=0, checkpoint=path,
                                        callbacks=[InterruptAt(2)]), *iris)
    assert len(first.results_["architecture"]) == 2
    trained.clear()
    resumed = make_search(cls, extra, random_state=0, checkpoint=path).fit(*iris)
    assert resumed.results_["architecture"] == uninterrupted.results_["architecture"]
    assert resumed.results_["objective"] == uninterrupted.results_["objective"]
    assert trained == uninterrupted.results_["architecture"][2:]  # nothing trained twice
    assert resumed.results_["fit_time_s"][:2] == first.results_["fit_time_s"]
    assert str(resumed.best_architecture_) == str(uninterrupted.best_architecture_)


def test_a_search_killed_at_any_write_resumes_without_training_twice(iris, tmp_path, monkeypatch):
    """Every state the checkpoint ever held (mid-batch ones too) resumes to the same search."""
    snapshots = []
    write = Checkpoint.write

    def recording_write(checkpoint, state, **options):
        write(checkpoint, state, **options)
        snapshots.append(checkpoint.path.read_text())

    monkeypatch.setattr(Checkpoint, "write", recording_write)
    params = dict(TINY, budget=4, n_jobs=2, random_state=0, population_size=2, tournament_size=1)
    path = tmp_path / "search.json"
    reference = EvolutionSearch(**params, checkpoint=path).fit(*iris)
    # the empty state before any work, then two batches of two: a write per result, one after each tell
    assert len(snapshots) == 7
    for snapshot in snapshots[:-1]:
        path.write_text(snapshot)
        done = {arch: result["cost_s"] for arch, result in json.loads(snapshot)["results"]}
        resumed = EvolutionSearch(**params, checkpoint=path).fit(*iris)
        assert resumed.results_["architecture"] == reference.results_["architecture"]
        assert resumed.results_["objective"] == reference.results_["objective"]
        # the workers are other processes: a result kept, not retrained, keeps its fit time
        for arch, fit_time in zip(resumed.results_["architecture"], resumed.results_["fit_time_s"]):
            assert (fit_time == done[arch]) if arch in done else fit_time != reference.results_[
                "fit_time_s"][reference.results_["architecture"].index(arch)]


def test_a_larger_budget_continues_a_finished_checkpoint(iris, tmp_path, trained):
    path = tmp_path / "search.json"
    RandomSearch(**TINY, random_state=0, checkpoint=path).fit(*iris)
    trained.clear()
    longer = RandomSearch(**dict(TINY, budget=5), random_state=0, checkpoint=path).fit(*iris)
    assert trained == longer.results_["architecture"][3:]
    fresh = RandomSearch(**dict(TINY, budget=5), random_state=0).fit(*iris)
    assert longer.results_["architecture"] == fresh.results_["architecture"]


def test_a_finished_checkpoint_is_refitted_with_another_final_epochs_without_training_again(iris, tmp_path, trained):
    path = tmp_path / "search.json"
    first = RandomSearch(**TINY, random_state=0, checkpoint=path).fit(*iris)
    trained.clear()
    refitted = RandomSearch(**dict(TINY, final_epochs=3), random_state=0, checkpoint=path).fit(*iris)
    assert trained == [] and refitted.results_ == first.results_
    assert refitted.refit_epochs_ == 3 != first.refit_epochs_


def test_an_unseeded_search_resumes_with_its_own_seed(iris, tmp_path):
    path = tmp_path / "search.json"
    first = interrupted_fit(RandomSearch(**TINY, checkpoint=path, callbacks=[InterruptAt(1)]), *iris)
    resumed = RandomSearch(**TINY, checkpoint=path).fit(*iris)
    assert resumed.results_["architecture"][:1] == first.results_["architecture"]
    assert resumed.search_state_.seed == first.search_state_.seed


def test_a_checkpoint_of_another_search_is_refused(iris, tmp_path):
    path = tmp_path / "search.json"
    RandomSearch(**TINY, random_state=0, checkpoint=path).fit(*iris)
    X, y = iris
    with pytest.raises(ValueError, match="other data or parameters; delete it"):
        RandomSearch(**TINY, random_state=0, checkpoint=path).fit(X[:100], y[:100])
    with pytest.raises(ValueError, match="other data or parameters"):
        RandomSearch(**dict(TINY, epochs=4), random_state=0, checkpoint=path).fit(X, y)
    path.write_text("{not json")
    with pytest.raises(ValueError, match="cannot be read as a sknas search state"):
        RandomSearch(**TINY, random_state=0, checkpoint=path).fit(X, y)


def test_checkpoint_must_be_a_path_in_a_folder_that_exists(iris, tmp_path):
    with pytest.raises(ValueError, match=r"'checkpoint' parameter .* an instance of 'str', an instance of 'os.PathLike' or None\. Got 3"):
        RandomSearch(**TINY, checkpoint=3).fit(*iris)
    with pytest.raises(ValueError, match="does not exist; create it first"):
        RandomSearch(**TINY, checkpoint=tmp_path / "missing" / "search.json").fit(*iris)


def test_a_checkpoint_folder_keeps_one_file_per_search_in_cross_validation(iris, tmp_path, trained):
    from sklearn.model_selection import GridSearchCV, KFold, cross_val_score

    X, y = iris
    folder = tmp_path / "searches"
    folder.mkdir()
    cv = KFold(3, shuffle=True, random_state=0)
    search = RandomSearch(**TINY, random_state=0, task="classification", checkpoint=folder)
    scores = cross_val_score(search, X, y, cv=cv)
    assert np.isfinite(scores).all() and len(list(folder.glob("RandomSearch-*.json"))) == 3
    trained.clear()
    assert (cross_val_score(search, X, y, cv=cv) == scores).all()  # each fold resumed its own search
    assert trained == []
    grid = GridSearchCV(search, {"epochs": [2, 3]}, cv=cv).fit(X, y)
    assert np.isfinite(grid.cv_results_["mean_test_score"]).all()
    assert len(list(folder.glob("RandomSearch-*.json"))) == 3 + 3 + 1  # the 3-epoch folds were there; the refit


def test_an_unwritable_checkpoint_is_refused_before_any_training(iris, tmp_path, trained):
    path = tmp_path / "search.json"
    (tmp_path / ".search.json.lock").mkdir()
    with pytest.raises(ValueError, match="cannot write checkpoint .*search.json"):
        RandomSearch(**TINY, random_state=0, checkpoint=path).fit(*iris)
    assert trained == []


def test_an_adaptive_search_resumes_only_with_its_n_jobs(iris, tmp_path, trained):
    path = tmp_path / "search.json"
    params = dict(TINY, population_size=2, tournament_size=1, random_state=0, checkpoint=path)
    EvolutionSearch(**params).fit(*iris)
    trained.clear()
    with pytest.raises(ValueError, match="resume it with n_jobs=1"):
        EvolutionSearch(**params, n_jobs=2).fit(*iris)
    assert trained == []
    RandomSearch(**TINY, random_state=0, checkpoint=path.with_name("random.json")).fit(*iris)
    RandomSearch(**dict(TINY, budget=4), random_state=0, n_jobs=2, checkpoint=path.with_name("random.json")).fit(*iris)


# -- warm start ----------------------------------------------------------------------------


def test_warm_start_continues_the_previous_search(iris, trained):
    search = EvolutionSearch(**TINY, population_size=2, tournament_size=1, random_state=0, warm_start=True).fit(*iris)
    trained.clear()
    search.set_params(budget=5).fit(*iris)
    assert trained == search.results_["architecture"][3:]
    fresh = EvolutionSearch(**dict(TINY, budget=5), population_size=2, tournament_size=1, random_state=0).fit(*iris)
    assert search.results_["architecture"] == fresh.results_["architecture"]


def test_warm_start_on_other_data_starts_again(iris):
    X, y = iris
    search = RandomSearch(**TINY, random_state=0, warm_start=True).fit(X, y)
    with pytest.warns(UserWarning, match="starting a new search"):
        search.fit(X[:100], y[:100])
    assert len(search.results_["architecture"]) == 3


def test_without_warm_start_fit_starts_again(iris, trained):
    search = RandomSearch(**TINY, random_state=0).fit(*iris)
    trained.clear()
    search.fit(*iris)
    assert len(trained) == 3
