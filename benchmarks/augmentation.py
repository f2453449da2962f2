"""Random image translations (``max_shift``) against none, same searches, same seeds.

Each search is ``RandomSearch`` on the default cell space, fitted on one seed's split of
scikit-learn's digits as 8×8 images (75/25 stratified) or of the MNIST subset (4,000 / 1,000),
once with ``max_shift=0`` and once with the data set's shift of ``SHIFTS``: the same seed draws
the split, the candidates and their initial weights, so each pair differs only in the shifts.
``max_shift="auto"`` (``sknas.evaluation.auto_max_shift``) gives 0 to digits and 2 to MNIST.
Runs go ``--jobs`` at a time, one torch thread each. Writes ``augmentation.md``.

    python benchmarks/augmentation.py     # digits defaults and MNIST budget 10 (~30 min on 2 cores)
    python benchmarks/augmentation.py --datasets digits --seeds 0 --budget 2 --epochs 1 --final-epochs 1 --quick
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np
from joblib import Parallel, delayed

from _report import HERE, environment_lines, markdown_table, write_report
from ponas_real_data import fit_on_split

#: The shifts (pixels) compared with none on each data set: the 1 px that "auto" does not give
#: 8×8 digits, and the 2 px it gives 28×28 MNIST.
SHIFTS = {"digits": (1,), "mnist": (2,)}
#: The searches of each data set: the defaults on digits; on MNIST a budget that fits 10 minutes.
SETTINGS = {"digits": {}, "mnist": dict(budget=10, epochs=4, final_epochs=10)}


def one_run(dataset: str, shift: int, seed: int, settings: dict) -> dict:
    """Fit one search on one split; its test accuracy and wall time."""
    search, accuracy, wall = fit_on_split(dataset, "RandomSearch", seed, max_shift=shift, **settings)
    return dict(dataset=dataset, shift=shift, seed=seed, accuracy=accuracy, wall_s=wall,
                best_val=search.best_score_, found=str(search.best_architecture_))


def summary_rows(runs: list[dict], dataset: str) -> list[list[str]]:
    """One row per shift: mean ± std test accuracy, the paired difference from no shift, wall."""
    base = {r["seed"]: r["accuracy"] for r in runs if r["dataset"] == dataset and r["shift"] == 0}
    rows = []
    for shift in sorted({r["shift"] for r in runs if r["dataset"] == dataset}):
        mine = [r for r in runs if r["dataset"] == dataset and r["shift"] == shift]
        accuracies = np.array([r["accuracy"] for r in mine])
        paired = "–"
        if shift:
            diffs = np.array([r["accuracy"] - base[r["seed"]] for r in mine if r["seed"] in base])
            paired = (f"{diffs.mean():+.4f} ({int((diffs > 0).sum())}/{int((diffs == 0).sum())}/"
                      f"{int((diffs < 0).sum())})")
        rows.append([
            f"{shift} px", f"{accuracies.mean():.4f} ± {accuracies.std():.4f}", paired,
            f"{np.mean([r['wall_s'] for r in mine]):.0f}",
            " ".join(f"{a:.3f}" for a in accuracies),
        ])
    return rows


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default="digits,mnist", help="digits and/or mnist, comma-separated")
    parser.add_argument("--seeds", default="0,1,2,3,4")
    parser.add_argument("--budget", type=int, help="overrides the data set's budget")
    parser.add_argument("--epochs", type=int, help="overrides the data set's epochs")
    parser.add_argument("--final-epochs", type=int, help="overrides the data set's final_epochs")
    parser.add_argument("--jobs", type=int, default=2, help="runs at a time (one torch thread each)")
    parser.add_argument("--quick", action="store_true", help="print only, write nothing")
    args = parser.parse_args(argv)
    datasets = args.datasets.split(",")
    seeds = [int(s) for s in args.seeds.split(",")]
    overrides = {k: v for k, v in dict(budget=args.budget, epochs=args.epochs,
                                         final_epochs=args.final_epochs).items() if v is not None}
    settings = {d: {**SETTINGS[d], **overrides} for d in datasets}
    header = environment_lines(sys.argv)
    start = time.perf_counter()
    jobs = [(d, shift, s) for d in datasets for s in seeds for shift in (0, *SHIFTS[d])]
    runs = []
    for run in Parallel(n_jobs=args.jobs, return_as="generator")(
        delayed(one_run)(d, shift, s, settings[d]) for d, shift, s in jobs
    ):
        runs.append(run)
        print(f"{run['dataset']} shift {run['shift']} seed {run['seed']}: {run['accuracy']:.4f} in "
              f"{run['wall_s']:.0f} s", file=sys.stderr, flush=True)
    elapsed = time.perf_counter() - start
    sections = []
    for dataset in datasets:
        shown = ", ".join(f"{k}={v}" for k, v in settings[dataset].items()) or "defaults"
        sections += [
            f"## {dataset}: RandomSearch, {shown}",
            "",
            markdown_table(["max_shift", "test accuracy (mean ± std)", "− 0 px (wins/ties/losses)", "wall s",
                            "per seed"], summary_rows(runs, dataset), "lrrrl"),
            "",
        ]
    text = "\n".join([
        "# Random image translations (`max_shift`) against none",
        "",
        *header,
        f"- seeds {args.seeds} (each draws the split, the search and the weights; the arms of a seed differ only "
        f"in the shifts); one torch thread per run, {args.jobs} runs at a time; total {elapsed / 60:.1f} min",
        "- test accuracy on the held-out split; the paired column is the mean per-seed difference from "
        "`max_shift=0` and the seeds it wins, ties and loses",
        "",
        *sections,
        "Runs (test accuracy, wall s, best validation accuracy, found):",
        "",
        *[f"- {r['dataset']} {r['shift']} px seed {r['seed']}: {r['accuracy']:.4f}, {r['wall_s']:.0f}, "
          f"{r['best_val']:.4f}, `{r['found']}`" for r in runs],
    ])
    if args.quick:
        print(text)
        return
    write_report(text, HERE / "augmentation.md")


if __name__ == "__main__":
    main(sys.argv[1:])
