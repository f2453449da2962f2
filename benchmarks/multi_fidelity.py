"""Multi-fidelity (successive halving, ``min_epochs``) against full-fidelity training at equal budget.

With ``--multi-budget`` the multi-fidelity searches train that many candidates instead, to
spend the time halving saves on more candidates as Hyperband users do (on digits, 50 against 20
took 0.68–0.74× the wall: ``multi_fidelity_budget50.md``).

Each search trains ``--budget`` candidates of the default cell space on 80 % of the training
split (20 % validation), refits the winner for ``--final-epochs`` on all of it, and is scored on
the held-out test split: scikit-learn's digits as 8×8 images (75/25 stratified) or the MNIST
subset (4,000 / 1,000). Full fidelity trains every candidate for ``--epochs``; multi-fidelity
passes ``min_epochs=--min-epochs``: brackets of candidates train for the rungs of
``sknas.evaluation.halving_rungs`` (10 epochs from 1: 1, 3, 10), the best third of each rung
going on. The same strategies, budgets, seeds and splits on both sides; runs go ``--jobs`` at a
time, one torch thread each. Writes ``multi_fidelity.md`` (digits) or ``multi_fidelity_<datasets>.md``.

    python benchmarks/multi_fidelity.py --seeds 0,1,2,3,4,5,6,7,8,9   # digits (~20 min on 2 cores)
    python benchmarks/multi_fidelity.py --datasets mnist --strategies RandomSearch --budget 10 --epochs 9 \
        --final-epochs 10 --seeds 0,1,2                          # ~20 min on 2 cores
    python benchmarks/multi_fidelity.py --strategies RandomSearch,POnasSearch --multi-budget 50 \
        --seeds 0,1,2,3,4,5,6,7,8,9   # multi_fidelity_budget50.md (86 min on 2 shared cores)
    python benchmarks/multi_fidelity.py --budget 4 --epochs 3 --final-epochs 1 --seeds 0 --quick
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np
from joblib import Parallel, delayed

from _report import HERE, environment_lines, markdown_table, write_report
from ponas_real_data import fit_on_split, mean_of
from sknas.evaluation import halving_rungs

STRATEGIES = ("RandomSearch", "EvolutionSearch", "POnasSearch")

#: The issue's target: the same or better test accuracy in at most this share of the wall time.
WALL_SHARE = 0.5


def one_run(dataset: str, strategy: str, fidelity: str, seed: int, settings: dict, min_epochs: int,
            multi_budget: int) -> dict:
    """Fit one search on one split (multi-fidelity with ``multi_budget`` candidates); its test
    accuracy, wall time and the epochs its candidates reached."""
    if fidelity == "multi":
        settings = {**settings, "budget": multi_budget, "min_epochs": min_epochs}
    search, accuracy, wall = fit_on_split(dataset, strategy, seed, **settings)
    epochs = search.results_["epochs"]
    return dict(dataset=dataset, method=f"{strategy} {fidelity}", seed=seed, accuracy=accuracy, wall_s=wall,
                full_trained=int(sum(e == settings["epochs"] for e in epochs)),
                epochs_reached=float(np.nansum(epochs)), best_val=search.best_score_,
                **search.search_timings_)


def summary_rows(runs: list[dict], datasets: list[str], strategies: list[str]) -> list[list[str]]:
    rows = []
    for dataset in datasets:
        for strategy in strategies:
            full_wall = mean_of(runs, dataset, f"{strategy} full", "wall_s")
            for fidelity in ("full", "multi"):
                method = f"{strategy} {fidelity}"
                accuracies = [r["accuracy"] for r in runs if r["dataset"] == dataset and r["method"] == method]
                if not accuracies:
                    continue

                def mean(key):
                    return mean_of(runs, dataset, method, key)

                rows.append([
                    dataset, strategy, fidelity, f"{np.mean(accuracies):.4f} ± {np.std(accuracies):.4f}",
                    f"{mean('wall_s'):.0f}", f"{mean('wall_s') / full_wall:.2f}", f"{mean('training_s'):.0f}",
                    f"{mean('refit_s'):.0f}", f"{mean('overhead_s'):.0f}", f"{mean('epochs_reached'):.0f}",
                    f"{mean('full_trained'):.1f}",
                ])
    return rows


def verdicts(runs: list[dict], datasets: list[str], strategies: list[str], equal_budget: bool) -> list[str]:
    lines = []
    for dataset in datasets:
        for strategy in strategies:
            def mean(fidelity, key):
                return mean_of(runs, dataset, f"{strategy} {fidelity}", key)

            acc_full, acc_multi = mean("full", "accuracy"), mean("multi", "accuracy")
            share = mean("multi", "wall_s") / mean("full", "wall_s")
            if np.isnan(share):
                continue
            verdict = (f" ({'met' if share <= WALL_SHARE and acc_multi >= acc_full else 'not met'}: target same "
                       f"or better in ≤ {WALL_SHARE}× at equal budget)") if equal_budget else ""
            lines.append(
                f"- {dataset}, {strategy}: multi-fidelity test accuracy {acc_multi:.4f} against {acc_full:.4f} "
                f"({'same or better' if acc_multi >= acc_full else 'below'}), wall {share:.2f}×{verdict}"
            )
    return lines


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default="digits", help="digits and/or mnist, comma-separated")
    parser.add_argument("--strategies", default=",".join(STRATEGIES), help="estimators, comma-separated")
    parser.add_argument("--budget", type=int, default=20)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--multi-budget", type=int, default=None,
                        help="candidates of the multi-fidelity searches (default: --budget)")
    parser.add_argument("--min-epochs", type=int, default=1)
    parser.add_argument("--final-epochs", type=int, default=20)
    parser.add_argument("--seeds", default="0,1,2,3,4")
    parser.add_argument("--jobs", type=int, default=2, help="runs at a time (one torch thread each)")
    parser.add_argument("--quick", action="store_true", help="print only, write nothing")
    args = parser.parse_args(argv)
    datasets = args.datasets.split(",")
    strategies = [s.strip() for s in args.strategies.split(",")]
    seeds = [int(s) for s in args.seeds.split(",")]
    settings = dict(budget=args.budget, epochs=args.epochs, final_epochs=args.final_epochs)
    multi_budget = args.budget if args.multi_budget is None else args.multi_budget
    equal_budget = multi_budget == args.budget
    header = environment_lines(sys.argv)
    rungs = halving_rungs(args.epochs, args.min_epochs)
    start = time.perf_counter()
    jobs = [(d, m, f, s) for d in datasets for s in seeds for m in strategies for f in ("full", "multi")]
    runs = []
    for run in Parallel(n_jobs=args.jobs, return_as="generator")(
        delayed(one_run)(d, m, f, s, settings, args.min_epochs, multi_budget) for d, m, f, s in jobs
    ):
        runs.append(run)
        print(f"{run['dataset']} {run['method']} seed {run['seed']}: {run['accuracy']:.4f} in "
              f"{run['wall_s']:.0f} s", file=sys.stderr, flush=True)
    elapsed = time.perf_counter() - start
    text = "\n".join([
        "# Multi-fidelity (successive halving) against full-fidelity training, "
        + ("equal budget" if equal_budget else f"budget {multi_budget} against {args.budget}"),
        "",
        *header,
        f"- every search: budget {args.budget}" + ("" if equal_budget else f" (multi-fidelity: {multi_budget})")
        + f", {args.epochs} epochs per full-fidelity candidate, refit "
        f"{args.final_epochs} epochs, default cell space, one torch thread, {args.jobs} runs at a time; seeds "
        f"{args.seeds} (the seed draws the split and the search); total {elapsed / 60:.1f} min",
        f"- multi-fidelity: `min_epochs={args.min_epochs}`, rungs of {', '.join(map(str, rungs))} epochs, "
        f"brackets of {3 ** (len(rungs) - 1)} candidates, the best third of each rung going on from its "
        "weights to the next (one cosine schedule over the full epochs; a rung is a snapshot of it)",
        "- `epochs reached`: the candidates' final epochs added up, which is every epoch the search trained (a "
        "promoted candidate's lower rungs are the start of its one training); `at full`: candidates "
        "trained for the full epochs; `wall ×`: the mean wall over the same strategy's full-fidelity mean",
        "",
        markdown_table(
            ["data", "strategy", "fidelity", "test accuracy", "wall s", "wall ×", "training s", "refit s",
             "overhead s", "epochs reached", "at full"],
            summary_rows(runs, datasets, strategies), "lllrrrrrrrr",
        ),
        "",
        *verdicts(runs, datasets, strategies, equal_budget),
        "",
        "Runs (test accuracy, wall s, best validation accuracy):",
        "",
        *[f"- {r['dataset']} {r['method']} seed {r['seed']}: {r['accuracy']:.4f}, {r['wall_s']:.0f}, "
          f"{r['best_val']:.4f}" for r in runs],
    ])
    if args.quick:
        print(text)
        return
    name = "multi_fidelity" if datasets == ["digits"] else "multi_fidelity_" + "_".join(datasets)
    name += "" if equal_budget else f"_budget{multi_budget}"
    write_report(text, HERE / f"{name}.md")


if __name__ == "__main__":
    main(sys.argv[1:])
