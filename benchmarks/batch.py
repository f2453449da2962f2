"""Batch proposals: wall time per query and search quality at batch sizes 1, 2, 4.

A strategy asked for n architectures at once fits its surrogate once per batch (PO-NAS its
weighting networks and GP, BO and RoBoT their GP) and chooses the n jointly, so the time it
spends choosing falls with n; the search sees results n at a time, so its quality may fall too.
Each row: ``sknas.bench.run(strategy, benchmark, budget, seeds, batch_size=n)`` (NAS-Bench-201:
paper protocol), through the driver users run, one process per seed.

    python benchmarks/batch.py                  # ponas, bo, robot on NB201 CIFAR-10; 5 seeds; writes batch.md
    python benchmarks/batch.py --seeds 0-1 --strategies bo --quick
    python benchmarks/batch.py --benchmarks tnb101-micro-jigsaw --strategies ponas --batch-sizes 1,4 \
        --output batch_tnb101.md
"""

from __future__ import annotations

import argparse
import sys
import time

import _variants  # noqa: F401 - registers ponas-greedy and the other PO-NAS variants
from _report import HERE, environment_lines, markdown_table, write_report
from sknas.__main__ import parse_seeds
from sknas.bench import make_benchmark, run


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=parse_seeds, default=list(range(5)))
    parser.add_argument("--budget", type=int, default=None,
                        help="queries per run (default: the benchmark's, 20 on NB201, 100 on TNB101)")
    parser.add_argument("--benchmarks", default="nb201-cifar10")
    parser.add_argument("--batch-sizes", default="1,2,4")
    parser.add_argument("--strategies", default="ponas,bo,robot")
    parser.add_argument("--n-jobs", type=int, default=2, help="seeds run in parallel")
    parser.add_argument("--output", default="batch.md", help="the report's file name in benchmarks/")
    parser.add_argument("--quick", action="store_true", help="print only, write nothing")
    args = parser.parse_args(argv)
    rows = []
    start = time.perf_counter()
    for name in args.benchmarks.split(","):
        benchmark = make_benchmark(name, "paper")
        budget = args.budget or benchmark.default_budget
        for strategy in args.strategies.split(","):
            base = None
            for n in (int(b) for b in args.batch_sizes.split(",")):
                record = run(strategy, benchmark, budget, args.seeds, batch_size=n, n_jobs=args.n_jobs)
                summary = record["summary"]
                per_query = summary["wall_s"]["mean"] / budget
                base = per_query if base is None else base
                quality = summary.get("test_accuracy", summary["rank"])
                rows.append([
                    name, budget, strategy, n, f"{per_query:.3f}", f"{base / per_query:.2f}×",
                    f"{quality['mean']:.2f} ± {quality['std']:.2f}",
                    f"{summary['queries_to_best']['found']}/{len(args.seeds)}",
                ])
                print(rows[-1], file=sys.stderr, flush=True)
    text = "\n".join([
        "# Batch proposals: wall time per query and search quality",
        "",
        *environment_lines(sys.argv),
        f"- {len(args.seeds)} seeds ({args.seeds[0]}–{args.seeds[-1]}), over "
        f"{args.n_jobs} processes (one torch thread each); this invocation {time.perf_counter() - start:.0f} s",
        "- wall per query: the run's wall time (set-up included: PO-NAS pre-trains its encoder) over its "
        "queries; a lookup costs nothing, so this is the strategy's own time. Speed-up: against batch size 1.",
        "- quality: on NAS-Bench-201 (paper protocol) the 200-epoch test accuracy of the cell with the "
        "best queried objective; on TransNAS-Bench-101 the rank of that architecture (1 = best); found: "
        "runs whose queries include the pool's best architecture by the objective",
        "",
        markdown_table(["benchmark", "budget", "strategy", "batch size", "wall s per query", "speed-up",
                        "quality", "found"], rows, "lrlrrrrr"),
    ])
    write_report(text, None if args.quick else HERE / args.output)


if __name__ == "__main__":
    main(sys.argv[1:])
