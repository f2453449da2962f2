"""Batch proposals on NAS-Bench-201: wall time per query and search quality at batch sizes 1, 2, 4.

A strategy asked for n cells at once fits its surrogate once per batch (PO-NAS its weighting
network, BO and RoBoT their GP) and chooses the n jointly, so the time it spends choosing
falls with n; the search sees results n at a time, so its quality may fall too. Each row:
``sknas.bench.run(strategy, "nb201-cifar10", budget, seeds, batch_size=n)`` (paper protocol),
through the driver users run, one process per seed.

    python benchmarks/batch.py                  # ponas, bo, robot; 5 seeds; writes batch.md
    python benchmarks/batch.py --seeds 0-1 --strategies bo --quick
"""

from __future__ import annotations

import argparse
import sys
import time

from _report import HERE, environment_lines, markdown_table, write_report
from sknas.__main__ import parse_seeds
from sknas.bench import make_benchmark, run


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=parse_seeds, default=list(range(5)))
    parser.add_argument("--budget", type=int, default=20)
    parser.add_argument("--batch-sizes", default="1,2,4")
    parser.add_argument("--strategies", default="ponas,bo,robot")
    parser.add_argument("--n-jobs", type=int, default=2, help="seeds run in parallel")
    parser.add_argument("--quick", action="store_true", help="print only, write nothing")
    args = parser.parse_args(argv)
    benchmark = make_benchmark("nb201-cifar10", "paper")
    rows = []
    start = time.perf_counter()
    for strategy in args.strategies.split(","):
        base = None
        for n in (int(b) for b in args.batch_sizes.split(",")):
            record = run(strategy, benchmark, args.budget, args.seeds, batch_size=n, n_jobs=args.n_jobs)
            summary = record["summary"]
            per_query = summary["wall_s"]["mean"] / args.budget
            base = per_query if base is None else base
            rows.append([
                strategy, n, f"{per_query:.3f}", f"{base / per_query:.2f}×",
                f"{summary['test_accuracy']['mean']:.2f} ± {summary['test_accuracy']['std']:.2f}",
                f"{summary['queries_to_best']['found']}/{len(args.seeds)}",
            ])
            print(rows[-1], file=sys.stderr, flush=True)
    text = "\n".join([
        "# Batch proposals: wall time per query and quality (NAS-Bench-201, CIFAR-10, paper protocol)",
        "",
        *environment_lines(sys.argv),
        f"- {len(args.seeds)} seeds ({args.seeds[0]}–{args.seeds[-1]}), budget {args.budget}, over "
        f"{args.n_jobs} processes (one torch thread each); this invocation {time.perf_counter() - start:.0f} s",
        "- wall per query: the run's wall time (set-up included: PO-NAS pre-trains its encoder) over its "
        "queries; a lookup costs nothing, so this is the strategy's own time. Speed-up: against batch size 1.",
        "- test accuracy: 200-epoch, of the cell with the best queried objective; found: runs whose queries "
        "include the pool's best cell by the objective",
        "",
        markdown_table(["strategy", "batch size", "wall s per query", "speed-up", "test accuracy", "found"],
                       rows, "lrrrrr"),
    ])
    write_report(text, None if args.quick else HERE / "batch.md")


if __name__ == "__main__":
    main(sys.argv[1:])
