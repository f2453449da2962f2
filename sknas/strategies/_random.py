"""Random search."""

from __future__ import annotations

import numpy as np

from ..spaces import Architecture
from ._base import Strategy

#: Random draws tried for one proposal before a constrained random search gives up.
MAX_FEASIBLE_TRIES = 1000


class RandomStrategy(Strategy):
    """Proposes architectures uniformly at random, never the same one twice.

    With hardware ``costs`` and ``bounds`` given to ``setup``, only architectures whose
    costs meet the bounds are proposed (uniformly among them), and none after
    ``MAX_FEASIBLE_TRIES`` infeasible draws in a row.

    Examples
    --------
    >>> import numpy as np
    >>> from sknas.spaces import CellSpace
    >>> from sknas.strategies import RandomStrategy
    >>> strategy = RandomStrategy().setup(CellSpace(), np.random.default_rng(0))
    >>> len(strategy.ask(3))
    3
    """

    batch_invariant = True

    def _bind(self, *, costs=None, bounds=None, **context) -> None:
        self._costs = costs
        self._bounds = None if costs is None or bounds is None else np.array(
            [np.inf if b is None else float(b) for b in bounds], dtype=np.float64)

    def feasible(self, arch: Architecture) -> bool:
        """Whether the costs of ``arch`` meet every bound (always, without bounds).

        Parameters
        ----------
        arch : Architecture
            The architecture to check.

        Returns
        -------
        feasible : bool
            True when every cost is at most its bound.
        """
        if self._bounds is None:
            return True
        return bool((np.asarray(self._costs(arch), dtype=np.float64) <= self._bounds).all())

    def propose(self) -> Architecture | None:
        if self._bounds is None:
            return self.sample_new()
        for _ in range(MAX_FEASIBLE_TRIES):
            arch = self.sample_new()
            if arch is None or self.feasible(arch):
                return arch
        return None
