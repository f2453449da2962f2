"""What ``y`` and ``sample_weight`` mean to a search: the task, the encoded targets, the weights."""

from __future__ import annotations

import numpy as np
from sklearn.preprocessing import LabelEncoder
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_sample_weight

#: Under ``task="auto"``, float targets of whole numbers are class labels only up to this
#: many distinct values (and no more than half as many as samples, beyond binary labels).
MAX_AUTO_CLASSES = 20

TASKS = ("auto", "classification", "regression")


def resolve_task(task: str, y: np.ndarray) -> str:
    """The task of a fit: ``task`` itself, or for ``"auto"`` classification, checked against ``y``.

    ``"auto"`` is a classifier, as the estimator's tags say before ``fit``. Float targets
    that do not look like class labels (a value that is not a whole number, or whole numbers
    with more than ``MAX_AUTO_CLASSES`` distinct values, or with more than two distinct
    values and more distinct values than half the samples, as with a count or a score) are
    refused with a ``ValueError`` that says to pass ``task="regression"``, rather than
    silently fitting a many-class classifier.
    """
    if task != "auto":
        return task
    y = np.asarray(y)
    if y.dtype.kind != "f" or y.ndim != 1:
        return "classification"
    n_distinct = len(np.unique(y))
    whole = bool(np.all(np.mod(y, 1) == 0))
    many = n_distinct > 2 and (n_distinct > MAX_AUTO_CLASSES or n_distinct > len(y) / 2)
    if whole and not many:
        return "classification"
    what = ("values that are not whole numbers" if not whole else
            f"{n_distinct} distinct whole numbers among {len(y)} samples")
    raise ValueError(
        f"y looks continuous (float {what}), but task='auto' fits a classifier; pass "
        "task='regression' to predict these targets, or task='classification' if they are "
        "class labels"
    )


def encode_targets(task: str, y: np.ndarray) -> tuple[np.ndarray, dict]:
    """What the networks train on, and the fitted attributes that decode their outputs.

    Classification: class indices, with ``classes_`` and ``n_outputs_``. Regression:
    standardised float32 targets, with ``target_mean_``, ``target_scale_`` and ``n_outputs_``.
    """
    if task == "classification":
        check_classification_targets(y)
        encoder = LabelEncoder().fit(y)
        classes = encoder.classes_
        if len(classes) < 2:
            raise ValueError(
                f"y has only one class ({classes[0]!r}); classification needs at "
                "least two classes. For continuous targets, set task='regression'."
            )
        return encoder.transform(y), {"classes_": classes, "n_outputs_": len(classes)}
    y = np.asarray(y, dtype=np.float64)
    mean, scale = float(y.mean()), float(y.std()) or 1.0
    fitted = {"target_mean_": mean, "target_scale_": scale, "n_outputs_": 1}
    return ((y - mean) / scale).astype(np.float32), fitted


def check_fit_weights(sample_weight, X: np.ndarray, targets: np.ndarray, task: str) -> np.ndarray | None:
    """Validated float64 ``sample_weight``, or None when it weighs every sample alike.

    Equal weights are the unweighted problem, and are trained as such, so that they give
    exactly the unweighted search. Raises a ``ValueError`` for weights of another length,
    negative or non-finite weights, weights that are all zero, or (classification) weights
    that leave fewer than two classes with positive weight.
    """
    if sample_weight is None:
        return None
    try:
        weight = _check_sample_weight(sample_weight, X, dtype=np.float64, ensure_non_negative=True,
                                      allow_all_zero_weights=True)  # refused below, saying why
    except ValueError as exc:
        raise ValueError(
            f"{exc} Give sample_weight one finite, non-negative weight per sample of X "
            "(or None to weigh them alike)."
        ) from exc
    if not weight.any():
        raise ValueError(
            "sample_weight is zero for every sample, so nothing would be learned; give some "
            "samples a positive weight"
        )
    if task == "classification":
        weighted = np.unique(targets[weight > 0])
        if len(weighted) < 2:
            raise ValueError(
                "sample_weight gives a positive weight to one class only; classification "
                "needs at least two classes with positive weight"
            )
    return None if np.all(weight == weight[0]) else weight
