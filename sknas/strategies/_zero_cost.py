"""Zero-cost ranking: evaluate a pool's architectures in the order of a training-free score."""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from ..proxies import ZERO_COST_PROXIES, combine_scores
from ..spaces import Architecture
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

    The score of each pool member combines its proxy scores (given to ``setup``; computed
    on the user's data, or read from a benchmark table): by default the mean of the
    min-max normalised proxies (:func:`sknas.proxies.combine_scores`). Ties keep the order
    of the pool. The ranking is deterministic: the generator is not used.

    Parameters
    ----------
    combine : callable or None, default=None
        ``combine(proxy_scores) -> ndarray (len(pool),)``, higher is better; None uses
        :func:`sknas.proxies.combine_scores`.

    Examples
    --------
    >>> import numpy as np
    >>> from sknas.spaces import MLPSpace
    >>> from sknas.strategies import ZeroCostRanking
    >>> space = MLPSpace()
    >>> pool = space.sample_pool(3, np.random.default_rng(0))
    >>> strategy = ZeroCostRanking().setup(space, np.random.default_rng(0), pool=pool,
    ...                                    proxy_scores=[[0.2], [np.nan], [0.9]])
    >>> strategy.ask(3) == [pool[2], pool[0], pool[1]]
    True
    """

    requires = ("pool", "proxy_scores")
    proxies = ZERO_COST_PROXIES
    batch_invariant = True

    def __init__(self, combine: Callable[[np.ndarray], np.ndarray] | None = None):
        self.combine = combine

    def _bind(self, *, pool, proxy_scores, **context) -> None:
        raw = np.asarray(proxy_scores, dtype=np.float64)
        if raw.ndim == 1:
            raw = raw[:, None]
        self.pool = list(pool)
        self.raw_scores = raw
        scores = (combine_scores if self.combine is None else self.combine)(raw)
        self.scores = np.asarray(scores, dtype=np.float64)
        self.ranking = rank_by_score(self.pool, self.scores)
        self._cursor = 0

    def propose(self) -> Architecture | None:
        while self._cursor < len(self.ranking) and self.ranking[self._cursor] in self.asked:
            self._cursor += 1
        return self.ranking[self._cursor] if self._cursor < len(self.ranking) else None
