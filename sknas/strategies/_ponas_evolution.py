"""PO-NAS's evolution step: new candidates bred from the elite of the pool."""

from __future__ import annotations

import itertools
from typing import Sequence

import numpy as np

from ..spaces import Architecture, SearchSpace


def crossover(space: SearchSpace, a: Architecture, b: Architecture, rng: np.random.Generator) -> Architecture:
    """``a`` with a random half of the edit path to ``b`` applied.

    The path is ``space.edit_path(a, b)`` (in the cell spaces the decisions on which the
    parents differ; in the DARTS space PO-NAS's minimal operation path); the child applies
    half of its edits, in path order (an odd number rounds either way with equal chance).
    """
    path = space.edit_path(a, b)
    k = len(path) // 2 + (len(path) % 2 and rng.random() < 0.5)
    chosen = sorted(int(i) for i in rng.choice(len(path), size=k, replace=False)) if k else []
    return space.canonical(space.apply_edits(a, [path[i] for i in chosen]))


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
