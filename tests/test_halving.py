"""Multi-fidelity training: successive halving over epochs (``min_epochs``)."""

import zlib

import pickle

import numpy as np
import pytest
import torch

from sknas import EvolutionSearch, RandomSearch
from sknas.evaluation import (
    EvaluationResult, SuccessiveHalving, TrainingEvaluator, TrainingRecipe, halving_rungs,
)
from sknas.spaces import MLPSpace

SMALL = dict(space="mlp", budget=6, epochs=3, final_epochs=2, min_epochs=1, random_state=0)


@pytest.mark.parametrize("epochs, min_epochs, rungs", [
    (10, 1, (1, 3, 10)), (20, 2, (2, 6, 20)), (3, 1, (1, 3)), (9, 3, (3, 9)), (27, 1, (1, 3, 9, 27)),
    (4, 1, (1, 4)),
])
def test_rungs_grow_by_the_factor_up_to_the_full_epochs(epochs, min_epochs, rungs):
    assert halving_rungs(epochs, min_epochs) == rungs


@pytest.mark.parametrize("min_epochs", [0, 4, 10])
def test_rungs_need_a_rung_below_the_full_epochs(min_epochs):
    with pytest.raises(ValueError, match=r"min_epochs must lie in \[1, epochs // 3\] = \[1, 3\]"):
        halving_rungs(10, min_epochs)


class FakeEvaluator:
    """Objective from the architecture's string and the epochs (more epochs score higher);
    records every stretch it trains as (architecture, from epoch, to epoch); the cost of a
    stretch is its epochs. Names in ``fail_at`` fail at that rung."""

    def __init__(self, fail_at=None):
        self.calls = []
        self.fail_at = fail_at or {}

    def evaluate(self, arch):
        return self.evaluate_at(arch, 9)[0]

    def evaluate_at(self, arch, epochs, paused=None):
        done = 0 if paused is None else paused
        self.calls.append((str(arch), done, epochs))
        if self.fail_at.get(str(arch)) == epochs:
            return EvaluationResult.failed("boom", cost_s=0.5, epochs=float(epochs)), None
        quality = zlib.crc32(str(arch).encode()) / 2**32
        result = EvaluationResult(quality + epochs, cost_s=float(epochs - done),
                                  metrics={"epochs": float(epochs), "val_loss": 1.0 - quality})
        return result, (epochs if epochs < 9 else None)


def bracket(n=9):
    space = MLPSpace()
    rng = np.random.default_rng(0)
    archs = []
    while len(archs) < n:
        arch = space.sample(rng)
        if arch not in archs:
            archs.append(arch)
    return archs


def test_the_best_third_of_each_rung_is_promoted():
    fake = FakeEvaluator()
    archs = bracket(9)
    results = SuccessiveHalving(fake, rungs=(1, 3, 9)).evaluate_batch(archs)
    quality = [zlib.crc32(str(a).encode()) for a in archs]
    by_quality = [archs[i] for i in np.argsort(quality)[::-1]]
    epochs = {str(a): r.metrics["epochs"] for a, r in zip(archs, results)}
    assert [epochs[str(a)] for a in by_quality] == [9, 3, 3, 1, 1, 1, 1, 1, 1]
    assert len(fake.calls) == 9 + 3 + 1
    # a promoted candidate goes on from where it stopped: the top one trains 9 epochs in all
    top = by_quality[0]
    assert [(start, end) for arch, start, end in fake.calls if arch == str(top)] == [(0, 1), (1, 3), (3, 9)]
    # the cost is every rung's; the result is the top rung's, as the evaluator gives it alone
    result = results[archs.index(top)]
    assert result.cost_s == 1 + 2 + 6
    assert result.objective == FakeEvaluator().evaluate(top).objective


def test_a_failed_candidate_is_not_promoted_and_keeps_its_failure():
    archs = bracket(9)
    quality = [zlib.crc32(str(a).encode()) for a in archs]
    best = archs[int(np.argmax(quality))]
    fake = FakeEvaluator(fail_at={str(best): 3})
    results = SuccessiveHalving(fake, rungs=(1, 3, 9)).evaluate_batch(archs)
    failed = results[archs.index(best)]
    assert failed.status == "failed" and failed.cost_s == 1 + 0.5
    assert not any(start == 3 for arch, start, _ in fake.calls if arch == str(best))  # nothing goes on
    assert sum(r.metrics.get("epochs") == 9 for r in results if r.ok) == 1  # the next best went on
    assert all(r.ok for a, r in zip(archs, results) if a != best)


def test_a_small_bracket_still_sends_one_candidate_to_the_top():
    fake = FakeEvaluator()
    results = SuccessiveHalving(fake, rungs=(1, 3, 9)).evaluate_batch(bracket(2))
    assert sorted(r.metrics["epochs"] for r in results) == [1, 9]
    assert sorted(end for _, _, end in fake.calls) == [1, 1, 9]  # the winner of rung 1 needs no rung 3


def test_a_lone_candidate_trains_only_at_the_top_rung():
    fake = FakeEvaluator()
    arch = bracket(1)[0]
    result = SuccessiveHalving(fake, rungs=(1, 3, 9)).evaluate(arch)
    assert fake.calls == [(str(arch), 0, 9)]
    assert result == FakeEvaluator().evaluate(arch)


def test_the_rungs_must_end_at_the_evaluators_full_training():
    evaluator = TrainingEvaluator(MLPSpace(), *tiny_split(), recipe=TrainingRecipe(epochs=10))
    with pytest.raises(ValueError, match="the top rung trains 9 epochs but the evaluator's recipe 10"):
        SuccessiveHalving(evaluator, rungs=(1, 3, 9))


def tiny_split():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 5)).astype("float32")
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int)
    return X[:60], y[:60], X[60:], y[60:]


@pytest.mark.parametrize("arch", ["mlp:64-64,relu,dropout=0.5,norm=batch", "mlp:128,relu,dropout=0,norm=none"])
def test_a_training_paused_and_resumed_elsewhere_is_the_one_that_never_stopped(arch):
    # dropout draws from the global generator and batch normalisation keeps running buffers:
    # both, the optimiser's moments and the schedule must come back exactly, through a pickle
    space = MLPSpace()
    evaluator = TrainingEvaluator(space, *tiny_split(), recipe=TrainingRecipe(epochs=6, batch_size=16))
    arch = space.parse(arch)
    straight, nothing_left = evaluator.evaluate_at(arch, 6)
    first, paused = evaluator.evaluate_at(arch, 2)
    paused = pickle.loads(pickle.dumps(paused))
    torch.manual_seed(123)  # the caller's global generator does not leak into the training
    second, paused_again = evaluator.evaluate_at(arch, 4, paused)
    last, _ = evaluator.evaluate_at(arch, 6, paused_again)
    assert nothing_left is None and first.metrics["epochs"] == 2 and second.metrics["epochs"] == 4
    assert last.objective == straight.objective
    assert last.metrics == {**straight.metrics}
    assert evaluator.evaluate(arch).metrics == straight.metrics
    with pytest.raises(ValueError, match=r"epochs must lie in \[1, 6\] \(the recipe's\), got 7"):
        evaluator.evaluate_at(arch, 7)


def test_min_epochs_searches_in_rungs_and_picks_from_the_top_rung(iris):
    search = RandomSearch(**SMALL).fit(*iris)
    epochs = search.results_["epochs"]
    assert sorted(epochs) == [1, 1, 1, 1, 3, 3]  # two brackets of 3: one promoted from each
    assert max(range(6), key=lambda i: (epochs[i], search.results_["objective"][i])) == \
        search.results_["architecture"].index(str(search.best_architecture_))
    assert search.score(*iris) > 0.5


def test_a_full_fidelity_result_is_the_one_without_halving(iris):
    halving = RandomSearch(**SMALL).fit(*iris)
    full = RandomSearch(**dict(SMALL, min_epochs=None)).fit(*iris)
    assert halving.results_["architecture"] == full.results_["architecture"]  # random: the same draws
    for i, epochs in enumerate(halving.results_["epochs"]):
        if epochs == 3:
            assert halving.results_["objective"][i] == full.results_["objective"][i]


def test_the_halving_search_is_deterministic_and_resumes(iris):
    first = EvolutionSearch(**SMALL, population_size=3, tournament_size=2).fit(*iris)
    again = EvolutionSearch(**SMALL, population_size=3, tournament_size=2).fit(*iris)
    assert first.results_["architecture"] == again.results_["architecture"]
    assert first.results_["objective"] == again.results_["objective"]
    warm = EvolutionSearch(**dict(SMALL, budget=3), population_size=3, tournament_size=2, warm_start=True)
    warm.fit(*iris).set_params(budget=6).fit(*iris)
    assert warm.results_["architecture"] == first.results_["architecture"]
    assert warm.results_["epochs"] == first.results_["epochs"]


def test_min_epochs_without_a_lower_rung_is_refused_before_any_work(iris):
    with pytest.raises(ValueError, match="min_epochs=2 leaves no rung below epochs=3"):
        RandomSearch(**dict(SMALL, min_epochs=2)).fit(*iris)


def test_the_pareto_front_holds_only_top_rung_candidates(iris):
    search = RandomSearch(**SMALL, objectives=("accuracy", "params")).fit(*iris)
    epochs = dict(zip(search.results_["architecture"], search.results_["epochs"]))
    assert search.pareto_front_["architecture"]
    assert all(epochs[a] == 3 for a in search.pareto_front_["architecture"])


def test_a_checkpointed_halving_search_resumes_bracket_by_bracket(iris, tmp_path):
    path = tmp_path / "search.json"
    RandomSearch(**dict(SMALL, budget=3), checkpoint=path).fit(*iris)
    resumed = RandomSearch(**SMALL, checkpoint=path).fit(*iris)
    fresh = RandomSearch(**SMALL).fit(*iris)
    assert resumed.results_["architecture"] == fresh.results_["architecture"]
    assert resumed.results_["epochs"] == fresh.results_["epochs"]


def test_the_halving_search_is_the_same_with_parallel_workers(iris):
    alone = RandomSearch(**SMALL).fit(*iris)
    parallel = RandomSearch(**SMALL, n_jobs=2).fit(*iris)
    assert parallel.results_["architecture"] == alone.results_["architecture"]
    assert parallel.results_["epochs"] == alone.results_["epochs"]
    np.testing.assert_allclose(parallel.results_["objective"], alone.results_["objective"], atol=1e-6)
