"""Random search."""

from __future__ import annotations

from ..spaces import Architecture
from ._base import Strategy


class RandomStrategy(Strategy):
    """Proposes architectures uniformly at random, never the same one twice."""

    def propose(self) -> Architecture | None:
        return self.sample_new()
