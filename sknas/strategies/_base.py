"""The ask/tell interface every search strategy implements."""

from __future__ import annotations

import abc
from typing import Any, Sequence

import numpy as np

from ..evaluation import EvaluationResult
from ..spaces import Architecture, SearchSpace


class Strategy(abc.ABC):
    """Decides which architecture to evaluate next; knows nothing of training or data.

    A driver calls ``ask(n)``, evaluates what it gets, and calls ``tell`` with the results.
    A strategy never proposes an architecture it has proposed before. All randomness comes
    from the one ``numpy.random.Generator`` it is given, and ``state_dict()`` captures it
    with the history, so a search can be checkpointed and resumed exactly.

    Parameters
    ----------
    space : SearchSpace
        The space to search.
    rng : numpy.random.Generator
        The only source of randomness of the strategy.
    """

    def __init__(self, space: SearchSpace, rng: np.random.Generator):
        self.space = space
        self.rng = rng
        self.asked: set[Architecture] = set()
        self.history: list[tuple[Architecture, float]] = []

    @abc.abstractmethod
    def propose(self) -> Architecture | None:
        """One architecture not asked before, or None when the space is exhausted."""

    def ask(self, n: int = 1) -> list[Architecture]:
        """Up to ``n`` new architectures to evaluate (fewer only when the space is exhausted)."""
        proposals: list[Architecture] = []
        for _ in range(int(n)):
            arch = self.propose()
            if arch is None:
                break
            self.asked.add(arch)
            proposals.append(arch)
        return proposals

    def tell(self, archs: Sequence[Architecture], results: Sequence[EvaluationResult]) -> None:
        """Record the results of evaluated architectures; failed ones score ``-inf``."""
        if len(archs) != len(results):
            raise ValueError(f"tell got {len(archs)} architectures but {len(results)} results")
        for arch, result in zip(archs, results):
            self.asked.add(arch)
            self.history.append((arch, result.objective if result.ok else float("-inf")))

    # -- helpers for subclasses ------------------------------------------------------------

    def sample_new(self, max_tries: int = 200) -> Architecture | None:
        """A uniformly random architecture not asked before, or None if none is left."""
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
        """A JSON-serialisable snapshot: random state, asked architectures and history."""
        return {
            "rng": self.rng.bit_generator.state,
            "asked": sorted(str(a) for a in self.asked),
            # failed evaluations (-inf) are stored as null: strict JSON has no infinity
            "history": [
                [str(a), objective if np.isfinite(objective) else None]
                for a, objective in self.history
            ],
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore a snapshot made by ``state_dict()``."""
        self.rng.bit_generator.state = state["rng"]
        self.asked = {self.space.parse(s) for s in state["asked"]}
        self.history = [
            (self.space.parse(s), float("-inf") if obj is None else float(obj))
            for s, obj in state["history"]
        ]
