"""The ask/tell interface every search strategy implements: a spec of options, bound by ``setup``."""

from __future__ import annotations

import abc
import copy
import inspect
from typing import Any, Callable, ClassVar, Sequence

import numpy as np

from ..evaluation import EvaluationResult
from ..spaces import Architecture, SearchSpace

class Strategy(abc.ABC):
    """Decides which architectures to evaluate next; knows nothing of training or data.

    A strategy is first a *spec*: its constructor stores options only (no work, nothing
    random), so a spec is cheap to copy, pickle and send to other processes. ``setup``
    binds a copy of it to a space, a random generator and what the caller has (a candidate
    pool and its proxy scores, hardware costs, the budget), as pymoo's ``Algorithm.setup``
    binds a problem. A driver then calls ``ask(n)``, evaluates what it gets, and calls
    ``tell`` with the results.

    A bound strategy never proposes an architecture it has proposed before. ``ask(n)``
    chooses the ``n`` architectures jointly (a strategy with a surrogate fits it once per
    call); architectures asked and not yet told are ``pending``, and the strategy knows
    them. All randomness comes from the one ``numpy.random.Generator`` given to ``setup``.

    The driver owns the history: to resume a search it sets up the spec again with the
    same seed, tells it every stored result, then calls ``load_state_dict`` with what
    ``state_dict`` returned after the last ``tell`` — which holds only what the replayed
    history cannot give (the generator's state, learned parameters, pool growth).

    Subclasses override ``propose`` (one architecture at a time; ``ask(n)`` then calls it
    ``n`` times) or ``propose_batch`` (``n`` at once), and ``_bind`` to prepare what they
    need from the context.
    """

    #: Context entries ``setup`` must be given (e.g. ``("pool", "proxy_scores")``).
    requires: ClassVar[tuple[str, ...]] = ()
    #: The proxies the strategy weighs when the caller does not choose: None for none,
    #: ``"all"`` for every proxy available.
    proxies: ClassVar[tuple[str, ...] | str | None] = None
    #: True when what is asked does not depend on how the asks are batched (random draws,
    #: a fixed ranking); otherwise the batch size is part of the search's definition.
    batch_invariant: ClassVar[bool] = False

    # -- binding ---------------------------------------------------------------------------

    def setup(
        self,
        space: SearchSpace,
        rng: np.random.Generator,
        *,
        pool: Sequence[Architecture] | None = None,
        proxy_scores=None,
        proxy_names: Sequence[str] | None = None,
        score_proxies: Callable[[list[Architecture]], np.ndarray] | None = None,
        costs: Callable[[Architecture], Sequence[float]] | None = None,
        bounds: Sequence[float | None] | None = None,
        minimise: Sequence[bool] | None = None,
        budget: int | None = None,
        offspring_budget: int | None = None,
    ) -> "Strategy":
        """A copy of this spec, bound to ``space``, ``rng`` and the context; ready to ``ask``.

        Parameters
        ----------
        space : SearchSpace
            The space to search.
        rng : numpy.random.Generator
            The only source of randomness of the bound strategy.
        pool : sequence of Architecture or None, default=None
            Candidates, for strategies that choose among a pool.
        proxy_scores : array-like of shape (len(pool), n_proxies) or None, default=None
            Raw proxy scores of the pool (NaN where a proxy failed).
        proxy_names : sequence of str or None, default=None
            The proxies of the columns of ``proxy_scores``.
        score_proxies : callable or None, default=None
            ``score_proxies(archs) -> ndarray (len(archs), n_proxies)`` for architectures
            outside the pool; None when the pool is the whole space.
        costs : callable or None, default=None
            ``costs(arch) -> sequence of float``: hardware costs, known before training.
        bounds : sequence of float or None, default=None
            An upper bound per cost (None or ``inf`` for none).
        minimise : sequence of bool or None, default=None
            Which costs are objectives (the others are only bounded); None means all.
        budget : int or None, default=None
            The number of evaluations the caller will make.
        offspring_budget : int or None, default=None
            The most architectures outside the pool that may get real proxies
            (``score_proxies``) over the search; None: no cap.

        Returns
        -------
        strategy : Strategy
            The bound copy (the spec itself is unchanged and can be set up again).
        """
        context = dict(pool=pool, proxy_scores=proxy_scores, proxy_names=proxy_names, score_proxies=score_proxies,
                       costs=costs, bounds=bounds, minimise=minimise, budget=budget,
                       offspring_budget=offspring_budget)
        missing = [name for name in self.requires if context[name] is None]
        if missing:
            raise ValueError(f"{type(self).__name__} needs {' and '.join(missing)} to be set up")
        bound = copy.copy(self)
        bound.space = space
        bound.rng = rng
        bound.budget = budget
        bound.asked = set()
        bound.pending = set()
        bound.history = []
        bound._bind(**context)
        return bound

    def _bind(self, **context: Any) -> None:
        """Prepare the bound strategy from the context of ``setup``; nothing by default."""

    @property
    def is_bound(self) -> bool:
        return hasattr(self, "history")

    def _require_bound(self) -> None:
        if not self.is_bound:
            raise RuntimeError(
                f"{type(self).__name__} is an unbound spec; call strategy = spec.setup(space, rng, ...) first"
            )

    def get_options(self) -> dict[str, Any]:
        """The options the spec was constructed with (its constructor's keyword arguments)."""
        names = [p.name for p in inspect.signature(type(self).__init__).parameters.values()
                 if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
        return {name: getattr(self, name) for name in names}

    def __repr__(self) -> str:
        try:
            options = ", ".join(f"{k}={v!r}" for k, v in self.get_options().items())
        except AttributeError:
            options = "..."
        return f"{type(self).__name__}({options})"

    # -- ask / tell ------------------------------------------------------------------------

    def propose(self) -> Architecture | None:
        """One architecture not asked before, or None when the space is exhausted."""
        raise NotImplementedError(f"{type(self).__name__} implements neither propose nor propose_batch")

    def propose_batch(self, n: int) -> list[Architecture]:
        """Up to ``n`` new architectures chosen together; by default ``propose()`` ``n`` times.

        Each architecture ``propose`` returns is marked asked and pending before the next
        call, so the next proposal knows it.

        Parameters
        ----------
        n : int
            The most architectures to propose.

        Returns
        -------
        proposals : list of Architecture
            At most ``n`` architectures not asked before; fewer when the space is exhausted.
        """
        proposals: list[Architecture] = []
        for _ in range(n):
            if not self._pick(self.propose(), proposals):
                break
        return proposals

    def _pick(self, arch: Architecture | None, picks: list[Architecture]) -> bool:
        """Append ``arch`` to ``picks``, marked asked and pending so that the next choice of
        the batch knows it; False when it is None."""
        if arch is None:
            return False
        self.asked.add(arch)
        self.pending.add(arch)
        picks.append(arch)
        return True

    def ask(self, n: int = 1) -> list[Architecture]:
        """Up to ``n`` new architectures to evaluate (fewer only when the space is exhausted).

        Parameters
        ----------
        n : int, default=1
            The number of architectures wanted; at least 1.

        Returns
        -------
        archs : list of Architecture
            Distinct architectures never asked before, now pending until they are told.
        """
        self._require_bound()
        n = int(n)
        if n < 1:
            raise ValueError(f"ask needs n >= 1, got {n}")
        proposals = list(self.propose_batch(n))[:n]
        if len(set(proposals)) != len(proposals):
            raise RuntimeError(f"{type(self).__name__} proposed the same architecture twice in one batch")
        self.asked.update(proposals)
        self.pending.update(proposals)
        return proposals

    def tell(self, archs: Sequence[Architecture], results: Sequence[EvaluationResult]) -> None:
        """Record the results of evaluated architectures; failed ones score ``-inf``.

        Parameters
        ----------
        archs : sequence of Architecture
            The evaluated architectures (asked before or not).
        results : sequence of EvaluationResult
            Their results, in the order of ``archs``.
        """
        self._require_bound()
        if len(archs) != len(results):
            raise ValueError(f"tell got {len(archs)} architectures but {len(results)} results")
        for arch, result in zip(archs, results):
            self.asked.add(arch)
            self.pending.discard(arch)
            self.history.append((arch, result.objective if result.ok else float("-inf")))

    # -- helpers for subclasses ------------------------------------------------------------

    def sample_new(self, max_tries: int = 200) -> Architecture | None:
        """A uniformly random architecture not asked before, or None if none is left.

        Parameters
        ----------
        max_tries : int, default=200
            How many random draws to try before choosing among the architectures left in
            the enumerated space.

        Returns
        -------
        arch : Architecture or None
            An architecture not asked before; None when none is left, or when the space cannot
            be enumerated and every draw had been asked.
        """
        for _ in range(max_tries):
            arch = self.space.sample(self.rng)
            if arch not in self.asked:
                return arch
        try:  # a nearly exhausted space: choose among what is left
            left = [a for a in self.space.enumerate() if a not in self.asked]
        except NotImplementedError:
            return None
        return left[int(self.rng.integers(len(left)))] if left else None

    # -- checkpointing ---------------------------------------------------------------------

    def state_dict(self) -> dict[str, Any]:
        """What replaying the history cannot restore, as JSON: here the generator's state.

        Subclasses add their learned parameters and anything else the history does not give.

        Returns
        -------
        state : dict
            JSON-serialisable state, to be given to ``load_state_dict``.
        """
        self._require_bound()
        return {"rng": self.rng.bit_generator.state}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore a ``state_dict()``; call it after the history has been told again.

        Parameters
        ----------
        state : dict
            What ``state_dict`` returned after the last ``tell``.
        """
        self._require_bound()
        self.rng.bit_generator.state = state["rng"]
