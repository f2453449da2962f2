"""PO-NAS's evolution step: new candidates bred from the elite of the pool."""

from __future__ import annotations

import itertools
import math
from typing import Any, Sequence

import numpy as np
import torch

from ..spaces import Architecture, SearchSpace
from ..surrogate import graph_batch


def crossover(space: SearchSpace, a: Architecture, b: Architecture, rng: np.random.Generator) -> Architecture:
    """``a`` with a random half of the edit path to ``b`` applied.

    The path is ``space.edit_path(a, b)`` (in the cell spaces the decisions on which the
    parents differ; in the DARTS space PO-NAS's minimal operation path); the child applies
    half of its edits, in path order (an odd number rounds either way with equal chance).

    Parameters
    ----------
    space : SearchSpace
        The space of both parents.
    a : Architecture
        The parent the child starts from.
    b : Architecture
        The parent the child moves towards.
    rng : numpy.random.Generator
        Chooses which edits of the path are applied.

    Returns
    -------
    child : Architecture
        The canonical child.
    """
    path = space.edit_path(a, b)
    k = len(path) // 2 + (len(path) % 2 and rng.random() < 0.5)
    chosen = sorted(int(i) for i in rng.choice(len(path), size=k, replace=False)) if k else []
    return space.canonical(space.apply_edits(a, [path[i] for i in chosen]))


def evolution_novelty(n_queries: int, evolve_from: int, budget: int | None, exploit_last: int = 5) -> float:
    """PO-NAS's weight N of the parents' distance at query ``n_queries`` (Algorithm 2).

    N = 1 − (t − evolve_from) / (T − evolve_from − exploit_last), falling from 1 at the first
    evolution step to 0 ``exploit_last`` queries before the budget T and 0 after (the paper:
    1 − (t − 10) / (T − 15)). Without a budget, or one too small to decay over, N stays 1
    until those last queries.

    Parameters
    ----------
    n_queries : int
        The number of queries made so far, t.
    evolve_from : int
        The query at which evolution starts.
    budget : int or None
        The total number of queries, T; None when unknown.
    exploit_last : int, default=5
        How many of the last queries use no novelty.

    Returns
    -------
    novelty : float
        N, in [0, 1].
    """
    if budget is None:
        return 1.0
    end = budget - exploit_last
    if n_queries >= end:
        return 0.0
    if end <= evolve_from:
        return 1.0
    return float(min(1.0, max(0.0, 1.0 - (n_queries - evolve_from) / (end - evolve_from))))


def breed(
    space: SearchSpace,
    elite: Sequence[Architecture],
    scores: np.ndarray,
    novelty: float,
    rng: np.random.Generator,
    n_pairs: int = 20,
) -> list[Architecture]:
    """Offspring of the best pairs of the elite: crossover children and all their neighbours.

    Each pair (i, j) is scored ``S_i + S_j + novelty · d_ij / max d``, where d is the
    space's distance, so early on (novelty near 1) distant parents are preferred. The ``n_pairs``
    best pairs each give one crossover child; the children and every one-step neighbour
    of each are returned (canonical, without repeats, in a fixed order).

    Parameters
    ----------
    space : SearchSpace
        The space of the elite.
    elite : sequence of Architecture
        The parents to pair.
    scores : numpy.ndarray of shape (len(elite),)
        The score S of each parent.
    novelty : float
        The weight of the parents' normalised distance (see :func:`evolution_novelty`).
    rng : numpy.random.Generator
        The randomness of the crossovers.
    n_pairs : int, default=20
        How many of the best pairs breed.

    Returns
    -------
    offspring : list of Architecture
        The children and their neighbours, canonical and without repeats; empty when the
        elite has fewer than two architectures.
    """
    pairs = list(itertools.combinations(range(len(elite)), 2))
    if not pairs:
        return []
    distance = np.array([space.distance(elite[i], elite[j]) for i, j in pairs], dtype=np.float64)
    distance /= max(distance.max(), 1.0)
    value = np.array([scores[i] + scores[j] for i, j in pairs]) + novelty * distance
    chosen = [pairs[k] for k in np.argsort(-value, kind="stable")[:n_pairs]]
    children = [crossover(space, elite[i], elite[j], rng) for i, j in chosen]
    offspring = list(children)
    for child in children:
        offspring += [space.canonical(n) for n in space.neighbours(child)]
    return list(dict.fromkeys(offspring))


class EvolvingPool:
    """PO-NAS's step 6 as methods of the bound strategy: the elite of its pool breeds
    offspring, and the best of them by S of their predicted proxies get real proxies and
    join the pool. The members added (by evolution or local steps) are in ``state_dict``."""

    def _add_to_pool(self, archs: list[Architecture], raw: np.ndarray) -> None:
        graphs, _ = graph_batch(self.space, archs)
        self.pool += archs
        self.raw_scores = np.concatenate([self.raw_scores, raw])
        self.metrics = np.concatenate([self.metrics, self._normalise(raw)])
        self.embeddings = torch.cat([self.embeddings, self._embed(graphs)])

    def state_dict(self) -> dict[str, Any]:
        state = super().state_dict()
        added = self.raw_scores[self.n_initial_pool :]
        state["added_to_pool"] = [
            [str(a), [float(v) if np.isfinite(v) else None for v in row]]
            for a, row in zip(self.pool[self.n_initial_pool :], added)
        ]
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        del self.pool[self.n_initial_pool :]
        self.raw_scores = self.raw_scores[: self.n_initial_pool]
        self.metrics = self.metrics[: self.n_initial_pool]
        self.embeddings = self.embeddings[: self.n_initial_pool]
        added = state.get("added_to_pool", [])
        if added:
            raw = np.array([[np.nan if v is None else v for v in row] for _, row in added], dtype=np.float64)
            self._add_to_pool([self.space.parse(s) for s, _ in added], raw)

    def _evolve(self, model: torch.nn.Module, scores: np.ndarray) -> None:
        settings = self.evolution
        novelty = evolution_novelty(len(self.history), settings["evolve_from"], self.budget)
        elite_rows = np.argsort(-scores, kind="stable")[: settings["n_elite"]]
        known = set(self.pool)
        offspring = [a for a in breed(self.space, [self.pool[i] for i in elite_rows], scores[elite_rows],
                                      novelty, self.rng, settings["n_pairs"]) if a not in known]
        if not offspring:
            return
        graphs, _ = graph_batch(self.space, offspring)
        with torch.no_grad():
            predicted = self.encoder.predict_proxies(graphs).clamp(0.0, 1.0).double().numpy()
        predicted_scores = self.pool_scores(model, self._embed(graphs), predicted)
        best = [offspring[i] for i in np.argsort(-predicted_scores, kind="stable")[: self._offspring_now()]]
        self._add_to_pool(best, np.asarray(self.score_proxies(best), dtype=np.float64).reshape(len(best), -1))

    def _offspring_now(self) -> int:
        """Offspring the next evolution step gives real proxies: ``n_offspring``, or with an
        ``offspring_budget`` what is left of it spread over the queries left (rounded up)."""
        n_offspring = self.evolution["n_offspring"]
        if self.offspring_budget is None:
            return n_offspring
        left = self.offspring_budget - (len(self.pool) - self.n_initial_pool)
        queries_left = max(1, (self.budget or 0) - len(self.asked))
        return max(0, min(n_offspring, math.ceil(left / queries_left)))
