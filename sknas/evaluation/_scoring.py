"""The objective of a network: the validation score candidates are ranked by, and ``score``."""

from __future__ import annotations

import numpy as np
import torch
from sklearn.metrics import accuracy_score, r2_score
from torch import nn


def objective_score(y_true, y_pred, task: str, sample_weight=None) -> float:
    """Accuracy (classification) or R² (regression, averaged over targets) of predictions.

    The one definition of the objective: the validation score of every candidate
    (:func:`score_outputs`) and the estimators' ``score`` both compute it here, with
    scikit-learn's ``accuracy_score`` and ``r2_score`` (weighted when ``sample_weight`` is
    given). A constant target, and so a single sample, scores 1.0 when predicted exactly
    and 0.0 otherwise, as ``r2_score`` scores a constant target (where it would return NaN
    for a single sample): an objective is always a number that candidates can be ranked by.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_targets)
        True labels (of any type) or targets.
    y_pred : array-like of the shape of ``y_true``
        Predicted labels or targets.
    task : {"classification", "regression"}
        Accuracy or R².
    sample_weight : array-like of shape (n_samples,) or None, default=None
        Weights of the samples; None weighs them alike.

    Returns
    -------
    score : float
        The (weighted) accuracy, from 0 to 1, or the (weighted) R², at most 1.

    Examples
    --------
    >>> from sknas.evaluation import objective_score
    >>> objective_score(["a", "b", "b", "a"], ["a", "b", "a", "a"], "classification")
    0.75
    >>> objective_score([1.0, 2.0, 3.0], [1.0, 2.0, 3.0], "regression")
    1.0
    """
    if task == "classification":
        return float(accuracy_score(y_true, y_pred, sample_weight=sample_weight))
    y_true = np.asarray(y_true, dtype=np.float64)
    y_pred = np.asarray(y_pred, dtype=np.float64)
    if len(y_true) == 1 and y_pred.shape == y_true.shape:
        return float(np.mean(y_true == y_pred))  # a constant target: r2_score's rule, per target
    return float(r2_score(y_true, y_pred, sample_weight=sample_weight))


def score_outputs(outputs: torch.Tensor, y: torch.Tensor, task: str,
                  sample_weight: torch.Tensor | None = None) -> float:
    """The objective (:func:`objective_score`) of a network's raw outputs.

    Parameters
    ----------
    outputs : torch.Tensor of shape (n_samples, n_outputs)
        Logits (classification) or standardised targets (regression).
    y : torch.Tensor of shape (n_samples,) or (n_samples, n_targets)
        Class indices (classification) or targets (regression).
    task : {"classification", "regression"}
        Accuracy of the most probable class, or R² averaged over targets.
    sample_weight : torch.Tensor of shape (n_samples,) or None, default=None
        Weights of the samples; None weighs them alike.

    Returns
    -------
    score : float
        The (weighted) accuracy or R², as scikit-learn's ``accuracy_score`` and
        ``r2_score`` compute them.
    """
    predicted = outputs.argmax(dim=1) if task == "classification" else outputs.double()
    weight = None if sample_weight is None else sample_weight.double().numpy()
    return objective_score(y.cpu().numpy(), predicted.cpu().numpy(), task, weight)


def _weighted_mean(values: torch.Tensor, weight: torch.Tensor | None) -> torch.Tensor:
    """Mean of ``values`` over samples (dimension 0), weighted when ``weight`` is given."""
    if weight is None:
        return values.mean(dim=0)
    weight = weight.double().reshape(-1, *([1] * (values.dim() - 1)))
    return (values * weight).sum(dim=0) / weight.sum()


def validation_loss(outputs: torch.Tensor, y: torch.Tensor, task: str,
                    sample_weight: torch.Tensor | None = None) -> float:
    """Cross-entropy (classification) or mean squared error (regression) of ``outputs``,
    weighted by ``sample_weight`` when given."""
    if task == "classification":
        losses = nn.functional.cross_entropy(outputs.double(), y, reduction="none")
    else:
        losses = nn.functional.mse_loss(outputs.double(), y.double(), reduction="none").mean(dim=1)
    return float(_weighted_mean(losses, sample_weight))
