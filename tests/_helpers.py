"""Helpers shared by several test modules (import them as ``from _helpers import ...``)."""

from __future__ import annotations

import pytest

from sknas.spaces import CellSpace

SMALL_CELLS = CellSpace(channels=4, cells_per_stage=1)


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
