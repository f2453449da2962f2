"""Turning the user's X and y into what the networks train on, and back."""

from __future__ import annotations

import warnings
from numbers import Integral
from typing import Sequence

import numpy as np
from sklearn.model_selection import train_test_split


def rows_of(X) -> tuple[object, tuple[int, ...] | None]:
    """``X`` with 4-D images flattened into rows, and the per-sample image shape (None for rows).

    Images travel as rows through scikit-learn's validation, so that ``n_features_in_`` is
    the number of values per sample however the images are given. Other inputs (lists,
    DataFrames, sparse matrices...) are returned as they are, for the validation to judge;
    3-D and 5-D arrays are refused here with the shape they should have.
    """
    if isinstance(X, (list, tuple)):
        try:
            array = np.asarray(X)
        except ValueError:  # ragged: the validation says so
            return X, None
        X = array if array.ndim != 2 else X
    ndim = getattr(X, "ndim", 2) if isinstance(X, np.ndarray) else 2
    if ndim == 4:
        return X.reshape(len(X), -1), tuple(int(s) for s in X.shape[1:])
    if ndim in (3, 5) or ndim > 5:
        hint = " For single-channel images, reshape X to (n_samples, 1, height, width)." if ndim == 3 else ""
        raise ValueError(
            f"X must be 2-D (n_samples, n_features) or 4-D (n_samples, channels, height, "
            f"width); got an array of shape {X.shape}.{hint}"
        )
    return X, None


def check_prediction_rows(X, input_shape: tuple[int, ...], n_features: int, name: str):
    """``X`` given to ``predict`` as rows (4-D images flattened), once its shape is checked
    against the fit's: images of ``input_shape``, or rows of ``n_features`` values.

    Other row widths are left to the validation, but after a fit on images they are
    refused here, with the image shape expected.
    """
    X, images = rows_of(X)
    if images is not None and images != input_shape:
        raise ValueError(f"X has per-sample shape {images} but the estimator was fitted on shape {input_shape}")
    if images is None and len(input_shape) == 3:
        width = (getattr(X, "shape", None) or np.asarray(X).shape or (0,))[-1]
        if width != n_features:
            raise ValueError(
                f"X has {width} features, but {name} was fitted on images of shape {input_shape}: "
                f"give X of shape (n_samples, {', '.join(map(str, input_shape))}), or rows of "
                f"{n_features} values"
            )
    return X


def network_floats(X: np.ndarray) -> np.ndarray:
    """``X`` rounded once to float32, the precision the networks compute in.

    So a list, a float64 array and a float32 array of the same values give the same search
    and the same predictions. Values beyond float32's range stay float64: the input scaler
    divides them down to ordinary sizes before the networks see them.
    """
    if X.dtype == np.float32:
        return X
    with np.errstate(over="ignore"):
        rounded = X.astype(np.float32)
    return rounded if np.isfinite(rounded).all() else X


def resolve_input_shape(X: np.ndarray, image_shape: Sequence[int] | None,
                        images: tuple[int, ...] | None = None) -> tuple[int, ...]:
    """The per-sample shape networks see: ``(C, H, W)`` for images, ``(n_features,)`` otherwise.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        The validated rows (4-D images flattened by :func:`rows_of`).
    image_shape : tuple of int or None
        ``(H, W)`` or ``(C, H, W)`` of the images stored in the rows of a 2-D ``X``.
    images : tuple of int or None, default=None
        ``(C, H, W)`` of 4-D images that :func:`rows_of` flattened.
    """
    if images is not None:
        if image_shape is not None and tuple(_image_shape(image_shape)) != images:
            raise ValueError(
                f"image_shape={tuple(image_shape)} does not match the 4-D X of per-sample "
                f"shape {images}; leave image_shape=None for 4-D X"
            )
        return images
    if image_shape is None:
        return (int(X.shape[1]),)
    shape = _image_shape(image_shape)
    if int(np.prod(shape)) != X.shape[1]:
        raise ValueError(
            f"image_shape={tuple(image_shape)} holds {int(np.prod(shape))} values per image "
            f"but X has {X.shape[1]} features; give the (height, width) or (channels, height, "
            "width) of the images stored in each row"
        )
    return shape


def _image_shape(image_shape: Sequence[int]) -> tuple[int, ...]:
    try:
        values = tuple(image_shape)
    except TypeError:
        values = ()
    integers = all(isinstance(s, Integral) and not isinstance(s, bool) for s in values)
    shape = tuple(int(s) for s in values) if integers else ()
    if len(shape) not in (2, 3) or min(shape) < 1:
        raise ValueError(
            f"image_shape must be (height, width) or (channels, height, width) of positive "
            f"integers, got {image_shape!r}"
        )
    return (1, *shape) if len(shape) == 2 else shape


class InputScaler:
    """Standardises inputs: per channel for images, per feature for tabular data.

    Attributes
    ----------
    mean_, scale_ : ndarray broadcastable to ``(1, *input_shape)``
        Learned in ``fit``; a constant channel or feature keeps scale 1. Values too large
        for their squares (beyond about 1e154) are scaled down by their largest magnitude
        before the standard deviation is taken, so it stays finite.
    """

    def __init__(self, input_shape: Sequence[int]):
        self.input_shape = tuple(int(s) for s in input_shape)

    def fit(self, X: np.ndarray) -> "InputScaler":
        X = self._reshape(X)
        axes = (0, 2, 3) if X.ndim == 4 else (0,)
        with np.errstate(over="ignore", invalid="ignore"):
            mean = X.mean(axis=axes, keepdims=True, dtype=np.float64)
            scale = X.std(axis=axes, keepdims=True, dtype=np.float64)
        if not (np.isfinite(mean).all() and np.isfinite(scale).all()):
            mean, scale = _stable_mean_std(X, axes)
        self.mean_ = mean
        self.scale_ = np.where(scale > 1e-12, scale, 1.0)
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        """Float32 array of shape ``(n_samples, *input_shape)``."""
        return ((self._reshape(X) - self.mean_) / self.scale_).astype(np.float32)

    def _reshape(self, X: np.ndarray) -> np.ndarray:
        if tuple(X.shape[1:]) not in (self.input_shape, (int(np.prod(self.input_shape)),)):
            raise ValueError(
                f"X has per-sample shape {tuple(X.shape[1:])} but the estimator was fitted on "
                f"shape {self.input_shape}"
            )
        return X.reshape(len(X), *self.input_shape)


def _stable_mean_std(X: np.ndarray, axes: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation of values whose squares overflow: computed on ``X`` divided
    by its largest magnitude, then scaled back."""
    peak = np.abs(X).max(axis=axes, keepdims=True).astype(np.float64)
    if peak.max() > np.finfo(np.float64).max / 4:  # centring itself could overflow
        raise ValueError(
            f"X holds values as large as {peak.max():.3g}, too close to the largest float to "
            "standardise; divide X by a constant (e.g. its largest magnitude) before fit"
        )
    peak = np.where(peak > 0, peak, 1.0)
    scaled = X / peak
    return scaled.mean(axis=axes, keepdims=True) * peak, scaled.std(axis=axes, keepdims=True) * peak


def split_train_validation(
    y: np.ndarray, validation_fraction: float, seed: int, stratify: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Indices of a training and a validation split; stratified by ``y`` when every class can be."""
    index = np.arange(len(y))
    if stratify:
        _, counts = np.unique(y, return_counts=True)
        n_val = int(np.ceil(validation_fraction * len(y)))
        stratify = counts.min() >= 2 and len(counts) <= min(n_val, len(y) - n_val)
    train, val = train_test_split(
        index,
        test_size=validation_fraction,
        random_state=seed,
        stratify=y if stratify else None,
    )
    if len(val) < 2:
        warnings.warn(
            f"the validation split holds {len(val)} sample of {len(y)}: every candidate scores "
            "0 or 1 on it, so the search cannot tell candidates apart; give more samples or a "
            "larger validation_fraction",
            UserWarning,
            stacklevel=3,
        )
    return train, val
