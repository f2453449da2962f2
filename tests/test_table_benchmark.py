"""Table benchmarks: TransNAS-Bench-101's 14 problems, a researcher's CSV, bad tables, runs, reports."""

from __future__ import annotations

import csv
import gzip
import json
from functools import cache
from itertools import pairwise

import numpy as np
import pytest

from sknas.bench import (
    BENCHMARKS,
    PoolSpace,
    TableBenchmark,
    TabularEvaluator,
    TNB101Benchmark,
    make_benchmark,
    markdown_table,
    published_ranks,
    published_ranks_table,
    run,
)
from sknas.bench._tables import DATA
from sknas.spaces import CellSpace, TNB101MacroSpace, TNB101MicroSpace
from sknas.strategies import strategy_names

from _helpers import nb201_strings, write_csv

TASKS = ("class_scene", "class_object", "jigsaw", "room_layout", "segmentsemantic", "normal", "autoencoder")
PAIRS = [(space, task) for space in ("micro", "macro") for task in TASKS]
POOL_SIZES = {"micro": 4096, "macro": 3256}
MICRO_CSV = DATA / "tnb101_micro_val_zen_epe_synflow_fisher.csv.gz"
#: The all-none micro cell: NAS-Bench-Suite-Zero failed to compute zen on it (-1e8 in the table).
DEAD_MICRO = "64-41414-0_00_000"
#: Micro cells whose zen is the failure marker, on every task.
N_ZEN_FAILURES = 169


def expected_proxies(task: str) -> tuple[str, ...]:
    """The proxies the issue says each task has (the same on both spaces)."""
    names = ["zen"]
    if task in ("class_scene", "class_object", "room_layout", "jigsaw"):
        names += ["epe_nas", "synflow"]
    if task in ("class_object", "jigsaw"):
        names.append("fisher")
    return tuple(names)


@cache
def tnb(space: str, task: str) -> TNB101Benchmark:
    return TNB101Benchmark(space, task)


def raw_micro_rows() -> list[dict]:
    with gzip.open(MICRO_CSV, "rt", newline="") as f:
        return list(csv.DictReader(f))


class Recording:
    """A benchmark's evaluator that remembers every architecture it was asked for."""

    def __init__(self, benchmark, asked: list):
        self.inner = TabularEvaluator(benchmark)
        self.asked = asked

    def evaluate(self, arch):
        self.asked.append(arch)
        return self.inner.evaluate(arch)


def record_queries(monkeypatch, benchmark) -> list:
    """Make ``benchmark`` record its queries (in order) into the returned list."""
    asked: list = []
    monkeypatch.setattr(benchmark, "evaluator", lambda: Recording(benchmark, asked), raising=False)
    return asked


def split_runs(asked: list, record: dict) -> list[list]:
    """The queries of each run of ``record`` (its seeds run one after the other)."""
    out, start = [], 0
    for r in record["runs"]:
        out.append(asked[start:start + r["n_queries"]])
        start += r["n_queries"]
    assert start == len(asked)
    return out


# ---------------------------------------------------------------------------------------------
# TransNAS-Bench-101: the 14 problems
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("space, task", PAIRS)
def test_every_tnb101_problem_is_its_whole_space_ranked_by_its_task(space, task):
    bench = tnb(space, task)
    assert bench.name == f"tnb101-{space}-{task}"
    assert len(bench.pool) == POOL_SIZES[space] == len(set(bench.pool))
    assert isinstance(bench.space, PoolSpace)
    assert all(arch in bench.space for arch in bench.pool)
    space_class = TNB101MicroSpace if space == "micro" else TNB101MacroSpace
    assert set(bench.pool) == set(space_class().enumerate())
    assert bench.proxy_names == expected_proxies(task)
    assert bench.search_space == space and bench.task == task
    assert not bench.has_cost and bench.metric_names == ()

    objective = np.array([bench.objective(a) for a in bench.pool])
    ranks = np.array([bench.rank(a) for a in bench.pool])
    assert np.isfinite(objective).all()
    assert bench.rank(bench.best_objective_arch()) == 1
    assert bench.objective(bench.best_objective_arch()) == objective.max()
    # rank = 1 + the number strictly better: ties share a rank, ranks run 1..n
    better = np.sort(objective)
    expected = len(objective) - np.searchsorted(better, objective, side="right") + 1
    np.testing.assert_array_equal(ranks, expected)
    assert ranks.min() == 1 and ranks.max() <= len(bench.pool)
    order = np.argsort(-objective, kind="stable")
    assert (np.diff(ranks[order]) >= 0).all()  # sorting by the objective sorts the ranks
    if task == "room_layout":  # a negative loss: higher is better
        assert (objective < 0).all()


def test_tnb101_proxies_and_metric_are_the_csvs():
    bench = tnb("micro", "jigsaw")
    rows = [r for r in raw_micro_rows() if r["task"] == "jigsaw"]
    row = next(r for r in rows if r["tnb_arch_str"] == "64-41414-2_32_323")
    arch = bench.space.parse(row["tnb_arch_str"])
    assert arch == TNB101MicroSpace().from_naslib(row["arch"])
    assert bench.objective(arch) == float(row["val_accuracy"])
    scores = bench.proxy_scorer(["zen", "epe_nas", "synflow", "fisher"]).score([arch])
    np.testing.assert_array_equal(scores[0], [float(row[c]) for c in ("zen", "epe_nas", "synflow", "fisher")])


@pytest.mark.parametrize("task", TASKS)
def test_micro_zen_failure_markers_read_as_missing(task):
    bench = tnb("micro", task)
    rows = [r for r in raw_micro_rows() if r["task"] == task]
    marked = {r["tnb_arch_str"] for r in rows if float(r["zen"]) <= -1e7}
    assert len(marked) == N_ZEN_FAILURES and DEAD_MICRO in marked
    scorer = bench.proxy_scorer(["zen"])
    dead = bench.space.parse(DEAD_MICRO)
    assert np.isnan(scorer.score([dead])).all()
    zen = scorer.score(bench.pool)[:, 0]
    assert {str(a) for a, z in zip(bench.pool, zen) if np.isnan(z)} == marked
    assert (zen[~np.isnan(zen)] > -1e7).all()  # never a marker as a value


def test_tnb101_bad_names():
    with pytest.raises(ValueError, match="unknown TransNAS-Bench-101 space 'mezzo'"):
        TNB101Benchmark("mezzo", "jigsaw")
    with pytest.raises(ValueError, match="unknown TransNAS-Bench-101 task 'jig'.*class_scene"):
        TNB101Benchmark("micro", "jig")


# ---------------------------------------------------------------------------------------------
# runs
# ---------------------------------------------------------------------------------------------


def test_random_search_finds_the_expected_rank_on_tnb101():
    record = run("random", "tnb101-micro-jigsaw", budget=100, seeds=range(30))
    assert json.loads(json.dumps(record, allow_nan=False))["benchmark"] == "tnb101-micro-jigsaw"
    assert record["protocol"] is None and record["proxies"] is None
    # the best of 100 of 4,096 at random: expected rank (4096 + 1) / (100 + 1) ~ 40.6
    assert 20 <= record["summary"]["rank"]["mean"] <= 70
    assert record["summary"]["search_cost_s"]["mean"] is None
    bench = tnb("micro", "jigsaw")
    for r in record["runs"]:
        assert r["search_cost_s"] is None and r["n_queries"] == 100
        ranks, objectives = r["best_so_far_rank"], r["best_so_far_objective"]
        assert len(ranks) == len(objectives) == 100  # every query succeeds
        assert all(a >= b for a, b in pairwise(ranks))
        assert all(a <= b for a, b in pairwise(objectives))
        arch = bench.space.parse(r["best_arch"])
        assert r["rank"] == ranks[-1] == bench.rank(arch) >= 1
        assert r["objective"] == objectives[-1] == bench.objective(arch)


@pytest.mark.parametrize("benchmark, proxies", [
    ("tnb101-micro-class_scene", ["synflow"]),  # zero-cost weighs synflow and nwot: the table has synflow
    ("tnb101-macro-normal", ["zen"]),  # none of them: the task's zen
])
def test_the_proxies_a_strategy_weighs_are_those_the_task_has(benchmark, proxies):
    record = run("zero-cost", benchmark, budget=5, seeds=[0])
    assert record["proxies"] == proxies
    assert record["proxy_source"].startswith("NAS-Bench-Suite-Zero")
    json.dumps(record, allow_nan=False)


def test_tnb101_has_one_protocol_and_every_benchmark_builds():
    with pytest.raises(ValueError, match="NAS-Bench-201"):
        make_benchmark("tnb101-micro-jigsaw", "own")
    with pytest.raises(ValueError, match="NAS-Bench-201"):
        run("random", "tnb101-micro-jigsaw", budget=2, seeds=[0], protocol="own")
    assert len([name for name in BENCHMARKS if name.startswith("tnb101-")]) == 14
    for name in BENCHMARKS:
        bench = make_benchmark(name)
        assert bench.name == name and len(bench.pool) > 0


@pytest.mark.parametrize("benchmark", ["tnb101-macro-class_object", "tnb101-micro-autoencoder"])
@pytest.mark.parametrize("strategy", strategy_names(multi_objective=False))
def test_every_strategy_runs_on_tnb101_without_repeats(monkeypatch, strategy, benchmark):
    # PO-NAS pre-trains an encoder per run, then retrains it per query: one short run (its 3 spread
    # queries, then one it chooses; test_ponas tests the search itself)
    budget, seeds = (4, [0]) if strategy.startswith("ponas") else (8, [0, 1])
    space, task = benchmark.split("-", 2)[1:]
    bench = tnb(space, task)
    asked = record_queries(monkeypatch, bench)
    record = run(strategy, bench, budget=budget, seeds=seeds)
    json.dumps(record, allow_nan=False)
    assert [r["seed"] for r in record["runs"]] == seeds
    for r, queries in zip(record["runs"], split_runs(asked, record)):
        assert r["n_queries"] == budget == len(r["best_so_far_rank"])
        assert len(set(queries)) == len(queries)  # never the same architecture twice in a run
        assert all(arch in bench.space for arch in queries)
        assert r["rank"] == min(bench.rank(a) for a in queries)


# ---------------------------------------------------------------------------------------------
# a researcher's table
# ---------------------------------------------------------------------------------------------


def test_a_nb201_csv_with_auto_detected_proxies(tmp_path):
    cells = nb201_strings(5)
    path = write_csv(tmp_path / "mine.csv", ["arch_str", "acc", "synflow", "jacov", "note"], [
        [cells[0], 71.5, 3.2, 0.5, "a"],
        [cells[1], 64.0, 1.1, -1e8, "b"],  # NAS-Bench-Suite-Zero's failure marker
        [cells[2], 80.0, -2e7, 0.7, "c"],
        [cells[3], 71.5, 2.0, "", "d"],  # empty: missing
        [cells[4], 10.0, 0.1, 0.2, "e"],
    ])
    bench = TableBenchmark.from_csv(path, CellSpace(), "acc")
    assert bench.name == "mine.csv" and bench.objective_name == "acc"
    assert bench.proxy_names == ("synflow", "jacob_cov")  # `jacov` is NAS-Bench-Suite-Zero's name
    pool = [CellSpace().parse(c) for c in cells]
    assert bench.pool == pool and list(bench.space.enumerate()) == pool
    assert [bench.rank(a) for a in pool] == [2, 4, 1, 2, 5]
    assert bench.best_objective_arch() == pool[2]
    scores = bench.proxy_scorer(["synflow", "jacov"]).score(pool)
    expected = [[3.2, 0.5], [1.1, np.nan], [np.nan, 0.7], [2.0, np.nan], [0.1, 0.2]]
    np.testing.assert_array_equal(scores, expected)
    # explicit proxies: only those
    only = TableBenchmark.from_csv(path, CellSpace(), "acc", proxies=["jacov"], name="mine")
    assert only.proxy_names == ("jacob_cov",) and only.name == "mine"
    # a run on it
    record = run("random", bench, budget=4, seeds=[0, 1])
    assert record["benchmark"] == "mine.csv" and record["proxies"] is None
    for r in record["runs"]:
        assert r["n_queries"] == 4 and r["rank"] == bench.rank(CellSpace().parse(r["best_arch"]))
        assert r["search_cost_s"] is None
    record = run("zero-cost", bench, budget=3, seeds=[0, 1])
    assert record["proxies"] == ["synflow"]
    json.dumps(record, allow_nan=False)


def test_a_tnb101_micro_csv_of_strings(tmp_path):
    cells = [str(a) for a in list(TNB101MicroSpace().enumerate())[:6]]
    path = write_csv(tmp_path / "micro.csv", ["arch_str", "ssim", "zen"],
                     [[c, 0.1 * i, -1e8 if i == 0 else i] for i, c in enumerate(cells)])
    bench = TableBenchmark.from_csv(path, TNB101MicroSpace(), "ssim")
    assert [str(a) for a in bench.pool] == cells
    assert bench.proxy_names == ("zen",)
    assert np.isnan(bench.proxy_scorer("zen").score([bench.pool[0]])).all()
    assert bench.rank(bench.pool[-1]) == 1
    record = run("random", bench, budget=6, seeds=[0, 1])
    assert sorted(r["rank"] for r in record["runs"]) == [1, 1]  # the whole table: the best is found


@pytest.mark.parametrize("space, tuples, strings", [
    (TNB101MicroSpace(), ["(3, 1, 3, 3, 0, 2)", "(2, 3, 2, 3, 2, 3)"], ["64-41414-3_13_302", "64-41414-2_32_323"]),
    (TNB101MacroSpace(), ["(2, 3, 2, 3, 2, 3)", "(3, 1, 1, 2, 1, 2)"], ["64-232323-basic", "64-311212-basic"]),
])
def test_naslib_op_tuples_in_an_arch_column(tmp_path, space, tuples, strings):
    path = write_csv(tmp_path / "naslib.csv", ["arch", "val_accuracy", "synflow"],
                     [[t, 50.0 + i, 1.0 + i] for i, t in enumerate(tuples)])
    bench = TableBenchmark.from_csv(path, space, "val_accuracy")
    assert [str(a) for a in bench.pool] == strings
    assert bench.proxy_names == ("synflow",) and bench.rank(bench.pool[1]) == 1
    assert all(space.parse(s) in bench.space for s in strings)


def test_from_table_takes_columns(tmp_path):
    cells = nb201_strings(3, seed=1)
    table = {"cell": np.array(cells, dtype=object), "acc": np.array([1.0, 3.0, 2.0]),
             "snip": np.array([0.1, 0.2, 0.3]), "seconds": np.array([10.0, 20.0, 30.0]),
             "test": np.array([5.0, 6.0, 7.0])}
    bench = TableBenchmark.from_table(table, CellSpace(), "acc", key="cell", cost="seconds", metrics=["test"])
    assert bench.proxy_names == ("snip",) and bench.has_cost and bench.metric_names == ("test",)
    record = run("random", bench, budget=3, seeds=[0])
    (r,) = record["runs"]
    assert r["search_cost_s"] == pytest.approx(60.0) and r["test"] == 6.0 and r["rank"] == 1


# -- bad tables ---------------------------------------------------------------------------------


def bad_table(tmp_path, header, rows, space=None, objective="acc", **options):
    path = write_csv(tmp_path / "bad.csv", header, rows)
    with pytest.raises(ValueError) as info:
        TableBenchmark.from_csv(path, space or CellSpace(), objective, **options)
    return str(info.value)


def test_a_missing_objective_column_is_named_with_the_tables_columns(tmp_path):
    cells = nb201_strings(2)
    message = bad_table(tmp_path, ["arch_str", "val_acc", "synflow"], [[cells[0], 1, 2], [cells[1], 3, 4]])
    assert "no column 'acc'" in message and str(tmp_path / "bad.csv") in message
    assert "'arch_str', 'val_acc', 'synflow'" in message
    message = bad_table(tmp_path, ["arch_str", "acc"], [[cells[0], 1]], proxies=["zen"])
    assert "no column 'zen'" in message


def test_a_missing_key_column(tmp_path):
    cells = nb201_strings(2)
    message = bad_table(tmp_path, ["cell", "acc"], [[cells[0], 1], [cells[1], 2]])
    assert "no column 'arch_str'" in message and "'cell', 'acc'" in message and "key=" in message
    message = bad_table(tmp_path, ["arch_str", "acc"], [[cells[0], 1]], key="genotype")
    assert "no column 'genotype'" in message and "'arch_str', 'acc'" in message


@pytest.mark.parametrize("space, good, bad, expects", [
    (CellSpace(), nb201_strings(3), "|nor_conv_3x3~0|+|none~0|", "|op~0|+|op~0|op~1|+|op~0|op~1|op~2|"),
    (TNB101MicroSpace(), ["64-41414-3_13_302", "64-41414-0_00_000", "64-41414-1_11_111"], "64-41414-3_13",
     "64-41414-a_bc_def"),
    (TNB101MicroSpace(), ["64-41414-3_13_302", "64-41414-0_00_000", "64-41414-1_11_111"], "64-232323-basic",
     "64-41414-a_bc_def"),
    (TNB101MacroSpace(), ["64-232323-basic", "64-311212-basic", "64-1234-basic"], "64-1111-basic",
     "4 to 6 block codes"),
    (TNB101MacroSpace(), ["64-232323-basic", "64-311212-basic", "64-1234-basic"], "(2, 3, 2", "(2, 3"),
])
@pytest.mark.parametrize("k", [0, 2])
def test_an_unreadable_architecture_names_the_column_row_and_form(tmp_path, space, good, bad, expects, k):
    strings = list(good)
    strings[k] = bad
    message = bad_table(tmp_path, ["arch", "acc"], [[s, i] for i, s in enumerate(strings)], space=space)
    assert f"row {k} " in message and "'arch'" in message and repr(bad) in message
    assert str(tmp_path / "bad.csv") in message and space.name in message
    assert expects in message


@pytest.mark.parametrize("value", ["", "nan", "NaN"])
def test_a_missing_objective_names_the_column_and_row(tmp_path, value):
    cells = nb201_strings(4)
    rows = [[c, 1.0 + i] for i, c in enumerate(cells)]
    rows[2][1] = value
    message = bad_table(tmp_path, ["arch_str", "acc"], rows)
    assert "'acc'" in message and "row 2 " in message and cells[2] in message


def test_an_infinite_objective_is_refused(tmp_path):
    cells = nb201_strings(2)
    message = bad_table(tmp_path, ["arch_str", "acc"], [[cells[0], 1.0], [cells[1], "inf"]])
    assert "'acc'" in message and "row 1 " in message


def test_a_repeated_architecture_is_refused(tmp_path):
    cells = nb201_strings(2)
    message = bad_table(tmp_path, ["arch_str", "acc"], [[cells[0], 1], [cells[1], 2], [cells[0], 3]])
    assert "row 2 repeats the architecture" in message and cells[0] in message and "of row 0" in message


def test_an_empty_table_is_refused(tmp_path):
    assert "has no rows" in bad_table(tmp_path, ["arch_str", "acc"], [])


def test_proxy_columns_must_name_registered_proxies_once(tmp_path):
    cells = nb201_strings(2)
    message = bad_table(tmp_path, ["arch_str", "acc", "mine"], [[cells[0], 1, 0.5], [cells[1], 2, 0.1]],
                        proxies=["mine"])
    assert "unknown proxy 'mine'" in message and "synflow" in message
    message = bad_table(tmp_path, ["arch_str", "acc", "jacov", "jacob_cov"], [[cells[0], 1, 1, 1], [cells[1], 2, 2, 2]])
    assert "two columns hold the proxy 'jacob_cov'" in message


@pytest.mark.parametrize("column", ["acc", "synflow"])
def test_a_non_numeric_column_is_refused(tmp_path, column):
    cells = nb201_strings(2)
    rows = [[cells[0], 1.0, 2.0], [cells[1], 2.0, 3.0]]
    rows[1][["acc", "synflow"].index(column) + 1] = "high"
    message = bad_table(tmp_path, ["arch_str", "acc", "synflow"], rows)
    assert f"the column {column!r}" in message and "must hold numbers" in message


def test_the_constructor_checks_its_columns():
    pool = [CellSpace().parse(c) for c in nb201_strings(3)]
    with pytest.raises(ValueError, match="the column 'objective' has shape \\(2,\\)"):
        TableBenchmark(CellSpace(), pool, [1.0, 2.0])
    with pytest.raises(ValueError, match="-inf in row 1 "):
        TableBenchmark(CellSpace(), pool, [1.0, -np.inf, 2.0])
    bench = TableBenchmark(CellSpace(), pool, [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="no zero-cost proxy columns"):
        bench.available_proxies(["synflow"])
    with pytest.raises(KeyError, match="not in the benchmark's pool"):
        bench.rank(next(a for a in CellSpace().enumerate() if a not in pool))


# -- a table that does not cover the space --------------------------------------------------------


@pytest.mark.parametrize("strategy", ["evolution", "local-search", "random", "zero-cost"])
def test_strategies_only_propose_the_tables_architectures(tmp_path, monkeypatch, strategy):
    cells = nb201_strings(30, seed=3)
    rng = np.random.default_rng(0)
    path = write_csv(tmp_path / "t30.csv", ["arch_str", "acc", "synflow"],
                     [[c, float(rng.normal(70, 5)), float(rng.normal())] for c in cells])
    bench = TableBenchmark.from_csv(path, CellSpace(), "acc")
    asked = record_queries(monkeypatch, bench)
    record = run(strategy, bench, budget=30, seeds=[0])
    (r,) = record["runs"]
    assert r["n_queries"] == 30 == len(r["best_so_far_rank"])  # all lookups succeed
    assert len(set(asked)) == 30 and set(map(str, asked)) == set(cells)
    assert r["rank"] == 1 and r["best_arch"] == str(bench.best_objective_arch())


# ---------------------------------------------------------------------------------------------
# reports
# ---------------------------------------------------------------------------------------------


def test_markdown_tables_show_rank_on_tnb101_and_accuracy_on_nb201():
    tnb_record = run("random", "tnb101-macro-jigsaw", budget=3, seeds=[0, 1])
    text = markdown_table([tnb_record])
    assert "rank found" in text and "test accuracy" not in text
    mean = tnb_record["summary"]["rank"]["mean"]
    assert f"| random | tnb101-macro-jigsaw | 3 | 2 | {mean:.1f} ± " in text
    nb201_record = run("random", "nb201-cifar10", budget=3, seeds=[0])
    text = markdown_table([nb201_record])
    assert "test accuracy (%)" in text and "rank found" not in text
    assert "| random | nb201-cifar10 | paper | 3 | 1 |" in text


def test_published_ranks():
    assert published_ranks("tnb101-macro-jigsaw")["RoBoT (other proxies)"] == (3.0, 1.0)
    assert published_ranks("tnb101-micro-class_scene") == {
        "REA": (26.0, 22.0), "RS": (40.0, 35.0), "RoBoT (other proxies)": (2.0, 0.0)}
    assert published_ranks("nb201-cifar10") == {}
    assert published_ranks("mine.csv") == {}
    table = published_ranks_table(["tnb101-macro-jigsaw", "nb201-cifar10", "tnb101-micro-autoencoder"])
    assert "| published rank, 100 queries | tnb101-macro-jigsaw | tnb101-micro-autoencoder |" in table
    assert "| RoBoT (other proxies) | 3 ± 1 | 66 ± 70 |" in table
    assert published_ranks_table(["nb201-cifar10"]) == ""


def test_fronts_on_a_benchmark_without_hardware_table_ask_for_a_profiler():
    from sknas.bench import run_fronts

    with pytest.raises(ValueError, match="ships no hardware table; pass profiler="):
        run_fronts("nsga2", "tnb101-micro-jigsaw", ["latency"], budget=5, seeds=[0])
