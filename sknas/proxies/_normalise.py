"""Putting proxies of different scales on one footing, and combining them."""

from __future__ import annotations

import numpy as np


def normalise_scores(scores) -> np.ndarray:
    """Min-max normalise each column of ``scores`` to [0, 1] over the candidate pool.

    NaN and infinite entries stay NaN and take no part in the minimum or maximum. A column
    with a single distinct value carries no ranking information and becomes 0.5.

    Parameters
    ----------
    scores : array-like of shape (n_architectures, n_proxies)
        Raw proxy scores, one column per proxy.

    Returns
    -------
    normalised : ndarray of shape (n_architectures, n_proxies)
        Each column scaled so its smallest finite value is 0 and its largest 1 (0.5 for a
        constant column); NaN where the raw score is not finite.

    Examples
    --------
    >>> normalise_scores([[1.0, 5.0], [3.0, np.nan], [2.0, 5.0]])
    array([[0. , 0.5],
           [1. , nan],
           [0.5, 0.5]])
    """
    scores = np.array(scores, dtype=np.float64, ndmin=2)
    scores[~np.isfinite(scores)] = np.nan
    normalised = np.full_like(scores, np.nan)
    for j, column in enumerate(scores.T):
        finite = ~np.isnan(column)
        if not finite.any():
            continue
        low, high = column[finite].min(), column[finite].max()
        normalised[finite, j] = (column[finite] - low) / (high - low) if high > low else 0.5
    return normalised


def combine_scores(scores, weights=None) -> np.ndarray:
    """One score per architecture: the weighted mean of its min-max normalised proxies.

    A proxy that is NaN for an architecture is left out of its mean; an architecture with no
    finite proxy gets NaN.

    Parameters
    ----------
    scores : array-like of shape (n_architectures, n_proxies)
        Raw proxy scores over the candidate pool.
    weights : array-like of shape (n_proxies,), default=None
        Weight of each proxy; None weighs them equally. A negative weight ranks the proxy in
        reverse.

    Returns
    -------
    combined : ndarray of shape (n_architectures,)
        The weighted mean of each architecture's normalised proxies, in [0, 1]; NaN for an
        architecture without a finite proxy.
    """
    normalised = normalise_scores(scores)
    weights = np.ones(normalised.shape[1]) if weights is None else np.asarray(weights, dtype=np.float64)
    if weights.shape != (normalised.shape[1],):
        raise ValueError(
            f"weights must have one entry per proxy ({normalised.shape[1]}), got shape {weights.shape}"
        )
    # A negative weight reads the proxy inverted, so every term stays in [0, |w|].
    oriented = np.where(weights >= 0, normalised, 1.0 - normalised)
    magnitude = np.broadcast_to(np.abs(weights), normalised.shape).copy()
    magnitude[np.isnan(normalised)] = 0.0
    total = magnitude.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        combined = np.nansum(oriented * magnitude, axis=1) / total
    combined[total == 0] = np.nan
    return combined
