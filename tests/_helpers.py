"""Helpers shared by several test modules (import them as ``from _helpers import ...``)."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from sknas.spaces import CellSpace

SMALL_CELLS = CellSpace(channels=4, cells_per_stage=1)

#: From SOURCES.md: the best cell by 12-epoch CIFAR-10 validation accuracy (index 13714).
BEST_CELL = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_1x1~1|nor_conv_3x3~2|"
#: Node 2 feeds nothing (its edge to node 3 is none): left out of the suite's tables.
CUT_OFF_CELL = "|avg_pool_3x3~0|+|avg_pool_3x3~0|avg_pool_3x3~1|+|avg_pool_3x3~0|avg_pool_3x3~1|none~2|"


def nb201_strings(n: int, seed: int = 0) -> list[str]:
    """``n`` different NAS-Bench-201 cell strings, drawn at random from all 15,625."""
    cells = list(CellSpace().enumerate())
    chosen = np.random.default_rng(seed).choice(len(cells), n, replace=False)
    return [str(cells[i]) for i in chosen]


def write_csv(path, header, rows):
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


class InterruptAt:
    """A callback that presses Ctrl-C after the ``n``-th evaluation."""

    def __init__(self, n):
        self.n, self.seen = n, 0

    def on_candidate_end(self, search, architecture, result):
        self.seen += 1
        if self.seen == self.n:
            raise KeyboardInterrupt


def interrupted_fit(search, X, y):
    with pytest.warns(RuntimeWarning, match="search interrupted after"):
        return search.fit(X, y)
