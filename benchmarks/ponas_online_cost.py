"""What PO-NAS's online fits cost per search, with and without the stall rule, side by side.

Each query PO-NAS refits its weight generator: periods of 100+ epochs restarted while the loss
is above 0.1, at most 1,000 epochs (``max_online_epochs``). On TransNAS-Bench-101 the loss
rarely reaches 0.1, so without a stall rule every query runs the cap. ``online_min_improvement``
ends a fit when a restart period lowers the loss by less than that fraction (default 0.05).
This runs ``ponas`` (0.05), ``ponas-stall-1pc`` (0.01) and ``ponas-no-stall`` (None; see
``benchmarks/_variants.py``) on the given problems and seeds, the variants of one problem and
seed one after the other, and reports the found architecture's rank (and test accuracy), the
online epochs run in the whole search (deterministic: the cost measure that load does not
change) and the seconds they took, beside the run's wall time.

    python benchmarks/ponas_online_cost.py                  # 2 TNB micro problems + NB201 C10, seed 0
    python benchmarks/ponas_online_cost.py --problems tnb101-micro-class_scene --seeds 0,1 --quick
"""

from __future__ import annotations

import argparse
import sys
import time

import torch

import _variants  # noqa: F401 - registers the PO-NAS variants
import sknas.strategies._ponas_weighting as ponas_module
from _report import HERE, environment_lines, markdown_table, write_report
from sknas.bench import run

VARIANTS = ("ponas-no-stall", "ponas-stall-1pc", "ponas")


class OnlineCounter:
    """Wraps PO-NAS's ``fit_weights`` to add up the epochs and seconds of its online fits."""

    def __init__(self):
        self.original = ponas_module.fit_weights
        self.epochs, self.seconds, self.fits = 0, 0.0, 0

    def __call__(self, *args, **kwargs):
        start = time.perf_counter()
        report = self.original(*args, **kwargs)
        self.seconds += time.perf_counter() - start
        self.epochs += report.epochs
        self.fits += 1
        return report


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problems", default="tnb101-micro-class_scene,tnb101-micro-jigsaw,nb201-cifar10")
    parser.add_argument("--seeds", type=lambda s: [int(x) for x in s.split(",")], default=[0])
    parser.add_argument("--quick", action="store_true", help="print only, write nothing")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    rows = []
    for problem in args.problems.split(","):
        budget = 20 if problem.startswith("nb201") else 100
        for seed in args.seeds:
            for variant in VARIANTS:
                counter = OnlineCounter()
                ponas_module.fit_weights = counter
                start = time.perf_counter()
                try:
                    record = run(variant, problem, budget=budget, seeds=[seed], n_jobs=1)
                finally:
                    ponas_module.fit_weights = counter.original
                wall = time.perf_counter() - start
                summary = record["summary"]
                found = f"rank {summary['rank']['mean']:.0f}"
                if "test_accuracy" in summary:
                    found += f", test {summary['test_accuracy']['mean']:.2f}"
                rows.append([problem, budget, seed, variant, found, f"{counter.epochs:,d}", counter.fits,
                             f"{counter.seconds:.0f}", f"{wall:.0f}"])
                print(*rows[-1], file=sys.stderr, flush=True)
    text = "\n".join([
        "# PO-NAS's online fits: epochs and seconds per search, with and without the stall rule",
        "",
        *environment_lines(sys.argv),
        "- one torch thread; the variants of a problem and seed run one after the other",
        "",
        markdown_table(["problem", "queries", "seed", "variant", "found", "online epochs", "fits", "online s",
                        "wall s"], rows, "lrrllrrrr"),
    ])
    write_report(text, None if args.quick else HERE / "ponas_online_cost.md")


if __name__ == "__main__":
    main(sys.argv[1:])
