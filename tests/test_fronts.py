"""Multi-objective search on NAS-Bench-201 with HW-NAS-Bench costs: NSGA-II, true fronts, hypervolume."""

from __future__ import annotations

import json

import numpy as np
import pytest

from sknas.bench import make_benchmark, plot_fronts, run_fronts, true_front
from sknas.evaluation import EvaluationResult
from sknas.hardware import pareto_mask
from sknas.spaces import CellSpace
from sknas.strategies import NSGA2


@pytest.fixture(scope="module")
def cifar10():
    return make_benchmark("nb201-cifar10")


@pytest.fixture(scope="module")
def latency(cifar10):
    profiler = cifar10.profiler(["edgegpu_latency"])
    return lambda arch: [profiler.profile(arch)["edgegpu_latency"]]


def drive(strategy, benchmark, budget):
    evaluator = benchmark.evaluator()
    proposed = []
    for _ in range(budget):
        archs = strategy.ask(1)
        strategy.tell(archs, [evaluator.evaluate(a) for a in archs])
        proposed += archs
    return proposed


def test_nsga2_proposes_new_pool_cells_that_meet_the_bounds(cifar10, latency):
    strategy = NSGA2(population_size=10).setup(cifar10.space, np.random.default_rng(0), costs=latency, bounds=[4.0])
    proposed = drive(strategy, cifar10, 60)
    assert len(set(proposed)) == 60
    assert all(a in cifar10.space for a in proposed)
    assert all(latency(a)[0] <= 4.0 for a in proposed)


def test_nsga2_resumes_from_its_state(cifar10, latency):
    spec = NSGA2(population_size=8)
    first = spec.setup(cifar10.space, np.random.default_rng(1), costs=latency)
    done = drive(first, cifar10, 21)  # mid-generation
    state = json.loads(json.dumps(first.state_dict()))
    second = spec.setup(cifar10.space, np.random.default_rng(1), costs=latency)
    evaluator = cifar10.evaluator()
    second.tell(done, [evaluator.evaluate(a) for a in done])  # the driver's history, told again
    second.load_state_dict(state)
    assert drive(second, cifar10, 10) == drive(first, cifar10, 10)


def test_nsga2_resumes_from_its_state_after_batched_asks(cifar10, latency):
    spec, evaluator = NSGA2(population_size=6), cifar10.evaluator()

    def rounds(strategy, n, batch):
        asked = []
        for _ in range(n):
            archs = strategy.ask(batch)
            strategy.tell(archs, [evaluator.evaluate(a) for a in archs])
            asked.append(archs)
        return asked

    first = spec.setup(cifar10.space, np.random.default_rng(2), costs=latency, bounds=[5.0])
    done = rounds(first, 5, 3) + rounds(first, 2, 2)
    state = json.loads(json.dumps(first.state_dict()))
    assert state["asks"][:2] == [[3, 0], [3, 3]]
    later = rounds(first, 4, 2)
    second = spec.setup(cifar10.space, np.random.default_rng(2), costs=latency, bounds=[5.0])
    told = [a for archs in done for a in archs]
    second.tell(told, [evaluator.evaluate(a) for a in told])
    second.load_state_dict(state)
    assert rounds(second, 4, 2) == later


def test_failed_evaluations_are_the_worst_for_nsga2(cifar10, latency):
    strategy = NSGA2(population_size=4).setup(cifar10.space, np.random.default_rng(0), costs=latency)
    arch = strategy.ask(1)[0]
    strategy.tell([arch], [EvaluationResult.failed("boom")])
    assert strategy.evaluated[arch][0] == 1e12 and strategy.evaluated[arch][1] == latency(arch)[0]


def test_the_true_front_dominates_every_pool_cell(cifar10):
    profiler = cifar10.profiler(["edgegpu_latency"])
    truth = true_front(cifar10, profiler)
    front = truth["points"]
    assert pareto_mask(front).all()
    points = np.array([[-cifar10.objective(a), profiler.profile(a)["edgegpu_latency"]] for a in cifar10.pool])
    dominated_or_on = [((front <= p).all(axis=1)).any() for p in points]
    assert all(dominated_or_on)
    assert (truth["reference"] > front.max(axis=0)).all()


def test_evaluating_every_feasible_cell_finds_the_true_front(cifar10):
    n_feasible = sum(cifar10.profiler(["edgegpu_latency"]).profile(a)["edgegpu_latency"] <= 2.5 for a in cifar10.pool)
    assert 0 < n_feasible < 200
    # NSGA-II never spends a query on an infeasible cell: a budget of all the feasible ones covers them
    bounded = run_fronts("nsga2", cifar10, ["edgegpu_latency"], budget=n_feasible, seeds=[0], bounds=[2.5])
    run = bounded["runs"][0]
    assert run["hypervolume_ratio"] == pytest.approx(1.0)
    assert {a for a, *_ in run["front"]} == {a for a, *_ in bounded["true_front"]}
    assert all(row[2] <= 2.5 for row in run["front"])


def test_a_short_run_has_a_partial_front(cifar10, tmp_path):
    records = [run_fronts(name, cifar10, ["edgegpu_latency"], budget=15, seeds=[0, 1]) for name in ("random", "nsga2")]
    for record in records:
        assert [r["seed"] for r in record["runs"]] == [0, 1]
        assert all(0 < r["hypervolume_ratio"] < 1 for r in record["runs"])
        assert record["objectives"] == ["accuracy", "edgegpu_latency"]
    figure = plot_fronts(records, tmp_path / "fronts.png")
    assert (tmp_path / "fronts.png").stat().st_size > 1000
    assert len(figure.axes[0].collections) == 2


def test_bounds_nothing_meets_are_an_error(cifar10):
    with pytest.raises(ValueError, match="no cell of the benchmark meets the bounds"):
        run_fronts("nsga2", cifar10, ["edgegpu_latency"], budget=5, seeds=[0], bounds=[0.0])
    with pytest.raises(ValueError, match="unknown strategy 'bo'; the registered multi-objective strategies are"):
        run_fronts("bo", cifar10, ["edgegpu_latency"], budget=5, seeds=[0])


def test_nsga2_needs_a_categorical_encoding():
    class NoEncoding(CellSpace):
        def choice_sizes(self):
            raise NotImplementedError("no categorical encoding")

    with pytest.raises(NotImplementedError):
        NSGA2().setup(NoEncoding(), np.random.default_rng(0), costs=lambda a: [1.0])
    with pytest.raises(ValueError, match="needs costs"):
        NSGA2().setup(CellSpace(), np.random.default_rng(0))


def test_seeds_in_parallel_give_the_serial_fronts(cifar10):
    serial = run_fronts("nsga2", cifar10, ["edgegpu_latency"], budget=10, seeds=[0, 1])
    parallel = run_fronts("nsga2", cifar10, ["edgegpu_latency"], budget=10, seeds=[0, 1], n_jobs=2)
    assert [r["front"] for r in parallel["runs"]] == [r["front"] for r in serial["runs"]]
