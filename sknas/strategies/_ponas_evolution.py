"""PO-NAS's evolution step: new candidates bred from the elite of the pool."""

from __future__ import annotations

import itertools
from typing import Sequence

import numpy as np

from ..spaces import Architecture, SearchSpace


def crossover(space: SearchSpace, a: Architecture, b: Architecture, rng: np.random.Generator) -> Architecture:
    """``a`` with a random half of the edit path to ``b`` applied.

    The edit path is the set of decisions (``space.to_choices``) on which the parents
    differ; the child takes ``b``'s choice on half of them (an odd number rounds either
    way with equal chance).
    """
    ca, cb = space.to_choices(a), space.to_choices(b)
    differ = [i for i, (x, y) in enumerate(zip(ca, cb)) if x != y]
    k = len(differ) // 2 + (len(differ) % 2 and rng.random() < 0.5)
    child = list(ca)
    for i in rng.choice(differ, size=k, replace=False) if k else []:
        child[int(i)] = cb[int(i)]
    return space.canonical(space.from_choices(child))


def breed(
    space: SearchSpace,
    elite: Sequence[Architecture],
    scores: np.ndarray,
    novelty: float,
    rng: np.random.Generator,
    n_pairs: int = 20,
) -> list[Architecture]:
    """Offspring of the best pairs of the elite: crossover children and all their neighbours.

    Each pair (i, j) is scored ``S_i + S_j + novelty · d_ij / max d``, where d is the edit
    distance, so early on (novelty near 1) distant parents are preferred. The ``n_pairs``
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
