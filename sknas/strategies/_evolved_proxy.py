"""Evolve a proxy on the first trained architectures, then follow its ranking."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ..proxies import EvolvedProxy, evolve_proxy
from ..spaces import Architecture, SearchSpace
from ._base import Strategy
from ._zero_cost import rank_by_score


class EvolvedProxyRanking(Strategy):
    """Train ``n_warmup`` random architectures, evolve a proxy on them, then rank by it.

    The first ``n_warmup`` proposals are random members of the pool. Once their results are
    in, genetic programming (:func:`sknas.proxies.evolve_proxy`) writes a formula over the
    pool's proxies whose ranking agrees best (Kendall τ) with the objectives seen, and the
    rest of the pool is proposed in the order of that formula.

    Parameters
    ----------
    space : SearchSpace
        The space of the pool.
    rng : numpy.random.Generator
        Draws the warm-up architectures and seeds the evolution.
    pool : sequence of Architecture
        Candidates.
    proxy_scores : array-like of shape (len(pool), len(names))
        Raw proxy values of the pool.
    names : sequence of str
        The proxies of the columns of ``proxy_scores``.
    n_warmup : int, default=10
        Random architectures evaluated before the proxy is evolved (at least 3).
    generations, population_size : int, default=20, 500
        Size of the evolution.

    Attributes
    ----------
    proxy : EvolvedProxy or None
        The evolved proxy, once the warm-up is evaluated.
    """

    def __init__(
        self,
        space: SearchSpace,
        rng: np.random.Generator,
        pool: Sequence[Architecture],
        proxy_scores,
        names: Sequence[str],
        n_warmup: int = 10,
        generations: int = 20,
        population_size: int = 500,
    ):
        super().__init__(space, rng)
        self.pool = list(pool)
        self.scores = np.asarray(proxy_scores, dtype=np.float64)
        if self.scores.shape != (len(self.pool), len(names)):
            raise ValueError(
                f"proxy_scores must have shape (len(pool), len(names)) = ({len(self.pool)}, {len(names)}); "
                f"got {self.scores.shape}"
            )
        self.names = tuple(names)
        self.n_warmup = max(3, int(n_warmup))
        self.generations = int(generations)
        self.population_size = int(population_size)
        self.proxy: EvolvedProxy | None = None
        self._row = {arch: i for i, arch in enumerate(self.pool)}
        self._ranking: list[Architecture] = []

    def _evolve(self) -> None:
        seen = [(self._row[a], y) for a, y in self.history if a in self._row and np.isfinite(y)]
        rows = [i for i, _ in seen]
        self.proxy = evolve_proxy(
            self.scores[rows], [y for _, y in seen], names=self.names, generations=self.generations,
            population_size=self.population_size, random_state=int(self.rng.integers(2**31 - 1)),
        )
        self._rank()

    def _rank(self) -> None:
        self._ranking = rank_by_score(self.pool, self.proxy.evaluate(self.scores))

    def propose(self) -> Architecture | None:
        if self.proxy is None:
            told = sum(1 for a, y in self.history if np.isfinite(y))
            if told >= self.n_warmup:
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
