"""TransNAS-Bench-101 as benchmarks: 14 search problems (micro and macro space, seven tasks).

The tables shipped in ``data/`` hold every architecture's validation metric on each task
and the zero-cost proxies NAS-Bench-Suite-Zero computed for them where they could be
recovered (provenance in ``data/SOURCES.md``).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..spaces import TNB101MacroSpace, TNB101MicroSpace
from ._table_benchmark import TableBenchmark
from ._tables import DATA, read_table

#: The seven tasks and what their validation metric is (higher is better on all).
TASKS = {
    "class_scene": "top-1 accuracy (%)",
    "class_object": "top-1 accuracy (%)",
    "jigsaw": "top-1 accuracy (%)",
    "room_layout": "negative L2 loss",
    "segmentsemantic": "pixel accuracy (%)",
    "normal": "SSIM",
    "autoencoder": "SSIM",
}

#: The two spaces: their table and their space class.
SPACES = {
    "micro": ("tnb101_micro_val_zen_epe_synflow_fisher.csv.gz", TNB101MicroSpace),
    "macro": ("tnb101_macro_val_zen_epe_synflow_fisher.csv.gz", TNB101MacroSpace),
}

#: Proxy columns of the tables; a task has those with a value for every architecture.
PROXY_COLUMNS = ("zen", "epe_nas", "synflow", "fisher")


@lru_cache(maxsize=None)
def tnb101_table(space: str) -> dict[str, np.ndarray]:
    """All rows of one space's table (7 tasks × every architecture)."""
    return read_table(DATA / SPACES[space][0], key="tnb_arch_str")


class TNB101Benchmark(TableBenchmark):
    """One TransNAS-Bench-101 search problem: a space, a task, its metric and its proxies.

    The pool is the whole space (4,096 micro cells or 3,256 macro architectures); a query
    returns the task's validation metric; each run reports the found architecture's rank
    (1 = best), the figure published papers use. The proxies are those the task has:
    ``zen`` everywhere, ``epe_nas`` and ``synflow`` on class_scene, class_object, room_layout
    and jigsaw, ``fisher`` on class_object and jigsaw (see ``proxy_names``). The tables record
    no training time: runs report no search cost. Runs query 100 architectures unless told
    otherwise (``default_budget``), as RoBoT and PO-NAS do here.

    Parameters
    ----------
    space : {"micro", "macro"}, default="micro"
    task : str, default="class_scene"
        One of class_scene, class_object, jigsaw, room_layout, segmentsemantic, normal,
        autoencoder.

    Examples
    --------
    >>> from sknas.bench import TNB101Benchmark
    >>> bench = TNB101Benchmark("micro", "jigsaw")
    >>> len(bench.pool), bench.proxy_names
    (4096, ('zen', 'epe_nas', 'synflow', 'fisher'))
    >>> bench.rank(bench.best_objective_arch())
    1
    """

    default_budget = 100

    def __init__(self, space: str = "micro", task: str = "class_scene"):
        if space not in SPACES:
            raise ValueError(f"unknown TransNAS-Bench-101 space {space!r}; use 'micro' or 'macro'")
        if task not in TASKS:
            raise ValueError(f"unknown TransNAS-Bench-101 task {task!r}; use one of {', '.join(TASKS)}")
        self.search_space = space
        self.task = task
        table = tnb101_table(space)
        rows = table["task"] == task
        column = {name: values[rows] for name, values in table.items()}
        parser = SPACES[space][1]()
        pool = [parser.parse(s) for s in column["tnb_arch_str"]]
        proxies = {name: column[name] for name in PROXY_COLUMNS if not np.isnan(column[name]).any()}
        super().__init__(parser, pool, column["val_accuracy"], proxies=proxies,
                         name=f"tnb101-{space}-{task}", objective_name=f"{task} validation {TASKS[task]}")
        self.proxy_source = f"NAS-Bench-Suite-Zero, {space} {task}"
