"""Tables and plots of harness runs, beside the figures the papers published."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

#: Published NAS-Bench-201 test accuracies (%) from ALGORITHMS.md: PO-NAS, RoBoT and the
#: baselines as reported by them, and the benchmark's optimum.
PUBLISHED = {
    "ponas": {"cifar10": 94.12, "cifar100": 73.51, "ImageNet16-120": 46.71},
    "robot": {"cifar10": 94.36, "cifar100": 73.51, "ImageNet16-120": 46.34},
    "evolution": {"cifar10": 93.92, "cifar100": 71.84, "ImageNet16-120": 45.15},
    "reinforce": {"cifar10": 93.85, "cifar100": 71.71, "ImageNet16-120": 45.24},
    "random": {"cifar10": 93.70, "cifar100": 71.04, "ImageNet16-120": 44.57},
    "optimum": {"cifar10": 94.37, "cifar100": 73.51, "ImageNet16-120": 47.31},
}


def _mean_std(summary: dict, key: str, digits: int = 2) -> str:
    s = summary[key]
    if s["mean"] is None:
        return "—"
    return f"{s['mean']:.{digits}f} ± {s['std']:.{digits}f}"


def markdown_table(records: Sequence[dict]) -> str:
    """A markdown table of run records (from :func:`sknas.bench.run`), one row per record.

    Columns: strategy, benchmark, protocol, budget, seeds, test accuracy (mean ± std),
    queries until the pool's best cell was found (mean over the runs that found it, and how
    many did), search cost (s of 12-epoch training) and wall time per run.
    """
    header = (
        "| strategy | benchmark | protocol | budget | seeds | test accuracy (%) | queries to best "
        "| search cost (s) | wall per run (s) |\n|:--|:--|:--|--:|--:|--:|--:|--:|--:|"
    )
    lines = [header]
    for r in records:
        s = r["summary"]
        found = s["queries_to_best"]["found"]
        to_best = (
            f"{s['queries_to_best']['mean']:.1f} ({found}/{len(r['runs'])})" if found else "not found"
        )
        lines.append(
            f"| {r['strategy']} | {r['benchmark']} | {r['protocol']} | {r['budget']} | {len(r['runs'])} "
            f"| {_mean_std(s, 'test_accuracy')} | {to_best} | {s['search_cost_s']['mean']:.0f} "
            f"| {s['wall_s']['mean']:.3f} |"
        )
    return "\n".join(lines)


def published_table(datasets: Sequence[str]) -> str:
    """The published test accuracies (%) of ALGORITHMS.md for ``datasets``, as markdown."""
    datasets = list(datasets)
    lines = [
        "| published | " + " | ".join(f"nb201-{d}" for d in datasets) + " |",
        "|:--|" + "--:|" * len(datasets),
    ]
    for name, figures in PUBLISHED.items():
        lines.append(f"| {name} | " + " | ".join(f"{figures[d]:.2f}" for d in datasets) + " |")
    return "\n".join(lines)


def plot_best_so_far(records: Sequence[dict], path: str | Path | None = None, published: bool = True):
    """Best-so-far test accuracy against queries: mean over seeds with a ±1 std band.

    One panel per data set; the published figures of ALGORITHMS.md are drawn as labelled
    dashed reference lines. Needs matplotlib (``pip install matplotlib``).

    Returns
    -------
    figure : matplotlib.figure.Figure
        Also saved to ``path`` when given.
    """
    try:
        import matplotlib

        if path is not None:
            matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError("plotting needs matplotlib: pip install matplotlib") from None
    datasets = list(dict.fromkeys(r["dataset"] for r in records))
    figure, axes = plt.subplots(1, len(datasets), figsize=(6 * len(datasets), 4.5), squeeze=False)
    for ax, dataset in zip(axes[0], datasets):
        for r in (r for r in records if r["dataset"] == dataset):
            curves = [run["best_so_far_test_accuracy"] for run in r["runs"]]
            length = min(len(c) for c in curves)
            if length == 0:
                continue
            values = np.array([c[:length] for c in curves])
            x = np.arange(1, length + 1)
            label = f"{r['strategy']} ({r['protocol']}, {len(curves)} seeds)"
            (line,) = ax.plot(x, values.mean(0), label=label)
            ax.fill_between(x, values.mean(0) - values.std(0), values.mean(0) + values.std(0),
                            color=line.get_color(), alpha=0.15)
        if published:
            for name, figures in PUBLISHED.items():
                ax.axhline(figures[dataset], linestyle="--", linewidth=0.8, color="grey")
                ax.annotate(f"{name} (published)", (1, figures[dataset]), fontsize=7, color="grey",
                            xytext=(2, 2), textcoords="offset points")
        ax.set_title(f"NAS-Bench-201 {dataset}")
        ax.set_xlabel("queries")
        ax.set_ylabel("test accuracy of the best queried cell (%)")
        ax.legend(fontsize=7, loc="lower right")
    figure.tight_layout()
    if path is not None:
        figure.savefig(path, dpi=120)
    return figure
