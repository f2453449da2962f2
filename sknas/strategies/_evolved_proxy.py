"""Evolve a proxy on the first trained architectures, then follow its ranking."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..proxies import EvolvedProxy, evolve_proxy
from ..spaces import Architecture
from ._base import Strategy
from ._zero_cost import rank_by_score


class EvolvedProxyRanking(Strategy):
    """Train ``n_warmup`` random architectures, evolve a proxy on them, then rank by it.

    The first ``n_warmup`` proposals are random members of the pool. Once their results are
    in, genetic programming (:func:`sknas.proxies.evolve_proxy`) writes a formula over the
    pool's proxies whose ranking agrees best (Kendall τ) with the objectives seen, and the
    rest of the pool is proposed in the order of that formula.

    ``setup`` needs the ``pool``, its raw ``proxy_scores`` of shape
    (len(pool), len(proxy_names)) and the ``proxy_names`` of their columns; by default every
    available proxy is weighed. The generator draws the warm-up architectures and seeds the
    evolution.

    Parameters
    ----------
    n_warmup : int or None, default=None
        Random architectures evaluated before the proxy is evolved (at least 3); None uses
        half the ``budget`` given to ``setup`` (10 without one): half the budget trains
        random cells to evolve the proxy on, half follows its ranking.
    generations, population_size : int, default=20, 500
        Size of the evolution.

    Attributes
    ----------
    proxy : EvolvedProxy or None
        The evolved proxy, once the warm-up is evaluated (on a bound strategy).

    Examples
    --------
    >>> import numpy as np
    >>> from sknas.spaces import CellSpace
    >>> from sknas.strategies import EvolvedProxyRanking
    >>> space = CellSpace()
    >>> pool = space.sample_pool(30, np.random.default_rng(0))
    >>> scores = np.random.default_rng(1).random((30, 2))
    >>> strategy = EvolvedProxyRanking(n_warmup=5).setup(
    ...     space, np.random.default_rng(0), pool=pool, proxy_scores=scores, proxy_names=["synflow", "nwot"])
    >>> len(strategy.ask(5))
    5
    """

    requires = ("pool", "proxy_scores", "proxy_names")
    proxies = "all"

    def __init__(self, n_warmup: int | None = None, generations: int = 20, population_size: int = 500):
        self.n_warmup = n_warmup
        self.generations = generations
        self.population_size = population_size

    def _bind(self, *, pool, proxy_scores, proxy_names, budget=None, **context) -> None:
        self.pool = list(pool)
        self.names = tuple(proxy_names)
        self.scores = np.asarray(proxy_scores, dtype=np.float64)
        if self.scores.ndim == 1 and len(self.names) == 1:
            self.scores = self.scores[:, None]
        if self.scores.shape != (len(self.pool), len(self.names)):
            raise ValueError(
                f"proxy_scores must have shape (len(pool), len(proxy_names)) = ({len(self.pool)}, {len(self.names)}); "
                f"got {self.scores.shape}"
            )
        if self.n_warmup is not None:
            n_warmup = int(self.n_warmup)
        else:
            n_warmup = int(budget) // 2 if budget is not None else 10
        self._n_warmup = max(3, n_warmup)
        self.proxy: EvolvedProxy | None = None
        self._row = {arch: i for i, arch in enumerate(self.pool)}
        self._ranking: list[Architecture] = []

    def _evolve(self) -> None:
        seen = [(self._row[a], y) for a, y in self.history if a in self._row and np.isfinite(y)]
        rows = [i for i, _ in seen]
        self.proxy = evolve_proxy(
            self.scores[rows], [y for _, y in seen], names=self.names, generations=int(self.generations),
            population_size=int(self.population_size), random_state=int(self.rng.integers(2**31 - 1)),
        )
        self._rank()

    def _rank(self) -> None:
        self._ranking = rank_by_score(self.pool, self.proxy.evaluate(self.scores))

    def propose(self) -> Architecture | None:
        if self.proxy is None:
            told = sum(1 for a, y in self.history if np.isfinite(y))
            if told >= self._n_warmup:
                self._evolve()
            else:
                open_rows = [a for a in self.pool if a not in self.asked]
                return open_rows[int(self.rng.integers(len(open_rows)))] if open_rows else None
        return next((a for a in self._ranking if a not in self.asked), None)

    def state_dict(self) -> dict[str, Any]:
        state = super().state_dict()
        state["proxy"] = self.proxy.to_json() if self.proxy is not None else None
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        self.proxy = EvolvedProxy.from_json(state["proxy"]) if state.get("proxy") else None
        if self.proxy is not None:
            self._rank()
