"""Random search."""

from __future__ import annotations

from typing import Callable

import numpy as np

from ..spaces import Architecture, SearchSpace
from ._base import Strategy

#: Random draws tried for one proposal before a constrained random search gives up.
MAX_FEASIBLE_TRIES = 1000


class RandomStrategy(Strategy):
    """Proposes architectures uniformly at random, never the same one twice.

    Parameters
    ----------
    space : SearchSpace
    rng : numpy.random.Generator
    feasible : callable or None, default=None
        ``feasible(arch) -> bool``; when given, only feasible architectures are proposed
        (uniformly among them), and none after ``MAX_FEASIBLE_TRIES`` infeasible draws in a row.
    """

    def __init__(self, space: SearchSpace, rng: np.random.Generator,
                 feasible: Callable[[Architecture], bool] | None = None):
        super().__init__(space, rng)
        self.feasible = feasible

    def propose(self) -> Architecture | None:
        if self.feasible is None:
            return self.sample_new()
        for _ in range(MAX_FEASIBLE_TRIES):
            arch = self.sample_new()
            if arch is None or self.feasible(arch):
                return arch
        return None
