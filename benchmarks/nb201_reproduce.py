"""Do the committed NAS-Bench-201 runs reproduce, run for run, through today's code?

Reruns rows of ``nb201_table.json`` (each a strategy on a benchmark, protocol and budget, over
seeds) with ``sknas.bench.run`` and compares every run with the committed one: the cell found,
its objective and test accuracy, the queries made and to the best cell, the search cost and the
best-so-far curve (wall time aside), and each row's mean test accuracy and best-cell count
before and after. Writes ``nb201_reproduce.md`` (and the new runs with ``--save-json``).

    python benchmarks/nb201_reproduce.py                            # the cheap strategies, all rows
    python benchmarks/nb201_reproduce.py --strategies ponas --seeds 0-4 --budgets 20 \\
        --protocols paper --benchmarks nb201-cifar10 --out nb201_reproduce_ponas.md
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

import _variants  # noqa: F401 - registers the PO-NAS variants of the table
from _report import HERE, environment_lines, markdown_table, write_report
from sknas.__main__ import parse_seeds
from sknas.bench import make_benchmark, run
from sknas.bench._run import _summary

COMPARED = ("best_arch", "objective", "test_accuracy", "n_queries", "queries_to_best", "search_cost_s",
            "best_so_far_test_accuracy")


def first_difference(new: dict, old: dict) -> str | None:
    for key in COMPARED:
        if new.get(key) != old.get(key):
            return f"{key}: {old.get(key)!r} → {new.get(key)!r}"
    return None


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--strategies", default="random,evolution,reinforce,zero-cost,bo,robot")
    parser.add_argument("--seeds", type=parse_seeds, default=None, help="default: every committed seed")
    parser.add_argument("--budgets", default="10,20")
    parser.add_argument("--benchmarks", default="nb201-cifar10,nb201-cifar100,nb201-ImageNet16-120")
    parser.add_argument("--protocols", default="paper,own")
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--committed", default=str(HERE / "nb201_table.json"), help="the runs to reproduce")
    parser.add_argument("--from-json", help="take the new runs from this file instead of running them")
    parser.add_argument("--out", default="nb201_reproduce.md")
    parser.add_argument("--save-json", help="also write the new runs there (records as in nb201_table.json)")
    parser.add_argument("--quick", action="store_true", help="print only, write nothing")
    args = parser.parse_args(argv)
    committed = json.loads(Path(args.committed).read_text(encoding="utf-8"))
    fresh = {}
    if args.from_json:
        for record in json.loads(Path(args.from_json).read_text(encoding="utf-8")):
            fresh[(record["strategy"], record["benchmark"], record["protocol"], record["budget"])] = record
    wanted = (set(args.strategies.split(",")), set(args.benchmarks.split(",")), set(args.protocols.split(",")),
              {int(b) for b in args.budgets.split(",")})
    rows, rerun, start = [], [], time.perf_counter()
    for old in committed:
        key = (old["strategy"], old["benchmark"], old["protocol"], old["budget"])
        if not all(value in allowed for value, allowed in zip(key, wanted)):
            continue
        old_runs = {r["seed"]: r for r in old["runs"]}
        seeds = [s for s in (args.seeds or sorted(old_runs)) if s in old_runs]
        if args.from_json:
            if key not in fresh:
                continue
            new_runs = [r for r in fresh[key]["runs"] if r["seed"] in seeds]
            seeds = [r["seed"] for r in new_runs]
        benchmark = make_benchmark(old["benchmark"], old["protocol"])
        if not args.from_json:
            new_runs = run(old["strategy"], benchmark, old["budget"], seeds, n_jobs=args.n_jobs)["runs"]
        differences = [(r["seed"], first_difference(r, old_runs[r["seed"]])) for r in new_runs]
        differing = [(seed, d) for seed, d in differences if d is not None]
        before = [old_runs[r["seed"]] for r in new_runs]  # the same seeds: the committed row may hold more
        rows.append([*key, len(seeds), len(seeds) - len(differing),
                     f"{_mean_test(before)} → {_mean_test(new_runs)}",
                     f"{_found(before)} → {_found(new_runs)}",
                     "" if not differing else f"seed {differing[0][0]}: {differing[0][1]}"])
        rerun.append({**old, "runs": new_runs, "summary": _summary(new_runs, benchmark.metric_names)})
        print(rows[-1], file=sys.stderr, flush=True)
    total = sum(r[4] for r in rows)
    same = sum(r[5] for r in rows)
    text = "\n".join([
        "# Committed NAS-Bench-201 runs rerun through today's code (sknas.bench.run)",
        "",
        *environment_lines(sys.argv),
        f"- committed runs: {args.committed}; new runs: "
        f"{args.from_json or 'rerun by this invocation'}",
        f"- compared per run: {', '.join(COMPARED)} (not wall time); this invocation "
        f"{time.perf_counter() - start:.0f} s",
        f"- **{same} of {total} runs identical** over {len(rows)} rows",
        "- test accuracy: mean over the rerun seeds, committed → today's; best cell: runs that found the pool's best "
        "cell by the objective",
        "",
        markdown_table(["strategy", "benchmark", "protocol", "budget", "runs", "identical", "test accuracy (%)",
                        "best cell", "first difference"], rows, "lllrrrrrl"),
    ])
    write_report(text, None if args.quick else HERE / args.out)
    if args.save_json and not args.from_json:
        Path(args.save_json).write_text(json.dumps(rerun), encoding="utf-8")


# Read off the runs, not through sknas.bench's summary: committed runs from before a field existed
# (the rank, in the oldest rows) lack it, and these two figures are all the table needs.
def _mean_test(runs: list[dict]) -> str:
    return f"{np.mean([r['test_accuracy'] for r in runs]):.2f}"


def _found(runs: list[dict]) -> int:
    return sum(r["queries_to_best"] is not None for r in runs)


if __name__ == "__main__":
    main(sys.argv[1:])
