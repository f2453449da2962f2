"""Zero-cost ranking: evaluate a pool's architectures in the order of a training-free score."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from ..spaces import Architecture, SearchSpace
from ._base import Strategy


def rank_by_score(pool: Sequence[Architecture], scores) -> list[Architecture]:
    """``pool`` ordered by decreasing ``scores``; NaN scores last, ties in pool order."""
    scores = np.asarray(scores, dtype=np.float64)
    if scores.shape != (len(pool),):
        raise ValueError(f"scores has shape {scores.shape} but the pool holds {len(pool)} architectures")
    key = np.where(np.isnan(scores), -np.inf, scores)
    return [pool[i] for i in np.argsort(-key, kind="stable")]


class ZeroCostRanking(Strategy):
    """Proposes the architectures of a pool best score first; NaN scores come last.

    The scores are usually a combination of zero-cost proxies (computed on the user's data,
    or read from a benchmark table); the strategy does not care where they come from. Ties
    keep the order of the pool.

    Parameters
    ----------
    space : SearchSpace
        The space the pool belongs to.
    rng : numpy.random.Generator
        Unused (the ranking is deterministic); kept for the common interface.
    pool : sequence of Architecture
        Candidates.
    scores : array-like of shape (len(pool),)
        Higher is better.

    Examples
    --------
    >>> import numpy as np
    >>> from sknas.spaces import MLPSpace
    >>> from sknas.strategies import ZeroCostRanking
    >>> space = MLPSpace()
    >>> pool = space.sample_pool(3, np.random.default_rng(0))
    >>> strategy = ZeroCostRanking(space, np.random.default_rng(0), pool, [0.2, np.nan, 0.9])
    >>> strategy.ask(3) == [pool[2], pool[0], pool[1]]
    True
    """

    def __init__(
        self, space: SearchSpace, rng: np.random.Generator, pool: Sequence[Architecture], scores
    ):
        super().__init__(space, rng)
        self.ranking = rank_by_score(pool, scores)
        self._cursor = 0

    def propose(self) -> Architecture | None:
        while self._cursor < len(self.ranking) and self.ranking[self._cursor] in self.asked:
            self._cursor += 1
        return self.ranking[self._cursor] if self._cursor < len(self.ranking) else None

    def load_state_dict(self, state) -> None:
        super().load_state_dict(state)
        self._cursor = 0
