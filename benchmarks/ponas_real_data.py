"""POnasSearch against RandomSearch and EvolutionSearch on real images, same budget and epochs.

Each search trains ``--budget`` candidates of the default cell space for ``--epochs`` epochs
on 80 % of the training split (20 % validation), refits the winner for ``--final-epochs`` on
all of it, and is scored on the held-out test split: scikit-learn's digits as 8×8 images
(75/25 stratified) and the MNIST subset (4,000 / 1,000). POnasSearch runs with its defaults
(the proxies capped at ``proxy_budget=0.1`` of the training) and without the cap
(``proxy_budget=None``: a pool of 200 and 50 offspring per evolution step, the behaviour
before the cap). Its wall time splits into candidate training, the refit and its overhead
(everything else: proxies, encoder pre-training, online fits, breeding), from
``search_timings_``. Runs go ``--jobs`` at a time, one torch thread each. Writes ``--out``, or
``ponas_real_data.md`` (digits) or ``ponas_real_data_<datasets>.md``.

    python benchmarks/ponas_real_data.py                         # digits, 5 seeds (~30 min on 2 cores)
    python benchmarks/ponas_real_data.py --datasets mnist --methods POnasSearch,RandomSearch,EvolutionSearch \
        --budget 10 --epochs 4 --final-epochs 10 --evolution-population 5   # ~30 min; ponas_real_data_mnist.md
    python benchmarks/ponas_real_data.py --budget 4 --epochs 1 --final-epochs 1 --seeds 0 --quick
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np
from joblib import Parallel, delayed

from _report import HERE, environment_lines, markdown_table, write_report

#: The issue's targets: PO-NAS at least as accurate, its wall at most this multiple of theirs,
#: and its overhead at most this fraction of its wall.
WALL_RATIO, OVERHEAD_FRACTION = 1.2, 0.10

METHODS = {
    "POnasSearch": ("POnasSearch", {}),
    "POnasSearch (no proxy cap)": ("POnasSearch", {"proxy_budget": None}),
    "RandomSearch": ("RandomSearch", {}),
    "EvolutionSearch": ("EvolutionSearch", {}),
}


def fit_on_split(dataset: str, estimator: str, seed: int, **params) -> tuple[object, float, float]:
    """Fit ``sknas.<estimator>(**params)`` on one split of ``dataset`` ("digits" or "mnist", drawn
    by ``seed``) with one thread; the fitted search, its test accuracy and the wall seconds of fit."""
    import torch
    from threadpoolctl import threadpool_limits

    import sknas
    from real_data import load_digits_split, load_mnist_split

    torch.set_num_threads(1)
    data = (load_digits_split if dataset == "digits" else load_mnist_split)(seed)
    search = getattr(sknas, estimator)(image_shape=data.image_shape, device="cpu", random_state=seed, **params)
    with threadpool_limits(1):
        start = time.perf_counter()
        search.fit(data.X_train, data.y_train)
        wall = time.perf_counter() - start
        accuracy = float(np.mean(search.predict(data.X_test) == data.y_test))
    return search, accuracy, wall


def one_run(dataset: str, method: str, seed: int, settings: dict, spec: tuple[str, dict]) -> dict:
    """Fit one search (``spec``: the estimator's name and parameters) on one split; its test
    accuracy and where its time went."""
    name, params = spec
    search, accuracy, wall = fit_on_split(dataset, name, seed, **settings, **params)
    pool = getattr(search, "pool_", None)
    return dict(dataset=dataset, method=method, seed=seed, accuracy=accuracy, wall_s=wall,
                pool=None if pool is None else len(pool), **search.search_timings_)


def mean_of(runs: list[dict], dataset: str, method: str, key: str) -> float:
    """The mean of ``key`` over the runs of one method on one data set (NaN when there are none)."""
    values = [r[key] for r in runs if r["dataset"] == dataset and r["method"] == method]
    return float(np.mean(values)) if values else float("nan")


def summary_rows(runs: list[dict], datasets: list[str]) -> list[list[str]]:
    rows = []
    for dataset in datasets:
        for method in METHODS:
            mine = [r for r in runs if r["dataset"] == dataset and r["method"] == method]
            if not mine:
                continue

            def mean(key):
                return mean_of(runs, dataset, method, key)

            acc = [r["accuracy"] for r in mine]
            overhead = mean("overhead_s")
            rows.append([
                dataset, method, f"{np.mean(acc):.4f} ± {np.std(acc):.4f}", f"{mean('wall_s'):.0f}",
                f"{mean('training_s'):.0f}", f"{mean('refit_s'):.0f}",
                f"{overhead:.0f} ({overhead / mean('wall_s'):.0%})",
                f"{mean('proxies_s'):.0f} / {mean('setup_s'):.0f} / {mean('propose_s'):.0f}",
                "–" if mine[0]["pool"] is None else f"{mean('pool'):.0f}",
            ])
    return rows


def verdicts(runs: list[dict], datasets: list[str]) -> list[str]:
    lines = []
    for dataset in datasets:
        def mean(method, key):
            return mean_of(runs, dataset, method, key)

        ponas_acc, ponas_wall = mean("POnasSearch", "accuracy"), mean("POnasSearch", "wall_s")
        best_acc = max(mean("RandomSearch", "accuracy"), mean("EvolutionSearch", "accuracy"))
        base_wall = min(mean("RandomSearch", "wall_s"), mean("EvolutionSearch", "wall_s"))
        fraction = mean("POnasSearch", "overhead_s") / ponas_wall
        lines.append(
            f"- {dataset}: POnasSearch test accuracy {ponas_acc:.4f} against the better baseline's {best_acc:.4f} "
            f"({'at least' if ponas_acc >= best_acc else 'below'}); wall {ponas_wall / base_wall:.2f}× the faster "
            f"baseline's (target ≤ {WALL_RATIO}); overhead {fraction:.0%} of its wall (target ≤ "
            f"{OVERHEAD_FRACTION:.0%})"
        )
    return lines


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default="digits", help="digits and/or mnist, comma-separated")
    parser.add_argument("--methods", default=",".join(METHODS), help="a comma-separated subset of: "
                        + ", ".join(METHODS))
    parser.add_argument("--budget", type=int, default=20)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--final-epochs", type=int, default=20)
    parser.add_argument("--seeds", default="0,1,2,3,4")
    parser.add_argument("--evolution-population", type=int, default=None,
                        help="EvolutionSearch's population_size, with tournament_size 3 (default: its own, 10; "
                        "below 10 for budgets under 20, else evolution never starts)")
    parser.add_argument("--jobs", type=int, default=2, help="runs at a time (one torch thread each)")
    parser.add_argument("--quick", action="store_true", help="print only, write nothing")
    parser.add_argument("--out", default=None, help="the report's file name in benchmarks/ (default: "
                        "ponas_real_data.md for digits, ponas_real_data_<datasets>.md otherwise)")
    args = parser.parse_args(argv)
    datasets = args.datasets.split(",")
    methods = [m.strip() for m in args.methods.split(",")]
    seeds = [int(s) for s in args.seeds.split(",")]
    settings = dict(budget=args.budget, epochs=args.epochs, final_epochs=args.final_epochs)
    specs = dict(METHODS)
    if args.evolution_population is not None:
        specs["EvolutionSearch"] = ("EvolutionSearch", dict(population_size=args.evolution_population,
                                                            tournament_size=3))
    header = environment_lines(sys.argv)
    start = time.perf_counter()
    jobs = [(d, m, s) for d in datasets for s in seeds for m in methods]
    runs = []
    for run in Parallel(n_jobs=args.jobs, return_as="generator")(
        delayed(one_run)(d, m, s, settings, specs[m]) for d, m, s in jobs
    ):
        runs.append(run)
        print(f"{run['dataset']} {run['method']} seed {run['seed']}: {run['accuracy']:.4f} in "
              f"{run['wall_s']:.0f} s (overhead {run['overhead_s']:.0f} s)", file=sys.stderr, flush=True)
    elapsed = time.perf_counter() - start
    text = "\n".join([
        "# POnasSearch on real images: same budget and epochs as the baselines",
        "",
        *header,
        f"- every search: budget {args.budget}, {args.epochs} epochs per candidate, refit {args.final_epochs} "
        f"epochs, default cell space, one torch thread, {args.jobs} runs at a time; seeds {args.seeds} "
        f"(the seed draws the split and the search); total {elapsed / 60:.1f} min",
        "- overhead: everything but candidate training and the refit; its parts are the proxies, "
        "`setup_s` (pool proxies + encoder pre-training) and `propose_s` (online fits, breeding, offspring "
        "proxies); the proxies are counted in both",
        "",
        markdown_table(
            ["data", "method", "test accuracy", "wall s", "training s", "refit s", "overhead s",
             "proxies / setup / propose s", "pool"],
            summary_rows(runs, datasets), "llrrrrrrr",
        ),
        "",
        *verdicts(runs, datasets),
        "",
        "Runs (accuracy, wall s, overhead s):",
        "",
        *[f"- {r['dataset']} {r['method']} seed {r['seed']}: {r['accuracy']:.4f}, {r['wall_s']:.0f}, "
          f"{r['overhead_s']:.0f}" for r in runs],
    ])
    if args.quick:
        print(text)
        return
    name = "ponas_real_data" if datasets == ["digits"] else "ponas_real_data_" + "_".join(datasets)
    write_report(text, HERE / (args.out or f"{name}.md"))


if __name__ == "__main__":
    main(sys.argv[1:])
