"""Multi-objective search: MultiObjectivePONAS, hypervolume gain, and the estimators' Pareto fronts."""

from __future__ import annotations

import itertools
import json
import zlib

import numpy as np
import pytest
from sklearn.datasets import load_iris

from sknas import POnasSearch, RandomSearch
from sknas.evaluation import EvaluationResult
from sknas.hardware import hypervolume, hypervolume_improvement, pareto_mask
from sknas.spaces import CellSpace
from sknas.strategies import MultiObjectivePONAS

SPACE = CellSpace(channels=4, cells_per_stage=1)
CONV = {"nor_conv_3x3": 9.0, "nor_conv_1x1": 1.0}


def conv_cost(arch):
    """A cost known before training: the weight count of the cell's convolutions."""
    return [sum(CONV.get(op, 0.0) for op in arch.ops) + 0.5]


def toy_objective(arch):
    """An accuracy that grows with the cost, with a twist per cell."""
    return 50 + 3 * conv_cost(arch)[0] + 5 * (zlib.crc32(str(arch).encode()) % 7) / 7  # same in every process


@pytest.fixture(scope="module")
def toy_pool():
    pool = SPACE.sample_pool(60, np.random.default_rng(0))
    rng = np.random.default_rng(1)
    truth = np.array([toy_objective(a) for a in pool])
    proxies = np.column_stack([truth + rng.normal(0, 3, len(pool)), rng.normal(size=len(pool))])
    return pool, proxies


def make_strategy(toy_pool, seed=0, *, costs=conv_cost, bounds=None, minimise=None, score_proxies=None, **options):
    pool, proxies = toy_pool
    settings = dict(pretrain_epochs=5, online_epochs=20, max_online_epochs=40, refit_every=2)
    spec = MultiObjectivePONAS(**{**settings, **options})
    return spec.setup(SPACE, np.random.default_rng(seed), pool=pool, proxy_scores=proxies, costs=costs,
                      bounds=bounds, minimise=minimise, score_proxies=score_proxies)


def run(strategy, n):
    asked = []
    for _ in range(n):
        archs = strategy.ask(1)
        if not archs:
            break
        strategy.tell(archs, [EvaluationResult(toy_objective(archs[0]), 0.0)])
        asked += archs
    return asked


# -- hypervolume gain ----------------------------------------------------------------------


def test_hypervolume_improvement_is_the_gain_of_adding_each_point():
    rng = np.random.default_rng(0)
    front, candidates, reference = rng.random((5, 2)), rng.random((30, 2)), np.array([1.2, 1.2])
    gains = hypervolume_improvement(candidates, front, reference)
    base = hypervolume(front[pareto_mask(front)], reference)
    brute = np.array([hypervolume(np.vstack([front, c]), reference) - base for c in candidates])
    best = np.argmax(brute)
    assert np.argmax(gains) == best and gains[best] == pytest.approx(brute[best])
    # only dominated or beaten candidates are left at 0
    assert ((gains == 0) | np.isclose(gains, brute)).all()


def test_hypervolume_improvement_against_nothing_is_the_point_s_own_volume():
    gains = hypervolume_improvement([[0.5, 0.5]], np.empty((0, 2)), [1.0, 1.0])
    assert gains.tolist() == [0.25]


def test_the_gain_rule_falls_back_to_the_candidate_nearest_to_the_front(toy_pool):
    strategy = make_strategy(toy_pool)
    evaluated = np.array([[-90.0, 1.0], [-95.0, 2.0]])
    candidates = np.array([[-80.0, 3.0], [-89.0, 1.0], [-60.0, 5.0]])  # all dominated
    assert strategy._largest_gain(candidates, evaluated) == 1  # 1 point short of escaping
    assert strategy._largest_gain(np.vstack([candidates, [-91.0, 1.5]]), evaluated) == 3


# -- the strategy --------------------------------------------------------------------------


def test_it_never_proposes_an_infeasible_or_repeated_cell(toy_pool):
    strategy = make_strategy(toy_pool, bounds=[10.0])
    asked = run(strategy, 12)
    assert len(asked) == len(set(asked)) == 12
    assert all(conv_cost(a)[0] <= 10.0 for a in asked)


def test_it_stops_when_no_feasible_cell_is_left(toy_pool):
    pool, _ = toy_pool
    cheap = sum(conv_cost(a)[0] <= 1.5 for a in pool)
    strategy = make_strategy(toy_pool, bounds=[1.5])
    assert len(run(strategy, 60)) == cheap


def test_it_finds_more_of_the_front_than_random_draws(toy_pool):
    pool, _ = toy_pool
    points = np.array([[-toy_objective(a), *conv_cost(a)] for a in pool])
    reference = points.max(axis=0) + 1
    best = hypervolume(points[pareto_mask(points)], reference)

    def ratio(archs):
        found = np.array([[-toy_objective(a), *conv_cost(a)] for a in archs])
        return hypervolume(found, reference) / best

    searched = ratio(run(make_strategy(toy_pool), 15))
    drawn = np.mean([ratio([pool[i] for i in np.random.default_rng(s).permutation(60)[:15]]) for s in range(20)])
    assert searched > drawn


def test_a_restored_strategy_proposes_what_the_uninterrupted_one_does(toy_pool):
    uninterrupted = make_strategy(toy_pool, seed=3)
    expected = run(uninterrupted, 9)
    first = make_strategy(toy_pool, seed=3)
    run(first, 5)
    state = json.loads(json.dumps(first.state_dict()))
    restored = make_strategy(toy_pool, seed=3)  # the driver tells the history again, then loads
    restored.tell([a for a, _ in first.history], [EvaluationResult(y, 0.0) for _, y in first.history])
    restored.load_state_dict(state)
    assert expected[5:] == run(restored, 4)


def test_constraint_only_costs_bound_without_being_minimised(toy_pool):
    strategy = make_strategy(toy_pool, bounds=[10.0], minimise=[False])
    asked = run(strategy, 8)
    assert all(conv_cost(a)[0] <= 10.0 for a in asked)


def test_nsga2_on_predicted_values_breeds_feasible_cells_into_the_pool(toy_pool):
    pool, _ = toy_pool
    scored = []

    def score_proxies(archs):
        scored.extend(archs)
        return np.column_stack([[toy_objective(a) for a in archs], np.zeros(len(archs))])

    strategy = make_strategy(toy_pool, bounds=[20.0], score_proxies=score_proxies, evolve_from=3,
                             n_offspring=5, generations=2, population_size=10)
    asked = run(strategy, 6)
    added = strategy.pool[len(pool):]
    assert added and len(added) <= 5 * 3 and added == scored
    assert all(conv_cost(a)[0] <= 20.0 for a in added + asked)
    assert len(strategy.pool_costs) == len(strategy.pool)


def test_it_takes_no_acquisition(toy_pool):
    with pytest.raises(TypeError, match="hypervolume gain; it takes no acquisition"):
        make_strategy(toy_pool, acquisition="ei")
    with pytest.raises(TypeError, match="hypervolume gain; it takes no local_from"):
        MultiObjectivePONAS(local_from=3)


def test_the_spec_does_no_work_and_setup_needs_the_costs(toy_pool):
    pool, proxies = toy_pool
    spec = MultiObjectivePONAS(kappa=2.0, n_offspring=3)
    assert not hasattr(spec, "encoder") and not hasattr(spec, "pool_costs")
    assert spec.get_options()["kappa"] == 2.0 and spec.get_options()["n_offspring"] == 3
    assert "acquisition" not in spec.get_options()
    with pytest.raises(ValueError, match="MultiObjectivePONAS needs costs to be set up"):
        spec.setup(SPACE, np.random.default_rng(0), pool=pool, proxy_scores=proxies)
    with pytest.raises(ValueError, match="2 bounds for 1 costs"):
        spec.setup(SPACE, np.random.default_rng(0), pool=pool, proxy_scores=proxies, costs=conv_cost,
                   bounds=[1.0, 2.0])


def test_a_batch_fits_the_surrogate_once_and_believes_its_picks(toy_pool, monkeypatch):
    import sknas.strategies._ponas_front as module

    strategy = make_strategy(toy_pool, bounds=[20.0], refit_every=1)
    before = run(strategy, 4)
    weightings, gps = [], []
    fit_weighting, fit_gp = strategy.fit_weighting, module.fit_gp
    monkeypatch.setattr(strategy, "fit_weighting", lambda *a, **k: weightings.append(k) or fit_weighting(*a, **k))
    monkeypatch.setattr(module, "fit_gp", lambda *a, **k: gps.append(k) or fit_gp(*a, **k))
    batch = strategy.ask(4)
    # one training of the weighting and of the GP's hyperparameters; the GP conditioned once
    assert len(weightings) == 1 and len(gps) == 2 and [k.get("hyperparameters") is None for k in gps] == [True, False]
    assert len(set(batch)) == 4 and not set(batch) & set(before)
    assert all(conv_cost(a)[0] <= 20.0 for a in batch) and strategy.pending == set(batch)
    # the first of the batch is what a batch of one chooses
    again = make_strategy(toy_pool, bounds=[20.0], refit_every=1)
    run(again, 4)
    assert again.ask(1) == batch[:1]
    strategy.tell(batch, [EvaluationResult(toy_objective(a), 0.0) for a in batch])
    assert strategy.pending == set() and len(run(strategy, 2)) == 2


# -- estimators ----------------------------------------------------------------------------

MO = dict(budget=5, epochs=2, final_epochs=1, device="cpu", objectives=("accuracy", "params"))
PONAS_MO = dict(MO, n_candidates=10, proxies=("synflow", "snip"))


@pytest.fixture(scope="module")
def iris():
    return load_iris(return_X_y=True)


@pytest.fixture(scope="module")
def fitted_ponas(iris):
    return POnasSearch(**PONAS_MO, random_state=0).fit(*iris)


def test_the_pareto_front_holds_the_non_dominated_trained_models(fitted_ponas, iris):
    search = fitted_ponas
    front, results = search.pareto_front_, search.results_
    points = np.column_stack([-np.array(results["objective"]), results["hw_params"]])
    on_front = {results["architecture"][i] for i in np.flatnonzero(pareto_mask(points))}
    assert set(front["architecture"]) == on_front
    assert front["params"] == sorted(front["params"])
    assert len(front["model"]) == len(front["architecture"]) and sum(front["chosen"]) == 1
    chosen = front["chosen"].index(True)
    assert front["objective"][chosen] == max(front["objective"]) == search.best_score_
    assert front["architecture"][chosen] == str(search.best_architecture_)
    assert search.best_model_ is front["model"][chosen]
    assert search.predict(iris[0]).shape == (150,)


def test_the_knee_choice_balances_accuracy_and_cost(iris):
    search = RandomSearch(**MO, random_state=0, front_choice="knee").fit(*iris)
    front = search.pareto_front_
    accuracy, params = np.array(front["objective"]), np.array(front["params"])
    scaled = np.column_stack([(accuracy.max() - accuracy) / max(np.ptp(accuracy), 1e-12),
                              (params - params.min()) / max(np.ptp(params), 1e-12)])
    assert front["chosen"].index(True) == int(np.argmin(np.linalg.norm(scaled, axis=1)))


@pytest.mark.parametrize("cls, extra", [(RandomSearch, MO), (POnasSearch, PONAS_MO)], ids=["random", "ponas"])
def test_constraints_are_never_broken(cls, extra, iris):
    search = cls(**extra, random_state=0, constraints={"params": 60000, "flops": 60000}).fit(*iris)
    assert max(search.results_["hw_params"]) <= 60000 and max(search.results_["hw_flops"]) <= 60000
    assert set(search.pareto_front_) >= {"params", "flops"}


@pytest.mark.parametrize("cls, extra", [(RandomSearch, MO), (POnasSearch, PONAS_MO)], ids=["random", "ponas"])
def test_constraints_nothing_meets_are_a_clear_error(cls, extra, iris):
    with pytest.raises(ValueError, match="meets the constraints"):
        cls(**extra, random_state=0, constraints={"params": 1}).fit(*iris)


@pytest.mark.parametrize("params, message", [
    (dict(objectives=("params",)), "first objective must be 'accuracy'"),
    (dict(objectives="accuracy"), r"'objectives' parameter of POnasSearch must be an instance of 'tuple' or an instance of 'list'"),
    (dict(objectives=("accuracy", "watts")), "unknown or repeated"),
    (dict(objectives=("accuracy", "params", "params")), "unknown or repeated"),
    (dict(constraints={"watts": 1}), "unknown constraint"),
    (dict(constraints={"params": -1}), "positive number"),
    (dict(constraints=[("params", 1)]), r"'constraints' parameter of POnasSearch must be an instance of 'dict' or None"),
    (dict(front_choice="cheapest"), r"'front_choice' parameter of POnasSearch must be a str among \{.*'knee'.*\}\. Got 'cheapest'"),
    (dict(acquisition="ei", constraints={"params": 1e6}), "hypervolume gain"),
])
def test_bad_multi_objective_parameters_are_clear_errors(params, message, iris):
    with pytest.raises(ValueError, match=message):
        POnasSearch(**{**PONAS_MO, **params}).fit(*iris)


def test_without_costs_there_is_no_front(iris):
    search = RandomSearch(budget=2, epochs=1, final_epochs=1, random_state=0).fit(*iris)
    assert search.pareto_front_ is None and not any(c.startswith("hw_") for c in search.results_)


def test_measured_latency_is_a_cost(iris):
    search = RandomSearch(**{**MO, "objectives": ("accuracy", "latency_ms")}, random_state=0).fit(*iris)
    assert all(t > 0 for t in search.results_["hw_latency_ms"])
    assert all(t > 0 for t in search.pareto_front_["latency_ms"])


def test_a_multi_objective_search_resumes_as_if_never_stopped(iris, tmp_path):
    uninterrupted = POnasSearch(**PONAS_MO, random_state=0).fit(*iris)
    path = tmp_path / "search.json"

    class InterruptAt3:
        seen = 0

        def on_candidate_end(self, search, architecture, result):
            self.seen += 1
            if self.seen == 4:
                raise KeyboardInterrupt

    with pytest.warns(RuntimeWarning, match="search interrupted"):
        POnasSearch(**PONAS_MO, random_state=0, checkpoint=path, callbacks=[InterruptAt3()]).fit(*iris)
    resumed = POnasSearch(**PONAS_MO, random_state=0, checkpoint=path).fit(*iris)
    assert resumed.results_["architecture"] == uninterrupted.results_["architecture"]
    assert resumed.pareto_front_["architecture"] == uninterrupted.pareto_front_["architecture"]


def test_pairs_of_candidates_dominate_as_the_front_says(fitted_ponas):
    front = fitted_ponas.pareto_front_
    for i, j in itertools.permutations(range(len(front["architecture"])), 2):
        better = front["objective"][i] >= front["objective"][j] and front["params"][i] <= front["params"][j]
        strictly = front["objective"][i] > front["objective"][j] or front["params"][i] < front["params"][j]
        assert not (better and strictly)


def test_every_pareto_model_predicts(fitted_ponas, iris):
    predictions = fitted_ponas.predict_front(iris[0])
    assert predictions.shape == (len(fitted_ponas.pareto_front_["model"]), 150)
    chosen = fitted_ponas.pareto_front_["chosen"].index(True)
    assert (predictions[chosen] == fitted_ponas.predict(iris[0])).all()
    with pytest.raises(AttributeError, match="no Pareto front"):
        RandomSearch(budget=1, epochs=1, final_epochs=1, random_state=0).fit(*iris).predict_front(iris[0])


def test_evolution_starts_early_when_no_feasible_pool_member_is_left(toy_pool):
    pool, _ = toy_pool
    cheap = sum(conv_cost(a)[0] <= 1.5 for a in pool)

    def score_proxies(archs):
        return np.column_stack([[toy_objective(a) for a in archs], np.zeros(len(archs))])

    strategy = make_strategy(toy_pool, bounds=[1.5], score_proxies=score_proxies, evolve_from=100,
                             n_offspring=5, generations=3, population_size=10)
    asked = run(strategy, cheap + 3)
    assert len(asked) == cheap + 3 and all(conv_cost(a)[0] <= 1.5 for a in asked)


def test_a_cell_whose_costs_fail_is_never_proposed(toy_pool):
    pool, _ = toy_pool
    broken = set(pool[::2])

    def costs(arch):
        if arch in broken:
            raise RuntimeError("cannot build")
        return conv_cost(arch)

    strategy = make_strategy(toy_pool, costs=costs)
    assert np.isnan(strategy.pool_costs[::2]).all()
    assert not set(run(strategy, 8)) & broken
