"""POnasSearch, RandomSearch and EvolutionSearch in the DARTS space on real images, with the cell
space's POnasSearch beside them.

Every search trains ``--budget`` candidates for ``--epochs`` epochs (80 % of the training images,
20 % validation), refits the winner for ``--final-epochs`` on all of them and is scored on the
held-out test images; all use ``DartsSpace()`` (6 layers, 16 channels) but the last row, which
searches the default cell space (``space="cell"``). POnasSearch keeps its defaults (a pool of
200 genotypes with six proxies each, evolution from the 10th query adding up to 50 offspring per
query); its overhead is everything but candidate training and the refit (``search_timings_``),
and the pool's growth is what evolution added. Runs go ``--jobs`` at a time, one torch thread
each. Writes ``darts_real_data.md``.

    python benchmarks/darts_real_data.py                         # digits, 3 seeds: ~40 min on 2 cores
    python benchmarks/darts_real_data.py --datasets mnist --seeds 0
    python benchmarks/darts_real_data.py --budget 3 --epochs 1 --seeds 0 --quick
"""

from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import torch

from _report import HERE, environment_lines, markdown_table, seed_everything, write_report
from real_data import load_digits_split, load_mnist_split, timed_fit_predict
from sknas import EvolutionSearch, POnasSearch, RandomSearch
from sknas.spaces import DartsSpace

LOADERS = {"digits": load_digits_split, "mnist": load_mnist_split}
METHODS = {
    "POnasSearch": (POnasSearch, "darts"),
    "RandomSearch": (RandomSearch, "darts"),
    "EvolutionSearch": (EvolutionSearch, "darts"),
    "POnasSearch (cell space)": (POnasSearch, "cell"),
}


def run_one(task: tuple[str, str, int, dict]) -> dict:
    """One search on one data set and seed; its figures."""
    dataset, method, seed, common = task
    torch.set_num_threads(1)
    seed_everything(seed)
    data = LOADERS[dataset](seed)
    cls, space = METHODS[method]
    params = dict(common, random_state=seed, space=DartsSpace() if space == "darts" else "cell")
    if cls is EvolutionSearch:
        params.update(population_size=5, tournament_size=3)
    search, accuracy, wall, _ = timed_fit_predict(cls(image_shape=data.image_shape, **params), data)
    timings = search.search_timings_
    pool = getattr(search, "pool_", None)
    return dict(
        dataset=dataset, method=method, seed=seed, accuracy=accuracy, wall_s=wall,
        training_s=timings["training_s"], refit_s=timings["refit_s"], overhead_s=timings["overhead_s"],
        proxies_s=timings["proxies_s"], other_s=wall - timings["training_s"] - timings["refit_s"] - timings["overhead_s"],
        grown=None if pool is None else len(pool) - search.n_candidates,
        params=sum(p.numel() for p in search.best_model_.parameters()), found=str(search.best_architecture_),
        description=data.description,
    )


def _mean(rows: list[dict], key: str) -> str:
    values = [r[key] for r in rows if r[key] is not None]
    return f"{np.mean(values):.1f}" if values else "-"


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", choices=tuple(LOADERS), default=["digits"])
    parser.add_argument("--seeds", type=lambda s: [int(x) for x in s.split(",")], default=[0, 1, 2])
    parser.add_argument("--budget", type=int, default=12)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--final-epochs", type=int, default=10)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="print only, write nothing")
    args = parser.parse_args(argv)
    common = dict(budget=args.budget, epochs=args.epochs, final_epochs=args.final_epochs, device="cpu")
    tasks = [(d, m, s, common) for d in args.datasets for s in args.seeds for m in METHODS]
    start = time.perf_counter()
    with ProcessPoolExecutor(args.jobs) as pool:
        rows = []
        for row in pool.map(run_one, tasks):
            rows.append(row)
            print(f"{row['dataset']} {row['method']} seed {row['seed']}: {row['accuracy']:.4f} in "
                  f"{row['wall_s']:.0f} s", file=sys.stderr, flush=True)
    elapsed = time.perf_counter() - start
    summary, runs = [], []
    for dataset in args.datasets:
        for method in METHODS:
            group = [r for r in rows if r["dataset"] == dataset and r["method"] == method]
            acc = np.array([r["accuracy"] for r in group])
            summary.append([dataset, method, f"{acc.mean():.4f} ± {acc.std():.4f}", _mean(group, "wall_s"),
                            _mean(group, "training_s"), _mean(group, "refit_s"), _mean(group, "overhead_s"),
                            _mean(group, "proxies_s"), _mean(group, "grown")])
            runs += [[dataset, method, r["seed"], f"{r['accuracy']:.4f}", f"{r['wall_s']:.0f}",
                      f"{r['params']:,d}", f"`{r['found']}`"] for r in group]
    text = "\n".join([
        "# The DARTS space on real images: POnasSearch, RandomSearch, EvolutionSearch (and the cell space)",
        "",
        *environment_lines(sys.argv),
        *[f"- data: {desc}" for desc in dict.fromkeys(r["description"] for r in rows)],
        f"- every search: budget {args.budget}, {args.epochs} epochs per candidate, refit {args.final_epochs} "
        f"epochs; DartsSpace() (6 layers, 16 channels) but the cell-space row; seeds {args.seeds}; "
        f"{args.jobs} runs at a time, one torch thread each; total {elapsed / 60:.1f} min",
        "",
        "Means over seeds (seconds). Overhead = everything outside candidate training and the refit "
        "(proxies, encoder pre-training, online fits, acquisition); pool growth = genotypes evolution "
        "added to POnasSearch's pool of 200.",
        "",
        markdown_table(["data", "method", "test accuracy", "wall", "training", "refit", "overhead",
                        "of which proxies", "pool growth"], summary, "llrrrrrrr"),
        "",
        markdown_table(["data", "method", "seed", "test accuracy", "wall s", "params", "found"], runs, "llrrrrl"),
    ])
    write_report(text, None if args.quick else HERE / "darts_real_data.md")


if __name__ == "__main__":
    main(sys.argv[1:])
