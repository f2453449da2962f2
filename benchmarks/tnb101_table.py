"""Every strategy on TransNAS-Bench-101's 14 search problems, budgets 20 / 50 / 100, many seeds.

Runs ``sknas.bench.run`` (the loop ``python -m sknas bench`` and the estimators run) on the
micro and macro space for each of the seven tasks, and writes ``tnb101_table.md``: mean ± std
of the rank (1 = best of 4,096 micro / 3,256 macro architectures) of the architecture each run
ends with, and of its validation metric; the published ranks at 100 queries (RoBoT, ICLR 2024)
in separate, labelled rows. Also writes ``tnb101_table.json`` (every run), one record per
strategy, benchmark and budget, saved as each finishes: an interrupted run keeps what it did,
and a rerun skips what is there with at least as many seeds as asked (``--redo`` recomputes).

Strategies that never read the budget (random, evolution, reinforce, local-search, zero-cost,
bo, and PO-NAS, whose pool here is the whole space, so it never evolves) ask the same
architectures in the same order whatever it is, so their budget-20 and -50 figures are read off
the best-so-far curves of their 100-query runs; ``--check-prefix`` reruns one seed of each at 20
and 50 queries to show that the figures are the same. RoBoT reads the budget and runs once per
budget. ``ponas`` optimises its acquisition over the 64 open architectures of largest learned
score and the open neighbours of the 3 best queried (the default since 2026-12-03);
``ponas-screen-score`` over the 64 only (the default until then); ``ponas-greedy`` is PO-NAS's
greedy choice by one generator (the default until 2026-12-01; ``benchmarks/_variants.py``);
``ponas-full-pool`` optimises the acquisition over every open architecture,
``ponas-screen-both`` over the 64 of largest learned score and the 64 of largest posterior mean
under the GP, ``ponas-structure`` adds a Matérn kernel on the architectures' encodings to the
GP's kernel (with the 64 of largest score), ``ponas-structure-both`` does both, and
``ponas-structure-neighbours`` adds it to the default. The last four were run on some problems
only ('—' elsewhere).

    python benchmarks/tnb101_table.py                                 # everything
    python benchmarks/tnb101_table.py --strategies random,bo --benchmarks tnb101-micro-jigsaw
    python benchmarks/tnb101_table.py --strategies "" --check-prefix  # only the prefix check
    python benchmarks/tnb101_table.py --strategies ""                 # rewrite the table only
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np

import _variants  # noqa: F401 - registers ponas-greedy, the greedy ablation
from _report import HERE, environment_lines, load, write_report
from sknas.bench import BENCHMARKS, TNB101_TASKS, published_ranks, run

#: PO-NAS's research variants (``_variants.py``) shown beside the default.
PONAS_ROWS = ("ponas-screen-score", "ponas-full-pool", "ponas-screen-both", "ponas-structure", "ponas-structure-both",
              "ponas-structure-neighbours", "ponas-greedy")
STRATEGIES = ("random", "evolution", "reinforce", "local-search", "zero-cost", "robot", "bo", "ponas", *PONAS_ROWS)
#: Strategies whose asks do not depend on the budget: a 100-query run holds the shorter ones.
BUDGET_FREE = ("random", "evolution", "reinforce", "local-search", "zero-cost", "bo", "ponas", *PONAS_ROWS)
#: Strategies that cost seconds per run or more: fewer seeds.
EXPENSIVE = ("robot", "bo", "ponas", *PONAS_ROWS)
PROBLEMS = [name for name in BENCHMARKS if name.startswith("tnb101-")]
BUDGETS = (20, 50, 100)
JSON = HERE / "tnb101_table.json"


def _key(record: dict) -> tuple:
    return record["strategy"], record["benchmark"], record["budget"]


def _save(records: dict) -> None:
    JSON.write_text(json.dumps(list(records.values())), encoding="utf-8")


def _figures(record: dict, budget: int) -> tuple[list[float], list[float]]:
    """Ranks and objectives of the architectures the runs end with after ``budget`` queries."""
    ranks = [r["best_so_far_rank"][min(budget, len(r["best_so_far_rank"])) - 1] for r in record["runs"]]
    objectives = [r["best_so_far_objective"][min(budget, len(r["best_so_far_objective"])) - 1]
                  for r in record["runs"]]
    return ranks, objectives


def _record_for(records: dict, strategy: str, problem: str, budget: int) -> dict | None:
    """The record whose runs give ``budget``'s figures: its own, or the 100-query one when the
    strategy never reads the budget."""
    own = records.get((strategy, problem, budget))
    if own is not None:
        return own
    if strategy in BUDGET_FREE:
        longer = [r for (s, p, b), r in records.items() if s == strategy and p == problem and b > budget]
        return min(longer, key=lambda r: r["budget"]) if longer else None
    return None


def check_prefix(strategies: list[str], problem: str, seed: int) -> list[str]:
    """Rerun one seed at 20 and 50 queries: the figures must be those of the 100-query run's prefix."""
    lines = []
    for strategy in strategies:
        full = run(strategy, problem, budget=max(BUDGETS), seeds=[seed])
        for budget in BUDGETS[:-1]:
            short = run(strategy, problem, budget=budget, seeds=[seed])["runs"][0]
            same = (short["best_so_far_rank"] == full["runs"][0]["best_so_far_rank"][:budget]
                    and short["best_so_far_objective"] == full["runs"][0]["best_so_far_objective"][:budget])
            lines.append(f"| {strategy} | {problem} | {seed} | {budget} | {'identical' if same else 'DIFFERENT'} |")
    return lines


def _cell(values: list[float], digits: int) -> str:
    return f"{np.mean(values):.{digits}f} ± {np.std(values):.{digits}f}"


def tables(records: dict, strategies: list[str]) -> list[str]:
    """Per space and budget: one row per strategy, one column per task, rank mean ± std; then
    at 100 queries the published ranks and the metric's mean ± std."""
    out = []
    for space in ("micro", "macro"):
        problems = [f"tnb101-{space}-{task}" for task in TNB101_TASKS]
        header = "| strategy (seeds) | " + " | ".join(TNB101_TASKS) + " | wall per run (s) |"
        rule = "|:--|" + "--:|" * (len(problems) + 1)
        for budget in BUDGETS:
            rows = []
            for strategy in strategies:
                cells, walls, seeds = [], [], set()
                for problem in problems:
                    record = _record_for(records, strategy, problem, budget)
                    if record is None:
                        cells.append("—")
                        continue
                    cells.append(_cell(_figures(record, budget)[0], 1))
                    walls.append(record["summary"]["wall_s"]["mean"])
                    seeds.add(len(record["runs"]))
                if walls:
                    wall = f"{np.mean(walls):.2f}" + ("" if budget in {r["budget"] for r in records.values()
                                                          if r["strategy"] == strategy} else " (of 100)")
                    n = "/".join(str(s) for s in sorted(seeds))
                    rows.append(f"| {strategy} ({n}) | " + " | ".join(cells) + f" | {wall} |")
            if budget == max(BUDGETS):
                for method in published_ranks(problems[0]):
                    ranks = [published_ranks(p)[method] for p in problems]
                    rows.append(f"| *published {method}* | " + " | ".join(f"{m:.0f} ± {s:.0f}" for m, s in ranks)
                                + " | |")
            out += [f"### {space}, budget {budget}: rank of the architecture found (1 = best)", "", header, rule,
                    *rows, ""]
        rows = []
        for strategy in strategies:
            cells = []
            for problem in problems:
                record = _record_for(records, strategy, problem, max(BUDGETS))
                cells.append("—" if record is None else _cell(_figures(record, max(BUDGETS))[1], 3))
            if any(c != "—" for c in cells):
                rows.append(f"| {strategy} | " + " | ".join(cells) + " |")
        out += [f"### {space}, budget {max(BUDGETS)}: validation metric of the architecture found", "",
                "| strategy | " + " | ".join(TNB101_TASKS) + " |", "|:--|" + "--:|" * len(problems), *rows, ""]
    return out


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--strategies", default=",".join(STRATEGIES))
    parser.add_argument("--benchmarks", default=",".join(PROBLEMS))
    parser.add_argument("--seeds", type=int, default=30, help="seeds of the cheap strategies (default 30)")
    parser.add_argument("--expensive-seeds", type=int, default=10, help=f"seeds of {', '.join(EXPENSIVE)}")
    parser.add_argument("--budgets", default="100,50,20",
                        help="budgets to run, in this order (budget-free strategies always run 100 only)")
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--redo", action="store_true", help="recompute records already in the JSON")
    parser.add_argument("--check-prefix", action="store_true",
                        help="rerun seed 0 of the budget-free strategies at 20 and 50 queries")
    args = parser.parse_args(argv)
    records = {_key(r): r for r in json.loads(JSON.read_text(encoding="utf-8"))} if JSON.exists() else {}
    strategies = [s for s in args.strategies.split(",") if s]
    problems = [p for p in args.benchmarks.split(",") if p]
    start = time.perf_counter()
    for strategy in strategies:
        budgets = (max(BUDGETS),) if strategy in BUDGET_FREE else [int(b) for b in args.budgets.split(",") if b]
        n_seeds = args.expensive_seeds if strategy in EXPENSIVE else args.seeds
        for problem in problems:
            for budget in budgets:
                done = records.get((strategy, problem, budget))
                if done is not None and len(done["runs"]) >= n_seeds and not args.redo:
                    continue
                t = time.perf_counter()
                record = run(strategy, problem, budget=budget, seeds=range(n_seeds), n_jobs=args.n_jobs)
                records[_key(record)] = record
                _save(records)
                print(f"{strategy} {problem} {budget}: rank {record['summary']['rank']['mean']:.1f}, "
                      f"{time.perf_counter() - t:.0f} s", file=sys.stderr, flush=True)
    prefix = []
    if args.check_prefix:
        prefix = check_prefix([s for s in BUDGET_FREE], "tnb101-micro-class_scene", 0)
    shown = [s for s in STRATEGIES if any(r["strategy"] == s for r in records.values())]
    proxies = {(r["benchmark"], tuple(r["proxies"] or ())) for r in records.values() if r["proxies"]}
    by_problem = {}
    for problem, names in sorted(proxies):
        by_problem.setdefault(names, []).append(problem.removeprefix("tnb101-"))
    lines = [
        "# TransNAS-Bench-101: every strategy on the 14 search problems",
        "",
        *environment_lines(sys.argv),
        f"- wall time of this invocation: {time.perf_counter() - start:.0f} s; load at the end: {load()}",
        "",
        "Rank: of the architecture each run ends with (the best it queried by the task's validation metric) "
        "among the 4,096 micro cells or 3,256 macro architectures; 1 = best; mean ± std over the seeds in "
        "brackets. Random search should land near 4096/101 ≈ 41 (micro) and 3256/101 ≈ 32 (macro) at 100 "
        "queries. Budget-20 and -50 figures of random, evolution, reinforce, local-search, zero-cost, bo and "
        "the ponas rows (their pool is the whole space: no evolution, which alone reads the budget) are read "
        "off their 100-query runs (they never read the budget; see the prefix check), so their "
        "wall per run is that of 100 queries. The published rows are RoBoT's Table 3 (10 runs, 100 "
        "queries): REA and RS use no proxies and compare directly; RoBoT used other proxy data than "
        "these tables. '—': not run yet (rerun the script to fill in). ponas: log-EI over the 64 open "
        "architectures of largest learned score and the open neighbours of the 3 best queried (the default "
        "since 2026-12-03); its rows are reruns of 2026-12-03 (session 28) after the surrogate's networks were "
        "rewritten with fewer, larger kernels (results change in the last bits; the earlier runs of the same "
        "rule are quoted in the user guide), two problems at a time beside other benchmarks, so their wall "
        "per run does not measure the cost (benchmarks/ponas_cost.md does); ponas-screen-score: over the 64 "
        "only (the default before); the other ponas rows are described in the script's docstring.",
        "",
        "Proxies the strategies weighed (those of their own the task has, else all the task has):",
        "",
        *[f"- {', '.join(names)}: {', '.join(problems)}" for names, problems in by_problem.items()],
        "",
        *tables(records, shown),
    ]
    if prefix:
        lines += ["### Prefix check: a shorter run equals the start of the 100-query run", "",
                  "| strategy | benchmark | seed | budget | best-so-far rank and objective |",
                  "|:--|:--|--:|--:|:--|", *prefix, ""]
    write_report("\n".join(lines), HERE / "tnb101_table.md")


if __name__ == "__main__":
    main(sys.argv[1:])
