"""Local search: the climb, restarts at local optima, batches, failures, resume, proxy order, estimator."""

import json

import numpy as np
import pytest
from sklearn.datasets import load_iris

from sknas import LocalSearch
from sknas.driver import SearchState, run_search
from sknas.evaluation import EvaluationResult
from sknas.proxies import ZERO_COST_PROXIES, combine_scores
from sknas.spaces import CellSpace, MLPSpace
from sknas.strategies import (
    LocalSearchStrategy,
    RandomStrategy,
    make_strategy,
    strategy_names,
)

SPACE = CellSpace()
#: The optimum of the smooth objective, and the global optimum of the deceptive one.
TARGET = SPACE.parse("|nor_conv_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|avg_pool_3x3~0|nor_conv_3x3~1|none~2|")
#: Six edges away from TARGET: a strict local optimum of the deceptive objective.
DECOY = SPACE.parse("|none~0|+|skip_connect~0|nor_conv_1x1~1|+|nor_conv_3x3~0|avg_pool_3x3~1|skip_connect~2|")


def matches(arch, other):
    return sum(a == b for a, b in zip(arch.ops, other.ops))


def smooth(arch):
    """Edges equal to TARGET's: every non-optimal cell has a better neighbour."""
    return float(matches(arch, TARGET))


def deceptive(arch):
    """TARGET scores 6; DECOY 5.5, above all of its neighbours (at most 4.5): a local optimum."""
    return max(float(matches(arch, TARGET)), matches(arch, DECOY) - 0.5)


def result(objective):
    return lambda arch: EvaluationResult(objective(arch), cost_s=0.0)


class FakeEvaluator:
    """A table lookup: the objective of a cell, no training."""

    def __init__(self, objective):
        self.objective = objective

    def evaluate(self, arch):
        return EvaluationResult(self.objective(arch), cost_s=0.0)


def make(seed=0, space=SPACE, **options):
    return LocalSearchStrategy(**options).setup(space, np.random.default_rng(seed))


def run(strategy, rounds, batch, result_of):
    """Ask/tell for some rounds; return the asked architectures, round by round."""
    asked = []
    for _ in range(rounds):
        archs = strategy.ask(batch)
        strategy.tell(archs, [result_of(a) for a in archs])
        asked.append(archs)
    return asked


def tiny_space():
    """Four architectures: widths 8 or 16, with or without batch norm."""
    return MLPSpace(depths=(1,), widths=(8, 16), activations=("relu",), dropouts=(0.0,), norms=("none", "batch"))


# ---------------------------------------------------------------------------------------------
# registry, spec and options
# ---------------------------------------------------------------------------------------------


def test_registered_as_local_search():
    assert "local-search" in strategy_names(multi_objective=False)
    assert "local-search" not in strategy_names(multi_objective=True)
    spec = make_strategy("local-search", n_initial=3)
    assert isinstance(spec, LocalSearchStrategy) and spec.get_options() == {"n_initial": 3, "order": "random"}
    assert make_strategy("local-search").n_initial == 10
    assert not spec.batch_invariant and spec.requires == ()


def test_proxies_are_read_only_with_proxy_order():
    assert LocalSearchStrategy().proxies is None
    assert LocalSearchStrategy(order="proxy").proxies == ZERO_COST_PROXIES


@pytest.mark.parametrize("n_initial", [0, -1, 1.5, True, "3", None])
def test_bad_n_initial_is_refused_at_setup(n_initial):
    spec = LocalSearchStrategy(n_initial=n_initial)  # the constructor stores options only
    with pytest.raises(ValueError, match=r"n_initial must be an integer >= 1, got"):
        spec.setup(SPACE, np.random.default_rng(0))


def test_bad_order_and_missing_proxy_context_are_refused():
    with pytest.raises(ValueError, match=r"unknown order 'best'; use 'random' or 'proxy'"):
        make(order="best")
    with pytest.raises(ValueError, match=r"order='proxy'.*pool=\.\.\. and proxy_scores="):
        make(order="proxy")
    pool = list(SPACE.enumerate())[:5]
    with pytest.raises(ValueError, match=r"pool=\.\.\. and proxy_scores="):
        LocalSearchStrategy(order="proxy").setup(SPACE, np.random.default_rng(0), pool=pool)
    with pytest.raises(ValueError, match=r"proxy_scores has shape \(4, 1\) but the pool holds 5"):
        LocalSearchStrategy(order="proxy").setup(SPACE, np.random.default_rng(0), pool=pool,
                                                 proxy_scores=np.zeros((4, 1)))


# ---------------------------------------------------------------------------------------------
# never the same architecture twice; exhaustion
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("batch", [1, 4])
@pytest.mark.parametrize("objective", [smooth, deceptive])
def test_never_proposes_an_architecture_twice(batch, objective):
    asked = [a for archs in run(make(3, n_initial=5), 400 // batch, batch, result(objective)) for a in archs]
    assert len(asked) == 400 == len(set(asked))


def test_exhausts_a_four_arch_space_without_repeats():
    space = tiny_space()
    strategy = make(0, space=space, n_initial=2)
    seen = []
    for _ in range(4):
        (arch,) = strategy.ask(1)
        strategy.tell([arch], [EvaluationResult(float(sum(arch.widths)), cost_s=0.0)])
        seen.append(arch)
    assert set(seen) == set(space.enumerate()) and strategy.ask(1) == [] and strategy.ask(3) == []
    batched = make(0, space=space, n_initial=2)
    assert set(batched.ask(10)) == set(space.enumerate()) and batched.ask(2) == []


def test_same_seed_same_proposals():
    runs = [run(make(42, n_initial=4), 30, 3, result(deceptive)) for _ in range(2)]
    assert runs[0] == runs[1]
    assert run(make(43, n_initial=4), 30, 3, result(deceptive)) != runs[0]


# ---------------------------------------------------------------------------------------------
# the climb and its restarts
# ---------------------------------------------------------------------------------------------


class Recording(LocalSearchStrategy):
    """Records every incumbent, moves made within one ask included."""

    def _queue_neighbours(self, arch):
        self.incumbents.append(arch)
        super()._queue_neighbours(arch)


def climb_one_at_a_time(strategy, objective, n_asks):
    """Ask one at a time; check each proposal against the incumbent; return the restarts as
    (the last incumbent of the climb that ended, the architecture restarted from, its index)."""
    strategy.incumbents = []
    scores = {}
    restarts = []
    for index in range(n_asks):
        before = strategy.incumbent
        (arch,) = strategy.ask(1)
        if index < strategy.n_initial:
            assert strategy.incumbent is None  # the random start
        elif strategy.incumbent is None:
            # a restart: the climb starts again from this random architecture
            assert strategy.climb == [arch] and before is not None
            peak = strategy.incumbents[-1]  # may be a neighbour told earlier, moved to in this ask
            assert scores[peak] >= scores[before]
            restarts.append((peak, arch, index))
        else:
            assert arch in SPACE.neighbours(strategy.incumbent)
            if before is not None:  # a move only ever improves
                assert scores[strategy.incumbent] >= scores[before]
        strategy.tell([arch], [EvaluationResult(objective(arch), cost_s=0.0)])
        scores[arch] = objective(arch)
    return restarts, scores


def test_after_the_random_start_every_proposal_is_a_neighbour_of_the_incumbent():
    strategy = Recording(n_initial=5).setup(SPACE, np.random.default_rng(0))
    restarts, scores = climb_one_at_a_time(strategy, smooth, 120)
    # on the smooth objective the only local optimum is the target: reached, then one restart
    assert len(restarts) == 1 and restarts[0][0] == TARGET and scores[TARGET] == 6.0
    # the first climb starts from the best random architecture
    initial = list(scores)[:5]
    assert strategy.incumbents[0] == max(initial, key=scores.get)
    assert list(scores)[5] in SPACE.neighbours(strategy.incumbents[0])


def test_restarts_only_at_local_optima():
    # seed 1 climbs to TARGET, restarts, and the next climb ends on the decoy: both optima
    strategy = Recording(n_initial=3).setup(SPACE, np.random.default_rng(1))
    restarts, scores = climb_one_at_a_time(strategy, deceptive, 250)
    assert [peak for peak, _, _ in restarts] == [TARGET, DECOY]
    for peak, _, index in restarts:
        # every neighbour was asked before the restart, and none beat the peak
        asked_then = set(list(scores)[:index])
        assert all(n in asked_then for n in SPACE.neighbours(peak))
        assert max(scores[n] for n in SPACE.neighbours(peak)) < scores[peak]
    # after a restart, the next climb explores the neighbourhood of the random start
    _, start, index = restarts[0]
    assert list(scores)[index + 1] in SPACE.neighbours(start)


def test_climbs_to_the_optimum_where_random_search_does_not():
    budget = 120
    for seed in (0, 1, 2):
        history = run_search(make(seed, n_initial=10), FakeEvaluator(smooth), budget=budget)
        found = [a for a, _ in history].index(TARGET) + 1
        assert found <= 100  # a few moves of at most 24 neighbours each
        random = RandomStrategy().setup(SPACE, np.random.default_rng(seed))
        best_random = max(r.objective for _, r in run_search(random, FakeEvaluator(smooth), budget=budget))
        assert best_random <= 4.0  # 120 of 15,625 cells, none within one edge of the target


# ---------------------------------------------------------------------------------------------
# batches and failures
# ---------------------------------------------------------------------------------------------


def test_batches_of_four_have_no_duplicates_and_respect_the_budget():
    strategy = make(1, n_initial=6)
    history = run_search(strategy, FakeEvaluator(deceptive), budget=101, batch_size=4)
    archs = [a for a, _ in history]
    assert len(archs) == 101 == len(set(archs))
    assert max(r.objective for _, r in history) == 6.0  # finds TARGET in batches too
    # a batch that empties the queue goes on with a decision on the results told so far
    fresh = make(1, n_initial=6)
    for archs in run(fresh, 30, 4, result(deceptive)):
        assert len(archs) == 4


def test_a_batch_larger_than_the_random_start_stays_random_until_results_come():
    strategy = make(0, n_initial=3)
    first = strategy.ask(5)  # nothing told: no incumbent to climb from
    assert strategy.incumbent is None and strategy.climb == first
    strategy.tell(first, [EvaluationResult(smooth(a), cost_s=0.0) for a in first])
    nxt = strategy.ask(1)[0]
    assert strategy.incumbent == max(first, key=smooth) and nxt in SPACE.neighbours(strategy.incumbent)


def failing(arch):
    """Cells whose first edge is a 3x3 convolution fail; the rest score like ``smooth``."""
    if arch.ops[0] == "nor_conv_3x3":
        return EvaluationResult.failed("RuntimeError: out of memory")
    return EvaluationResult(smooth(arch), cost_s=0.0)


@pytest.mark.parametrize("batch", [1, 3])
def test_failed_evaluations_never_become_incumbents(batch):
    strategy = make(4, n_initial=4)
    n_failed = 0
    for _ in range(150 // batch):
        archs = strategy.ask(batch)
        strategy.tell(archs, [failing(a) for a in archs])
        n_failed += sum(not failing(a).ok for a in archs)
        if strategy.incumbent is not None:
            assert failing(strategy.incumbent).ok
    assert n_failed > 0  # the objective's best cells (TARGET's first edge) fail


def test_a_start_that_only_fails_keeps_drawing_random_architectures():
    strategy = make(0, n_initial=3)
    first = strategy.ask(3)
    strategy.tell(first, [EvaluationResult.failed("boom")] * 3)
    again = strategy.ask(2)  # nothing succeeded: two more random starts, no climb
    assert strategy.incumbent is None and strategy.climb == first + again
    strategy.tell(again, [EvaluationResult.failed("boom"), EvaluationResult(1.0, cost_s=0.0)])
    nxt = strategy.ask(1)[0]
    assert strategy.incumbent == again[1] and nxt in SPACE.neighbours(again[1])


# ---------------------------------------------------------------------------------------------
# resuming
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("batch", [1, 3])
def test_resume_at_every_round_equals_the_uninterrupted_search(batch):
    rounds = 150 // batch
    original = make(7, n_initial=4)
    done, states = [], []
    for _ in range(rounds):
        archs = original.ask(batch)
        original.tell(archs, [result(deceptive)(a) for a in archs])
        done.append(archs)
        states.append(json.loads(json.dumps(original.state_dict(), allow_nan=False)))  # strict JSON
    # the cut points cover the random start, climbs and pending restarts
    assert any(s["incumbent"] is None and s["climb"] for s in states[4 // batch + 1:])
    assert any(s["queue"] for s in states)
    for cut in range(0, rounds - 1, 5 if batch == 1 else 2):
        fresh = make(7, n_initial=4)
        told = [a for archs in done[: cut + 1] for a in archs]
        fresh.tell(told, [result(deceptive)(a) for a in told])  # the driver replays in one tell
        fresh.load_state_dict(states[cut])
        assert fresh.state_dict() == states[cut]
        assert run(fresh, rounds - cut - 1, batch, result(deceptive)) == done[cut + 1:]


def test_state_dict_holds_only_what_the_history_cannot_give():
    strategy = make(0, n_initial=2)
    run(strategy, 5, 1, result(smooth))
    state = strategy.state_dict()
    assert set(state) == {"rng", "incumbent", "queue", "climb"}
    assert state["incumbent"] == str(strategy.incumbent)
    assert [SPACE.parse(a) for a in state["queue"]] == list(strategy.queue)
    snapshot = json.dumps(state)
    strategy.ask(3)
    assert json.dumps(state) == snapshot  # a copy: asking more leaves it alone


def test_resume_through_the_driver():
    evaluator = FakeEvaluator(deceptive)
    whole = run_search(make(11, n_initial=5), evaluator, budget=90, batch_size=2)
    state = SearchState()
    first = run_search(make(11, n_initial=5), evaluator, budget=37, batch_size=2, state=state)
    assert len(first) == 37  # the last batch is cut to one by the budget
    state.strategy = json.loads(json.dumps(state.strategy))
    resumed = run_search(make(11, n_initial=5), evaluator, budget=90, batch_size=2, state=state)
    assert [a for a, _ in resumed] == [a for a, _ in whole]


# ---------------------------------------------------------------------------------------------
# neighbours best proxy first
# ---------------------------------------------------------------------------------------------


def test_proxy_order_proposes_neighbours_best_combined_score_first():
    cells = list(SPACE.enumerate())
    # the pool leaves out cells whose first edge is 'none'; some scores are NaN
    pool = [a for a in cells if a.ops[0] != "none"]
    raw = np.random.default_rng(0).normal(size=(len(pool), 2))
    raw[::7, :] = np.nan
    combined = dict(zip(pool, combine_scores(raw)))  # the mean of the min-max normalised proxies
    strategy = LocalSearchStrategy(n_initial=3, order="proxy").setup(
        SPACE, np.random.default_rng(0), pool=pool, proxy_scores=raw)
    start = strategy.ask(3)
    strategy.tell(start, [EvaluationResult(smooth(a), cost_s=0.0) for a in start])
    incumbent_neighbours = [a for a in SPACE.neighbours(max(start, key=smooth)) if a not in start]
    proposals = []
    for _ in incumbent_neighbours:
        proposals += strategy.ask(1)
        strategy.tell(proposals[-1:], [EvaluationResult(0.0, cost_s=0.0)])  # no move
    assert set(proposals) == set(incumbent_neighbours)
    scored = [a for a in proposals if np.isfinite(combined.get(a, np.nan))]
    assert proposals[: len(scored)] == scored  # unscored and outside the pool last
    assert [combined[a] for a in scored] == sorted((combined[a] for a in scored), reverse=True)
    assert 0 < len(scored) < len(proposals)


def test_random_order_is_not_sorted_by_the_proxies():
    # a pool scored by its index: order="proxy" takes the neighbours highest index first,
    # order="random" ignores the pool and its scores
    pool = list(SPACE.enumerate())
    scores = np.arange(len(pool), dtype=np.float64)
    proxy = LocalSearchStrategy(n_initial=1, order="proxy").setup(SPACE, np.random.default_rng(0), pool=pool,
                                                                  proxy_scores=scores)
    plain = LocalSearchStrategy(n_initial=1).setup(SPACE, np.random.default_rng(0), pool=pool, proxy_scores=scores)
    for strategy in (proxy, plain):
        first = strategy.ask(1)
        strategy.tell(first, [EvaluationResult(0.0, cost_s=0.0)])
    index = {a: i for i, a in enumerate(pool)}
    by_proxy = [index[a] for a in proxy.ask(24)]
    assert by_proxy == sorted(by_proxy, reverse=True)
    assert [index[a] for a in plain.ask(24)] != by_proxy


# ---------------------------------------------------------------------------------------------
# the estimator
# ---------------------------------------------------------------------------------------------


def test_estimator_fits_and_climbs_from_the_best_start():
    X, y = load_iris(return_X_y=True)
    search = LocalSearch(budget=3, n_initial=2, epochs=1, final_epochs=1, device="cpu", random_state=0).fit(X, y)
    results = search.results_
    assert len(results["architecture"]) == 3
    assert search._strategy_spec().get_options() == {"n_initial": 2, "order": "random"}
    start = [search.space_.parse(a) for a in results["architecture"][:2]]
    best = start[int(np.argmax(results["objective"][:2]))]
    assert search.space_.parse(results["architecture"][2]) in search.space_.neighbours(best)
    assert str(search.best_architecture_) in results["architecture"]
    assert search.predict(X[:5]).shape == (5,)


@pytest.mark.parametrize("n_initial", [0, 2.5, "10"])
def test_estimator_rejects_a_bad_n_initial(n_initial):
    X, y = load_iris(return_X_y=True)
    with pytest.raises(ValueError, match=r"'n_initial' parameter of LocalSearch must be an int in the range \[1, inf\)"):
        LocalSearch(budget=2, n_initial=n_initial, epochs=1, final_epochs=1, device="cpu").fit(X, y)
