"""The NAS-Bench-201 harness: tables, protocols, tabular evaluation and proxies, runs."""

from __future__ import annotations

import json

import numpy as np
import pytest

from sknas.bench import (
    NB201Benchmark,
    PoolSpace,
    make_benchmark,
    read_table,
    run,
    run_one,
)
from sknas.bench._tables import DATA
from sknas.hardware import TableProfiler
from sknas.spaces import CellSpace
from sknas.strategies import STRATEGIES, Strategy, StrategyEntry, strategy_names

from _helpers import BEST_CELL, CUT_OFF_CELL


@pytest.fixture(scope="module")
def cifar10():
    return NB201Benchmark("cifar10")


def test_the_pool_is_the_cells_with_proxies(cifar10):
    assert len(cifar10.pool) == 9445 == len(set(cifar10.pool))
    assert CellSpace().parse(CUT_OFF_CELL) not in cifar10.space


def test_the_best_cell_and_its_published_figures(cifar10):
    best = cifar10.best_objective_arch()
    assert str(best) == BEST_CELL
    assert cifar10.objective(best) == pytest.approx(84.892)
    assert round(cifar10.test_accuracy(best), 2) == 94.37
    assert round(cifar10.best_test_accuracy(), 2) == 94.37  # SOURCES.md: the CIFAR-10 maximum


def test_protocols_choose_the_queried_accuracy():
    best = CellSpace().parse(BEST_CELL)
    paper, own = NB201Benchmark("cifar100", "paper"), NB201Benchmark("cifar100", "own")
    assert paper.objective(best) == NB201Benchmark("cifar10").objective(best)
    assert own.objective(best) != paper.objective(best)
    assert paper.test_accuracy(best) == own.test_accuracy(best)
    assert paper.proxy_source == "cifar10"  # CIFAR-100 has no zero-cost table


def test_bad_names_are_helpful_errors():
    with pytest.raises(ValueError, match="unknown NAS-Bench-201 dataset 'cifar'.*ImageNet16-120"):
        NB201Benchmark("cifar")
    with pytest.raises(ValueError, match="unknown protocol"):
        NB201Benchmark("cifar10", "mine")
    with pytest.raises(ValueError, match="unknown benchmark 'nb201'.*nb201-cifar10"):
        make_benchmark("nb201")
    with pytest.raises(ValueError, match="unknown strategy 'ponass'.*random"):
        run("ponass", "nb201-cifar10", budget=2, seeds=[0])
    with pytest.raises(ValueError, match="budget must be an integer >= 1"):
        run("random", "nb201-cifar10", budget=0, seeds=[0])


def test_the_tabular_evaluator_reads_the_tables(cifar10):
    evaluator = cifar10.evaluator()
    best = CellSpace().parse(BEST_CELL)
    result = evaluator.evaluate(best)
    assert result.ok and result.objective == cifar10.objective(best)
    assert result.cost_s == cifar10.training_cost(best) > 0
    assert result.metrics["test_accuracy"] == cifar10.test_accuracy(best)
    outside = evaluator.evaluate(CellSpace().parse(CUT_OFF_CELL))
    assert outside.status == "failed" and "not in the benchmark's pool" in outside.error


def test_the_table_proxy_scorer_reads_the_suite(cifar10):
    scorer = cifar10.proxy_scorer(["jacov", "synflow", "params"])
    assert scorer.names == ("jacob_cov", "synflow", "params")
    best = CellSpace().parse(BEST_CELL)
    scores = scorer.score([best, CellSpace().parse(CUT_OFF_CELL)])
    table = read_table(DATA / "nb201_zc_cifar10.csv.gz")
    row = list(table["arch_str"]).index(BEST_CELL)
    np.testing.assert_array_equal(scores[0], [table["jacov"][row], table["synflow"][row], table["params"][row]])
    assert np.isnan(scores[1]).all() and CUT_OFF_CELL in scorer.errors_
    with pytest.raises(ValueError, match="unknown proxy"):
        cifar10.proxy_scorer(["nope"])


def test_the_suites_failure_marker_reads_as_nan(cifar10):
    dead = CellSpace().parse("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|")
    row = list(cifar10.pool).index(dead)
    assert read_table(DATA / "nb201_zc_cifar10.csv.gz")["nwot"][row] == -1e8  # what the suite stores
    scores = cifar10.proxy_scorer(["nwot", "jacov", "params"]).score([dead])
    assert np.isnan(scores[0, :2]).all() and scores[0, 2] > 0


def test_the_pool_space_stays_inside_the_pool(cifar10):
    space = cifar10.space
    assert isinstance(space, PoolSpace)
    rng = np.random.default_rng(0)
    for _ in range(50):
        arch = space.sample(rng)
        assert arch in space
        assert all(n in space for n in space.neighbours(arch))
        assert space.mutate(arch, rng) in space
    assert list(space.enumerate()) == cifar10.pool


class Oracle(Strategy):
    """Asks for the known best cell first, then random ones."""

    best = CellSpace().parse(BEST_CELL)

    def propose(self):
        return self.best if self.best not in self.asked else self.sample_new()


def test_a_strategy_that_queries_the_best_cell_reports_its_published_accuracy(monkeypatch, cifar10):
    monkeypatch.setitem(STRATEGIES, "oracle", StrategyEntry(single=Oracle))
    record = run_one("oracle", cifar10, budget=3, seed=0)
    assert record["best_arch"] == BEST_CELL
    assert record["test_accuracy"] == cifar10.test_accuracy(cifar10.best_objective_arch())
    assert record["queries_to_best"] == 1


def test_random_search_over_the_whole_pool_finds_its_best_cell(cifar10):
    record = run_one("random", cifar10, budget=len(cifar10.pool), seed=0)
    assert record["n_queries"] == len(cifar10.pool)
    assert record["best_arch"] == BEST_CELL and record["queries_to_best"] is not None
    assert record["search_cost_s"] == pytest.approx(sum(cifar10.training_cost(a) for a in cifar10.pool))


@pytest.mark.parametrize("batch_size", [1, 3])
@pytest.mark.parametrize("strategy", strategy_names(multi_objective=False))
def test_every_strategy_runs_and_its_record_is_json(strategy, batch_size, cifar10):
    # PO-NAS pre-trains on the whole pool and the evolved proxy runs a genetic programme, in
    # every run: one shorter run (test_ponas and test_evolved_proxy test the searches)
    costly = strategy.startswith(("ponas", "evolved-proxy"))
    budget, seeds = (6, [1]) if costly else (12, [0, 1])
    record = run(strategy, cifar10, budget=budget, seeds=seeds, batch_size=batch_size)
    assert record["batch_size"] == batch_size
    assert json.loads(json.dumps(record, allow_nan=False))["strategy"] == strategy
    assert [r["seed"] for r in record["runs"]] == seeds
    for r in record["runs"]:
        assert r["n_queries"] == budget and len(r["best_so_far_test_accuracy"]) == budget
        assert r["test_accuracy"] == cifar10.test_accuracy(cifar10.space.parse(r["best_arch"]))
    summary = record["summary"]["test_accuracy"]
    values = [r["test_accuracy"] for r in record["runs"]]
    assert summary["mean"] == pytest.approx(np.mean(values)) and summary["max"] == max(values)


def test_runs_are_reproducible_and_parallel_runs_equal_serial_ones(cifar10):
    def figures(record):
        return [{k: v for k, v in r.items() if k != "wall_s"} for r in record["runs"]]

    serial = run("evolution", cifar10, budget=15, seeds=range(4))
    assert figures(serial) == figures(run("evolution", cifar10, budget=15, seeds=range(4)))
    assert figures(serial) == figures(run("evolution", cifar10, budget=15, seeds=range(4), n_jobs=2))
    assert len({r["best_arch"] for r in serial["runs"]}) > 1  # seeds differ


def test_run_hands_each_run_to_on_run_as_it_finishes(cifar10):
    seen = []
    record = run("random", cifar10, budget=2, seeds=[2, 0, 1], on_run=seen.append)
    assert seen == record["runs"] and [r["seed"] for r in seen] == [2, 0, 1]


# ---------------------------------------------------------------------------------------------
# hardware tables
# ---------------------------------------------------------------------------------------------


def test_hw_nas_bench_columns_are_a_profiler(cifar10):
    profiler = cifar10.profiler(["edgegpu_latency", "fpga_energy"])
    costs = profiler.profile(CellSpace().parse(BEST_CELL))
    assert set(costs) == {"edgegpu_latency", "fpga_energy"} and all(v > 0 for v in costs.values())
    with pytest.raises(ValueError, match="no numeric column \\['nope'\\].*edgegpu_latency"):
        cifar10.profiler(["nope"])


def test_runs_report_the_hardware_cost_of_the_cell_found(cifar10):
    profiler = cifar10.profiler(["edgegpu_latency"])
    record = run("zero-cost", cifar10, budget=5, seeds=[0, 1], profiler=profiler)
    for r in record["runs"]:
        assert r["hardware"] == profiler.profile(cifar10.space.parse(r["best_arch"]))
    assert record["summary"]["hardware"]["edgegpu_latency"]["mean"] == record["runs"][0]["hardware"]["edgegpu_latency"]


def test_a_users_hardware_csv(tmp_path, cifar10):
    path = tmp_path / "costs.csv"
    path.write_text(f"arch_str,my_latency_ms,device\n{BEST_CELL},3.5,phone\n")
    profiler = TableProfiler(path)
    assert profiler.columns == ("my_latency_ms",)
    assert profiler.profile(CellSpace().parse(BEST_CELL)) == {"my_latency_ms": 3.5}
    with pytest.raises(KeyError, match="no row for"):
        profiler.profile(CellSpace().parse(CUT_OFF_CELL))
    # cells the user's table lacks are reported as null, and the run goes on
    record = run("random", cifar10, budget=3, seeds=[0], profiler=profiler)
    assert record["runs"][0]["hardware"] == {"my_latency_ms": None}
    bad = tmp_path / "bad.csv"
    bad.write_text("cell,ms\nx,1\n")
    with pytest.raises(ValueError, match="no 'arch_str' column"):
        TableProfiler(bad)
