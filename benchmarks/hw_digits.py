"""Accuracy against latency on digits, measured on this CPU: the Pareto models of POnasSearch and RandomSearch.

Both searches train ``--budget`` cells of ``CellSpace(channels=8, cells_per_stage=1)`` for
``--epochs`` epochs on 80 % of 1,347 digits (20 % validation), with the latency of one
digit's forward pass (median of 10 × 3 passes after 3 warm-up passes, this machine's CPU,
2 torch threads) as the second objective. Every Pareto architecture is refitted on all the
training digits for ``--final-epochs`` and scored on 450 held-out test digits. The figure
of each search is the hypervolume of its Pareto models' (test error, latency) points, with
the reference point at the worst test error and latency of both searches' models plus 10 %
of their range, so both are scored alike. Writes ``hw_digits.md`` and ``hw_digits.png``.

    python benchmarks/hw_digits.py                       # ~2 min on 2 cores
    python benchmarks/hw_digits.py --budget 6 --quick
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from _report import HERE, environment_lines, markdown_table, seed_everything, write_report
from sknas import POnasSearch, RandomSearch
from sknas.hardware import hypervolume
from sknas.spaces import CellSpace


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=int, default=16)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--final-epochs", type=int, default=15)
    parser.add_argument("--n-candidates", type=int, default=60)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="print only, write nothing")
    args = parser.parse_args(argv)
    environment = environment_lines(sys.argv)
    torch.set_num_threads(2)
    seed_everything(args.seed)

    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)
    common = dict(space=CellSpace(channels=8, cells_per_stage=1), image_shape=(8, 8), budget=args.budget,
                  epochs=args.epochs, final_epochs=args.final_epochs, objectives=("accuracy", "latency_ms"),
                  device="cpu", random_state=args.seed)
    searches = {
        "POnasSearch": POnasSearch(n_candidates=args.n_candidates, **common),
        "RandomSearch": RandomSearch(**common),
    }
    fronts, walls = {}, {}
    for name, search in searches.items():
        start = time.perf_counter()
        search.fit(X_train, y_train)
        walls[name] = time.perf_counter() - start
        front = search.pareto_front_
        test_accuracy = (search.predict_front(X_test) == y_test).mean(axis=1)
        fronts[name] = (front, test_accuracy)
        print(f"{name}: {len(front['architecture'])} Pareto models in {walls[name]:.0f} s", file=sys.stderr)

    every = np.array([[1 - a, t] for front, acc in fronts.values() for a, t in zip(acc, front["latency_ms"])])
    span = every.max(axis=0) - every.min(axis=0)
    reference = every.max(axis=0) + 0.1 * np.where(span > 0, span, 1.0)
    summary, models = [], []
    for name, (front, test_accuracy) in fronts.items():
        points = np.column_stack([1 - test_accuracy, front["latency_ms"]])
        summary.append([name, args.budget, len(front["architecture"]), f"{hypervolume(points, reference):.4f}",
                        f"{test_accuracy.max():.4f}", f"{min(front['latency_ms']):.3f}", f"{walls[name]:.0f}"])
        for i, arch in enumerate(front["architecture"]):
            models.append([name, f"{front['latency_ms'][i]:.3f}", f"{front['objective'][i]:.4f}",
                           f"{test_accuracy[i]:.4f}", f"`{arch}`" + (" (predict)" if front["chosen"][i] else "")])

    text = "\n".join([
        "# Accuracy against latency on digits (this CPU)",
        "",
        *environment,
        "- objectives: validation accuracy, and the latency of one digit's forward pass measured on this CPU "
        "during the search (median of 10 × 3 passes after 3 warm-up passes); every Pareto model refitted on "
        "all 1,347 training digits and scored on 450 test digits; HV = hypervolume of the (test error, "
        "latency) points of a search's Pareto models, reference = the worst of both searches + 10% of the range",
        f"- budget {args.budget}, epochs {args.epochs}, final epochs {args.final_epochs}, POnasSearch pool "
        f"{args.n_candidates} (six PO-NAS proxies, evolution from the 10th query), seed {args.seed}",
        "",
        markdown_table(["search", "budget", "Pareto models", "HV (test error × latency)", "best test accuracy",
                        "fastest ms", "wall s"], summary, "lrrrrrr"),
        "",
        "Pareto models, cheapest first (latency measured during the search):",
        "",
        markdown_table(["search", "latency ms", "validation accuracy", "test accuracy", "cell"], models, "lrrrl"),
    ])
    if args.quick:
        print(text)
        return
    _plot(fronts, HERE / "hw_digits.png")
    write_report(text, HERE / "hw_digits.md")


def _plot(fronts, path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, ax = plt.subplots(figsize=(6, 4))
    for name, (front, test_accuracy) in fronts.items():
        order = np.argsort(front["latency_ms"])
        ax.step(np.array(front["latency_ms"])[order], test_accuracy[order], where="post", marker="o", label=name)
    ax.set_xlabel("latency of one digit on this CPU (ms)")
    ax.set_ylabel("test accuracy of the refitted Pareto model")
    ax.legend(loc="lower right")
    figure.tight_layout()
    figure.savefig(path, dpi=120)


if __name__ == "__main__":
    main(sys.argv[1:])
