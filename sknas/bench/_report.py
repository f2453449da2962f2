"""Tables and plots of harness runs, beside the figures the papers published."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from ._tnb101 import TASKS

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


def _by_task(means, stds) -> dict:
    """``{task: (mean, std)}`` of figures given in the order of :data:`TASKS`."""
    return {task: (float(m), float(s)) for task, m, s in zip(TASKS, means, stds)}


#: Published TransNAS-Bench-101 ranks (mean, std over 10 runs, 100 queries; RoBoT, ICLR 2024,
#: Table 3, as read in ``data/SOURCES.md``) by benchmark name and method. RoBoT used other
#: proxy data than the tables shipped here; REA and RS use none, so theirs compare directly.
PUBLISHED_TNB101_RANKS = {
    "tnb101-micro": {
        "REA": _by_task((26, 23, 24, 28, 22, 22, 18), (22, 28, 22, 23, 28, 20, 16)),
        "RS": _by_task((40, 34, 57, 42, 41, 43, 49), (35, 32, 67, 43, 40, 41, 51)),
        "RoBoT (other proxies)": _by_task((2, 1, 17, 17, 4, 8, 66), (0, 0, 5, 34, 1, 8, 70)),
    },
    "tnb101-macro": {
        "REA": _by_task((23, 22, 21, 21, 17, 23, 19), (24, 21, 16, 20, 20, 22, 17)),
        "RS": _by_task((35, 26, 33, 29, 33, 26, 31), (32, 24, 39, 29, 38, 23, 26)),
        "RoBoT (other proxies)": _by_task((1, 6, 3, 6, 2, 2, 5), (0, 3, 1, 6, 2, 0, 1)),
    },
}


def published_ranks(benchmark: str) -> dict[str, tuple[float, float]]:
    """``{method: (mean, std)}`` of the published ranks at 100 queries on a TransNAS-Bench-101
    benchmark such as ``"tnb101-micro-jigsaw"``; empty for other benchmarks.

    Parameters
    ----------
    benchmark : str
        The command-line name of a benchmark.

    Returns
    -------
    dict of str to tuple of (float, float)
        The mean and the standard deviation of the published rank of each method, by method.
    """
    for prefix, methods in PUBLISHED_TNB101_RANKS.items():
        if benchmark.startswith(prefix + "-"):
            task = benchmark[len(prefix) + 1:]
            return {method: ranks[task] for method, ranks in methods.items() if task in ranks}
    return {}


def _mean_std(summary: dict, key: str, digits: int = 2) -> str:
    s = summary[key]
    if s["mean"] is None:
        return "—"
    return f"{s['mean']:.{digits}f} ± {s['std']:.{digits}f}"


def markdown_table(records: Sequence[dict]) -> str:
    """A markdown table of run records (from :func:`sknas.bench.run`), one row per record.

    On NAS-Bench-201 the columns are: strategy, benchmark, protocol, budget, seeds, test
    accuracy (mean ± std), queries until the pool's best cell was found (mean over the runs
    that found it, and how many did), search cost (s of 12-epoch training) and wall time per
    run. On other benchmarks the rank of the architecture found (1 = best) and its objective
    replace the test accuracy and the protocol; the search cost shows when the table has one.

    Parameters
    ----------
    records : sequence of dict
        Records of :func:`sknas.bench.run`.

    Returns
    -------
    str
        The markdown table: a header row, a separator row and one row per record.
    """
    nb201 = all("test_accuracy" in r["summary"] for r in records)
    if nb201:
        header = ("| strategy | benchmark | protocol | budget | seeds | test accuracy (%) | queries to best "
                  "| search cost (s) | wall per run (s) |\n|:--|:--|:--|--:|--:|--:|--:|--:|--:|")
    else:
        header = ("| strategy | benchmark | budget | seeds | rank found | objective found | queries to best "
                  "| search cost (s) | wall per run (s) |\n|:--|:--|--:|--:|--:|--:|--:|--:|--:|")
    lines = [header]
    for r in records:
        s = r["summary"]
        found = s["queries_to_best"]["found"]
        to_best = (
            f"{s['queries_to_best']['mean']:.1f} ({found}/{len(r['runs'])})" if found else "not found"
        )
        cost = "—" if s["search_cost_s"]["mean"] is None else f"{s['search_cost_s']['mean']:.0f}"
        if nb201:
            figures = f"{r['protocol']} | {r['budget']} | {len(r['runs'])} | {_mean_std(s, 'test_accuracy')}"
        else:
            figures = (f"{r['budget']} | {len(r['runs'])} | {_mean_std(s, 'rank', 1)} "
                       f"| {_mean_std(s, 'objective', 3)}")
        lines.append(f"| {r['strategy']} | {r['benchmark']} | {figures} | {to_best} | {cost} "
                     f"| {s['wall_s']['mean']:.3f} |")
    return "\n".join(lines)


def published_table(datasets: Sequence[str]) -> str:
    """The published test accuracies (%) of ALGORITHMS.md for ``datasets``, as markdown.

    Parameters
    ----------
    datasets : sequence of str
        NAS-Bench-201 data sets, from ``"cifar10"``, ``"cifar100"`` and ``"ImageNet16-120"``.

    Returns
    -------
    str
        The markdown table: one row per published method, one column per data set.
    """
    datasets = list(datasets)
    lines = [
        "| published | " + " | ".join(f"nb201-{d}" for d in datasets) + " |",
        "|:--|" + "--:|" * len(datasets),
    ]
    for name, figures in PUBLISHED.items():
        lines.append(f"| {name} | " + " | ".join(f"{figures[d]:.2f}" for d in datasets) + " |")
    return "\n".join(lines)


def published_ranks_table(benchmarks: Sequence[str]) -> str:
    """The published TransNAS-Bench-101 ranks (mean ± std) of ``benchmarks``, as markdown.

    Parameters
    ----------
    benchmarks : sequence of str
        Command-line names of benchmarks; those without published ranks are left out.

    Returns
    -------
    str
        The markdown table: one row per published method, one column per benchmark; empty
        when no benchmark has published ranks.
    """
    benchmarks = [b for b in benchmarks if published_ranks(b)]
    if not benchmarks:
        return ""
    methods = list(dict.fromkeys(m for b in benchmarks for m in published_ranks(b)))
    lines = ["| published rank, 100 queries | " + " | ".join(benchmarks) + " |", "|:--|" + "--:|" * len(benchmarks)]
    for method in methods:
        cells = []
        for b in benchmarks:
            mean, std = published_ranks(b).get(method, (None, None))
            cells.append("—" if mean is None else f"{mean:.0f} ± {std:.0f}")
        lines.append(f"| {method} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def plot_best_so_far(records: Sequence[dict], path: str | Path | None = None, published: bool = True):
    """Best-so-far figure against queries: mean over seeds with a ±1 std band.

    One panel per benchmark. On NAS-Bench-201 the figure is the test accuracy, with the
    published figures of ALGORITHMS.md drawn as labelled dashed reference lines; elsewhere it
    is the rank of the best queried architecture (log scale, 1 = best). Needs matplotlib
    (``pip install matplotlib``).

    Parameters
    ----------
    records : sequence of dict
        Records of :func:`sknas.bench.run`.
    path : str or pathlib.Path or None, default=None
        Where to save the figure; None only returns it.
    published : bool, default=True
        Whether to draw the published NAS-Bench-201 figures as reference lines.

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
    benchmarks = list(dict.fromkeys(r["benchmark"] for r in records))
    figure, axes = plt.subplots(1, len(benchmarks), figsize=(6 * len(benchmarks), 4.5), squeeze=False)
    for ax, benchmark in zip(axes[0], benchmarks):
        chosen = [r for r in records if r["benchmark"] == benchmark]
        accuracy = all("best_so_far_test_accuracy" in run for r in chosen for run in r["runs"])
        key = "best_so_far_test_accuracy" if accuracy else "best_so_far_rank"
        for r in chosen:
            curves = [run[key] for run in r["runs"]]
            length = min(len(c) for c in curves)
            if length == 0:
                continue
            values = np.array([c[:length] for c in curves], dtype=np.float64)
            x = np.arange(1, length + 1)
            protocol = f"{r['protocol']}, " if r.get("protocol") else ""
            (line,) = ax.plot(x, values.mean(0), label=f"{r['strategy']} ({protocol}{len(curves)} seeds)")
            ax.fill_between(x, values.mean(0) - values.std(0), values.mean(0) + values.std(0),
                            color=line.get_color(), alpha=0.15)
        dataset = chosen[0]["dataset"]
        if published and accuracy and dataset in PUBLISHED["optimum"]:
            for name, figures in PUBLISHED.items():
                ax.axhline(figures[dataset], linestyle="--", linewidth=0.8, color="grey")
                ax.annotate(f"{name} (published)", (1, figures[dataset]), fontsize=7, color="grey",
                            xytext=(2, 2), textcoords="offset points")
        if not accuracy:
            ax.set_yscale("log")
            ax.invert_yaxis()
        ax.set_title(benchmark)
        ax.set_xlabel("queries")
        ax.set_ylabel("test accuracy of the best queried cell (%)" if accuracy
                      else "rank of the best queried architecture (1 = best)")
        ax.legend(fontsize=7, loc="lower right")
    figure.tight_layout()
    if path is not None:
        figure.savefig(path, dpi=120)
    return figure
