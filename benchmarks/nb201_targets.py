"""PO-NAS's NAS-Bench-201 targets beside what the tables allow and what every strategy reached.

Reads ``nb201_table.json`` (every run of ``nb201_table.py``) and the benchmark tables, and
writes ``nb201_targets.md``:

1. per search (data set and protocol), the pool's best cell by the queried objective, its
   200-epoch test accuracy (the figure a search that finds that cell ends with) and those of
   the next four cells by objective, beside the pool's best test accuracy;
2. budget 10: the best baseline's mean test accuracy, whether ending on the objective's
   best cell would reach it, and each PO-NAS row's mean;
3. budget 20: for every strategy, the runs that found the best cell and the mean queries
   until they did; the target is every run, in fewer queries than every baseline.

    python benchmarks/nb201_targets.py      # a few seconds; reads, runs no search
"""

from __future__ import annotations

import json
import sys

import numpy as np

from _report import HERE, environment_lines, markdown_table, write_report
from sknas.bench import BENCHMARKS, make_benchmark

#: The strategies that are not PO-NAS (ponas and its variants are named ``ponas*``).
BASELINES = ("random", "evolution", "reinforce", "zero-cost", "robot", "bo", "evolved-proxy")


def _cells_by_objective(benchmark, n: int = 5) -> tuple[list[float], list[float]]:
    """Objectives and test accuracies of the ``n`` best cells by objective (the first of ties first)."""
    objective = np.array([benchmark.objective(a) for a in benchmark.pool])
    best = [benchmark.pool[i] for i in np.argsort(-objective, kind="stable")[:n]]
    return [benchmark.objective(a) for a in best], [benchmark.test_accuracy(a) for a in best]


def _row(records: list[dict], strategy: str, benchmark: str, protocol: str, budget: int) -> dict | None:
    for record in records:
        if (record["strategy"], record["benchmark"], record["protocol"], record["budget"]) == \
                (strategy, benchmark, protocol, budget):
            return record
    return None


def main(argv: list[str]) -> None:
    records = json.loads((HERE / "nb201_table.json").read_text(encoding="utf-8"))
    strategies = list(dict.fromkeys(r["strategy"] for r in records))
    ponas = [s for s in strategies if s.startswith("ponas")]
    searches = [(name, protocol) for protocol in ("paper", "own") for name in BENCHMARKS if name.startswith("nb201-")]
    pool_rows, budget10_rows = [], []
    for name, protocol in searches:
        benchmark = make_benchmark(name, protocol)
        objectives, tests = _cells_by_objective(benchmark)
        search = f"{name} {protocol}"
        pool_rows.append([search, f"{objectives[0]:.2f}", f"{tests[0]:.2f}",
                          ", ".join(f"{t:.2f}" for t in tests[1:]), f"{benchmark.best_test_accuracy():.2f}"])
        baselines = [(s, _row(records, s, name, protocol, 10)) for s in BASELINES]
        baselines = [(s, r["summary"]["test_accuracy"]["mean"]) for s, r in baselines if r is not None]
        if baselines:
            leader, bar = max(baselines, key=lambda pair: pair[1])
            reached = [f"{s} {r['summary']['test_accuracy']['mean']:.2f}" for s in ponas
                       if (r := _row(records, s, name, protocol, 10)) is not None]
            budget10_rows.append([search, f"{leader} {bar:.2f}", "yes" if tests[0] >= bar else "no",
                                  ", ".join(reached) or "not run"])

    budget20_rows = []
    for strategy in strategies:
        cells = []
        for name, protocol in searches:
            record = _row(records, strategy, name, protocol, 20)
            found = record and record["summary"]["queries_to_best"]
            cells.append("" if not found else f"{found['found']}/{len(record['runs'])}"
                         + ("" if found["mean"] is None else f" after {found['mean']:.1f}"))
        budget20_rows.append([strategy, *cells])

    text = "\n".join([
        "# PO-NAS's NAS-Bench-201 targets: what the tables allow, what each strategy reached",
        "",
        *environment_lines(sys.argv),
        "- runs: `nb201_table.json` (30 seeds per row, see `nb201_table.md` for when each row was measured)",
        "- objective: 12-epoch validation accuracy (paper protocol: CIFAR-10's for every data set; own: the "
        "data set's); test: 200-epoch test accuracy on the data set",
        "",
        "## The pool's best cells by the queried objective",
        "",
        markdown_table(["search", "best objective", "its test", "test of the next 4 by objective", "best test in pool"],
                       pool_rows, "lrrrr"),
        "",
        "## Budget 10: mean test accuracy at least the best baseline's",
        "",
        "'finding the best cell reaches it': whether a search ending on the objective's best cell scores at "
        "least the best baseline's mean.",
        "",
        markdown_table(["search", "best baseline (mean)", "finding the best cell reaches it", "PO-NAS rows (mean)"],
                       budget10_rows, "llll"),
        "",
        "## Budget 20: the best cell found in every run, in the fewest queries",
        "",
        "Runs that found the pool's best cell by the objective, and the mean queries until they did "
        "(empty: not run).",
        "",
        markdown_table(["strategy", *(f"{name} {protocol}" for name, protocol in searches)], budget20_rows,
                       "l" + "r" * len(searches)),
    ])
    write_report(text, HERE / "nb201_targets.md")


if __name__ == "__main__":
    main(sys.argv[1:])
