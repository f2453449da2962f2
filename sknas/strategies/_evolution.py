"""Regularized (aging) evolution, Real et al. (AAAI 2019)."""

from __future__ import annotations

import numpy as np

from ..spaces import Architecture
from ._base import Strategy


class RegularizedEvolution(Strategy):
    """Aging evolution: tournament selection, one-step mutation, the oldest member dies.

    The first ``population_size`` proposals are random. Afterwards each proposal samples
    ``tournament_size`` members of the population (the ``population_size`` most recent
    successful evaluations) and mutates the best of them by one elementary change; a child
    that was already proposed is replaced by another unseen neighbour, or by a random
    architecture when the parent has none left. In a batch, each member is bred from the
    population as it stands (the results of the batch are not known yet).

    Parameters
    ----------
    population_size : int, default=10
        Members alive at once.
    tournament_size : int, default=5
        Members drawn for each tournament.
    """

    def __init__(self, population_size: int = 10, tournament_size: int = 5):
        self.population_size = population_size
        self.tournament_size = tournament_size

    def _bind(self, **context) -> None:
        if not 1 <= int(self.tournament_size) <= int(self.population_size):
            raise ValueError(
                "need 1 <= tournament_size <= population_size, got "
                f"tournament_size={self.tournament_size}, population_size={self.population_size}"
            )

    @property
    def population(self) -> list[tuple[Architecture, float]]:
        """The most recent successful evaluations, oldest first (aging removes the oldest)."""
        alive = [(a, obj) for a, obj in self.history if np.isfinite(obj)]
        return alive[-int(self.population_size):]

    def propose(self) -> Architecture | None:
        population = self.population
        if len(self.asked) < self.population_size or len(population) < self.tournament_size:
            return self.sample_new()
        picks = self.rng.choice(len(population), size=int(self.tournament_size), replace=False)
        parent = max((population[i] for i in picks), key=lambda member: member[1])[0]
        children = [c for c in self.space.neighbours(parent) if c not in self.asked]
        if not children:
            return self.sample_new()
        return children[int(self.rng.integers(len(children)))]
