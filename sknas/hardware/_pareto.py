"""Pareto fronts and their hypervolume, for searches that trade accuracy against hardware costs.

Every objective here is minimised (an accuracy enters as its negative or as an error).
"""

from __future__ import annotations

import numpy as np
from pymoo.indicators.hv import HV
from pymoo.util.nds.non_dominated_sorting import NonDominatedSorting


def _points(points, name: str = "points") -> np.ndarray:
    array = np.asarray(points, dtype=np.float64)
    if array.ndim != 2 or array.shape[1] < 2:
        raise ValueError(f"{name} must have shape (n_points, n_objectives >= 2), got {array.shape}")
    if not np.isfinite(array).all():
        raise ValueError(f"{name} must be finite; drop failed or infeasible rows first")
    return array


def pareto_mask(points) -> np.ndarray:
    """True for the rows of ``points`` that no other row dominates (all objectives minimised).

    Of rows with equal objectives, all are kept.

    Parameters
    ----------
    points : array-like of shape (n_points, n_objectives)
        Finite objective values, one row per point, at least two objectives.

    Returns
    -------
    mask : ndarray of bool of shape (n_points,)
        True for the points on the Pareto front.

    Examples
    --------
    >>> from sknas.hardware import pareto_mask
    >>> pareto_mask([[0, 1], [1, 0], [1, 1], [0.5, 0.5]]).tolist()
    [True, True, False, True]
    """
    array = _points(points)
    mask = np.zeros(len(array), dtype=bool)
    if len(array):
        mask[NonDominatedSorting().do(array, only_non_dominated_front=True)] = True
    return mask


def reference_point(points, margin: float = 0.1) -> np.ndarray:
    """The worst value of each objective over ``points`` plus ``margin`` of its range (1 if flat).

    Parameters
    ----------
    points : array-like of shape (n_points, n_objectives)
        Finite objective values, one row per point.
    margin : float, default=0.1
        How far beyond the worst value the reference lies, as a fraction of each objective's
        range (of 1 for an objective with one value).

    Returns
    -------
    reference : ndarray of shape (n_objectives,)
        A point that every row of ``points`` dominates (for ``margin > 0``).

    Examples
    --------
    >>> from sknas.hardware import reference_point
    >>> reference_point([[0.0, 2.0], [1.0, 2.0]]).tolist()
    [1.1, 2.1]
    """
    array = _points(points)
    span = array.max(axis=0) - array.min(axis=0)
    return array.max(axis=0) + margin * np.where(span > 0, span, 1.0)


def hypervolume(points, reference) -> float:
    """Volume dominated by ``points`` and bounded by ``reference`` (all objectives minimised).

    Points that do not dominate ``reference`` add nothing.

    Parameters
    ----------
    points : array-like of shape (n_points, n_objectives)
        Finite objective values, one row per point; may be empty.
    reference : array-like of shape (n_objectives,)
        The reference point bounding the volume.

    Returns
    -------
    volume : float
        The hypervolume; 0.0 when no point dominates ``reference``.

    Examples
    --------
    >>> from sknas.hardware import hypervolume
    >>> hypervolume([[0.5, 0.5]], reference=[1.0, 1.0])
    0.25
    """
    reference = np.asarray(reference, dtype=np.float64)
    array = _points(points) if len(points) else np.empty((0, len(reference)))
    if array.shape[1] != len(reference):
        raise ValueError(f"reference has {len(reference)} objectives but the points have {array.shape[1]}")
    inside = array[(array < reference).all(axis=1)]
    return float(HV(ref_point=reference)(inside)) if len(inside) else 0.0


def hypervolume_ratio(found, true_front, reference) -> float:
    """Hypervolume of ``found`` divided by that of ``true_front``, with the same ``reference``.

    1.0 means the points found dominate as much as the true front does.

    Parameters
    ----------
    found : array-like of shape (n_points, n_objectives)
        The points a search found.
    true_front : array-like of shape (n_front, n_objectives)
        The true Pareto front (or any points; only their hypervolume counts).
    reference : array-like of shape (n_objectives,)
        The reference point of both hypervolumes.

    Returns
    -------
    ratio : float
        ``hypervolume(found, reference) / hypervolume(true_front, reference)``.

    Raises
    ------
    ValueError
        If ``true_front`` dominates nothing inside ``reference``.

    Examples
    --------
    >>> from sknas.hardware import hypervolume_ratio
    >>> hypervolume_ratio([[0.5, 0.5]], [[0.5, 0.5], [0.0, 0.9]], reference=[1.0, 1.0])
    0.8333333333333334
    """
    best = hypervolume(true_front, reference)
    if best <= 0:
        raise ValueError("the true front dominates nothing inside the reference point")
    return hypervolume(found, reference) / best


def hypervolume_improvement(candidates, front, reference) -> np.ndarray:
    """What each candidate point alone would add to the hypervolume of ``front``.

    Only the candidates that no point of ``front`` and no other candidate dominates can
    score the largest gain, so only theirs are computed; every other candidate gets 0.

    Parameters
    ----------
    candidates : array-like of shape (n, m)
        Objective values of the candidate points.
    front : array-like of shape (k, m)
        The points found so far (any points; their non-dominated ones count).
    reference : array-like of shape (m,)
        The reference point of the hypervolume.

    Returns
    -------
    gains : ndarray of shape (n,)
        The hypervolume each candidate would add to ``front`` on its own; 0 for a candidate
        dominated by ``front`` or by another candidate.

    Examples
    --------
    >>> from sknas.hardware import hypervolume_improvement
    >>> hypervolume_improvement([[0.5, 0.5], [0.9, 0.9]], [[0.0, 1.0]], reference=[1.0, 1.0]).tolist()
    [0.25, 0.0]
    """
    candidates = _points(candidates, "candidates")
    reference = np.asarray(reference, dtype=np.float64)
    front = _points(front, "front") if len(front) else np.empty((0, len(reference)))
    front = front[pareto_mask(front)] if len(front) else front
    gains = np.zeros(len(candidates))
    dominated = np.zeros(len(candidates), dtype=bool)
    for point in front:
        dominated |= (point <= candidates).all(axis=1)
    rows = np.flatnonzero(~dominated)
    if not len(rows):
        return gains
    rows = rows[pareto_mask(candidates[rows])]
    base = hypervolume(front, reference)
    for i in rows:
        gains[i] = hypervolume(np.vstack([front, candidates[i]]), reference) - base
    return gains
