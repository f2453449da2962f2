"""Local search, White, Nolen & Savani (UAI 2021): "Local search is state of the art for NAS benchmarks"."""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from numbers import Integral
from typing import Any

import numpy as np

from ..evaluation import EvaluationResult
from ..proxies import ZERO_COST_PROXIES, combine_scores
from ..spaces import Architecture
from ._base import Strategy

#: The orders in which the neighbours of the incumbent are evaluated.
ORDERS = ("random", "proxy")


class LocalSearchStrategy(Strategy):
    """Hill climbing over neighbourhoods, with random restarts at local optima.

    The first ``n_initial`` proposals are random. The best of them that succeeded becomes
    the *incumbent*, and its neighbours (``space.neighbours``) not asked before are
    proposed one by one; those asked before are not asked again, but their results count.
    When the neighbourhood is done, the search moves to the best architecture of the climb
    if it beats the incumbent, and evaluates that one's neighbours; otherwise the
    incumbent is a local optimum, and the search restarts from a random architecture,
    which becomes the incumbent of a new climb once its result is known (as in NASLib's
    implementation of White et al.). A failed evaluation (objective ``-inf``) never
    becomes an incumbent.

    In a batch (``ask(n)``, n > 1) the neighbours are taken in turn; when they run out
    within the batch, the move or restart is decided on what has been told so far (the
    results of the batch are not known yet): while no architecture of a new climb has
    succeeded, each further proposal is another random start, and the best of them that
    succeeds is the climb's incumbent.

    Parameters
    ----------
    n_initial : int, default=10
        Random architectures evaluated before the first climb starts from the best of them.
    order : {"random", "proxy"}, default="random"
        The order in which a neighbourhood is evaluated: random (from the bound generator),
        or best zero-cost score first. ``"proxy"`` needs ``pool`` and ``proxy_scores`` from
        ``setup``; the score of a pool member is the mean of its min-max normalised proxies
        (:func:`sknas.proxies.combine_scores`), and neighbours outside the pool or without
        a score come last, in random order. ``proxies`` (which the benchmark harness
        reads) is :data:`sknas.proxies.ZERO_COST_PROXIES` with ``"proxy"``, else None.

    Attributes
    ----------
    incumbent : Architecture or None
        The centre of the neighbourhood being evaluated; None before the first climb and
        after a restart, until an architecture of the new climb has succeeded.
    queue : collections.deque of Architecture
        Neighbours of the incumbent still to propose, next first.
    climb : list of Architecture
        The architectures whose results count since the last restart: those proposed (the
        random start first) and the incumbents' neighbours asked before; the search moves
        to the best of them that was told.

    Examples
    --------
    >>> import numpy as np
    >>> from sknas.evaluation import EvaluationResult
    >>> from sknas.spaces import CellSpace
    >>> from sknas.strategies import LocalSearchStrategy
    >>> space = CellSpace()
    >>> strategy = LocalSearchStrategy(n_initial=2).setup(space, np.random.default_rng(0))
    >>> start = strategy.ask(2)
    >>> strategy.tell(start, [EvaluationResult(1.0, cost_s=0.0), EvaluationResult(0.0, cost_s=0.0)])
    >>> strategy.ask(1)[0] in space.neighbours(start[0])
    True
    """

    requires = ()
    batch_invariant = False

    def __init__(self, n_initial: int = 10, order: str = "random"):
        self.n_initial = n_initial
        self.order = order

    @property
    def proxies(self) -> tuple[str, ...] | None:  # type: ignore[override]
        """The proxies that order neighbourhoods: the zero-cost ones with ``order="proxy"``."""
        return ZERO_COST_PROXIES if self.order == "proxy" else None

    # -- binding ---------------------------------------------------------------------------

    def _bind(self, *, pool=None, proxy_scores=None, **context) -> None:
        n_initial = self.n_initial
        if not isinstance(n_initial, Integral) or isinstance(n_initial, bool) or n_initial < 1:
            raise ValueError(f"n_initial must be an integer >= 1, got {n_initial!r}")
        if self.order not in ORDERS:
            raise ValueError(f"unknown order {self.order!r}; use 'random' or 'proxy' (best proxy score first)")
        self._proxy_score: dict[Architecture, float] = {}
        if self.order == "proxy":
            if pool is None or proxy_scores is None:
                raise ValueError(
                    "LocalSearchStrategy(order='proxy') ranks neighbours by proxy scores: set it up "
                    "with pool=... and proxy_scores=..., or use order='random'"
                )
            raw = np.asarray(proxy_scores, dtype=np.float64)
            if raw.ndim == 1:
                raw = raw[:, None]
            if raw.ndim != 2 or len(raw) != len(pool):
                raise ValueError(
                    f"proxy_scores has shape {raw.shape} but the pool holds {len(pool)} architectures; "
                    "give one row of scores per pool member"
                )
            self._proxy_score = dict(zip(pool, combine_scores(raw).tolist()))
        self._scores: dict[Architecture, float] = {}
        self.incumbent: Architecture | None = None
        self.queue: deque[Architecture] = deque()
        self.climb: list[Architecture] = []
        self._in_climb: set[Architecture] = set()

    # -- ask / tell ------------------------------------------------------------------------

    def tell(self, archs: Sequence[Architecture], results: Sequence[EvaluationResult]) -> None:
        super().tell(archs, results)
        for arch, objective in self.history[len(self.history) - len(archs):]:
            self._scores[arch] = objective

    def propose(self) -> Architecture | None:
        if len(self.asked) < self.n_initial:
            return self._join_climb(self.sample_new())
        while True:
            while self.queue:
                arch = self.queue.popleft()
                if arch not in self.asked:  # a random start or a tell may have taken it
                    return self._join_climb(arch)
            best = self._best_of_climb()
            if best is None:  # nothing of this climb has succeeded yet: another random start
                return self._join_climb(self.sample_new())
            if self.incumbent is None or self._scores[best] > self._scores[self.incumbent]:
                # move; with no neighbour left to ask, the next turn of the loop restarts
                self.incumbent = best
                self._queue_neighbours(best)
                continue
            # a local optimum: no architecture of the climb beats the incumbent
            self.incumbent = None
            self.climb, self._in_climb = [], set()
            return self._join_climb(self.sample_new())

    def _join_climb(self, arch: Architecture | None) -> Architecture | None:
        if arch is not None and arch not in self._in_climb:
            self.climb.append(arch)
            self._in_climb.add(arch)
        return arch

    def _best_of_climb(self) -> Architecture | None:
        """The best told member of the climb that succeeded (the first one among ties)."""
        best, best_score = None, -np.inf
        for arch in self.climb:
            score = self._scores.get(arch, -np.inf)
            if score > best_score:
                best, best_score = arch, score
        return best

    def _queue_neighbours(self, arch: Architecture) -> None:
        neighbours = list(dict.fromkeys(self.space.neighbours(arch)))
        # neighbours asked before (by an earlier climb) are not asked again, but their results
        # count for this climb: a restart happens only when no neighbour beats the incumbent
        for a in neighbours:
            if a in self.asked:
                self._join_climb(a)
        fresh = [a for a in neighbours if a not in self.asked]
        fresh = [fresh[i] for i in self.rng.permutation(len(fresh))]
        if self.order == "proxy":
            # a stable sort of the shuffled list: ties and unscored neighbours stay in random order
            key = np.array([self._proxy_score.get(a, np.nan) for a in fresh], dtype=np.float64)
            key = np.where(np.isnan(key), -np.inf, key)
            fresh = [fresh[i] for i in np.argsort(-key, kind="stable")]
        self.queue = deque(fresh)

    # -- checkpointing ---------------------------------------------------------------------

    def state_dict(self) -> dict[str, Any]:
        """The generator's state, the incumbent, the queue and the climb, as strings.

        A restart is pending when there is no incumbent after the random start: the climb
        then holds the random starts waiting for a result.
        """
        state = super().state_dict()
        state.update(
            incumbent=None if self.incumbent is None else str(self.incumbent),
            queue=[str(a) for a in self.queue],
            climb=[str(a) for a in self.climb],
        )
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        parse = self.space.parse
        self.incumbent = None if state["incumbent"] is None else parse(state["incumbent"])
        self.queue = deque(parse(a) for a in state["queue"])
        self.climb = [parse(a) for a in state["climb"]]
        self._in_climb = set(self.climb)
