"""Does PO-NAS's GP change its choices? How often log-EI picks another cell than the top learned score.

PO-NAS's GP reads a kernel over the proxy contributions and a prior mean c + b·s (s: the
learned score S). Its acquisition is optimised over the open pool members ordered by S, so a
choice other than the first of them is one the GP made against S. Each row counts, over the
seeds, the choices after the start, those that are not the open cell of largest S, and the
median fitted kernel outputscale (standardised objective units: 0 means the prior mean alone
explains the queried objectives and the posterior mean is c + b·S). Rows: the default
(``ponas``, the prior score of a queried cell is its in-sample S) and ``ponas-cross-fit``
(the S of the ensemble member not fitted to it).

    python benchmarks/ponas_gp_choices.py                       # writes ponas_gp_choices.md
    python benchmarks/ponas_gp_choices.py --seeds 0-1 --benchmarks nb201-cifar10 --quick
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor

import _variants  # noqa: F401 - registers ponas-cross-fit
from _report import HERE, environment_lines, markdown_table, write_report

import sknas.strategies._ponas_choice as choice
from sknas.__main__ import parse_seeds
from sknas.bench import make_benchmark, run_one

CHOICES: list[tuple[int, float]] = []  # (the pick's place in the open cells by S, the GP's outputscale)
_best_candidates = choice.best_candidates


def _recording(gp, candidates, q, **options):
    rows = _best_candidates(gp, candidates, q, **options)
    CHOICES.extend((row, gp.covar_module.outputscale.item()) for row in rows)
    return rows


choice.best_candidates = _recording  # forked workers inherit the patch


def _one(strategy: str, benchmark: str, budget: int, seed: int) -> tuple[dict, list]:
    CHOICES.clear()
    record = run_one(strategy, make_benchmark(benchmark, "paper"), budget, seed)
    return record, list(CHOICES)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=parse_seeds, default=list(range(10)))
    parser.add_argument("--benchmarks", default="nb201-cifar10,nb201-cifar100,nb201-ImageNet16-120,"
                                                "tnb101-micro-room_layout,tnb101-micro-autoencoder,"
                                                "tnb101-macro-normal")
    parser.add_argument("--strategies", default="ponas,ponas-cross-fit")
    parser.add_argument("--tnb-seeds", type=parse_seeds, default=list(range(3)),
                        help="seeds on TransNAS-Bench-101 (100 queries a run)")
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="print only, write nothing")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    rows = []
    with ProcessPoolExecutor(args.n_jobs, mp_context=multiprocessing.get_context("fork")) as pool:
        for benchmark in args.benchmarks.split(","):
            budget = make_benchmark(benchmark, "paper").default_budget
            seeds = args.tnb_seeds if benchmark.startswith("tnb101") else args.seeds
            for strategy in args.strategies.split(","):
                runs = list(pool.map(_one, *zip(*[(strategy, benchmark, budget, s) for s in seeds])))
                picks = [row for _, choices in runs for row, _ in choices]
                scales = [scale for _, choices in runs for _, scale in choices]
                key = "test_accuracy" if "test_accuracy" in runs[0][0] else "rank"
                quality = [record[key] for record, _ in runs]
                rows.append([benchmark, budget, strategy, len(seeds), len(picks),
                             f"{sum(p != 0 for p in picks)} ({100 * sum(p != 0 for p in picks) / len(picks):.0f} %)",
                             f"{statistics.median(scales):.3f}",
                             f"{key.replace('_', ' ')} {statistics.mean(quality):.2f}"])
                print(rows[-1], file=sys.stderr, flush=True)
    text = "\n".join([
        "# PO-NAS's GP: how often its choice is not the cell of largest learned score",
        "",
        *environment_lines(sys.argv),
        f"- NAS-Bench-201 paper protocol and TransNAS-Bench-101, each benchmark's default budget; "
        f"this invocation {time.perf_counter() - start:.0f} s",
        "- choices: the GP's picks after the three start queries; not top-S: picks that are not the "
        "open cell of largest S (the mean over the 4 weight generators); outputscale: the median "
        "fitted kernel variance in standardised objective units (0: the posterior mean is c + b·S)",
        "- ponas: the prior score of a queried cell is its S, in-sample (the default); ponas-cross-fit: "
        "the S of the generator not fitted to it (``PONAS(cross_fit=True)``)",
        "",
        markdown_table(["benchmark", "budget", "strategy", "seeds", "choices", "not top-S",
                        "outputscale", "mean quality"], rows, "lrlrrrrr"),
    ])
    write_report(text, None if args.quick else HERE / "ponas_gp_choices.md")


if __name__ == "__main__":
    main(sys.argv[1:])
