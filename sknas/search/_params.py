"""Checks of the parameters every search estimator shares, run at the start of ``fit``."""

from __future__ import annotations

import os
from numbers import Integral, Real

import numpy as np

from ..evaluation._training import resolve_device
from ._targets import TASKS


def check_integer(name: str, value, low: int, why: str = "") -> None:
    """Raise a ``ValueError`` naming ``name`` unless ``value`` is an integer >= ``low``.

    ``why``, when given, ends the message (e.g. the reason for ``low``).
    """
    if not isinstance(value, Integral) or isinstance(value, bool) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}{'; ' + why if why else ''}")


def check_search_params(search) -> None:
    """Raise a ``ValueError`` saying what to do for a shared parameter that cannot work."""
    checks = [
        ("budget", search.budget, 1),
        ("epochs", search.epochs, 1),
        ("final_epochs", search.final_epochs, 1),
    ]
    for name, value, low in checks:
        check_integer(name, value, low)
    # one-sample batches cannot train batch normalisation: every step would be skipped
    check_integer("batch_size", search.batch_size, 2,
                  "batch normalisation cannot train on one sample per batch")
    fraction = search.validation_fraction
    if not isinstance(fraction, Real) or not 0 < fraction < 1:
        raise ValueError(f"validation_fraction must be a number in (0, 1), got {fraction!r}")
    rate = search.learning_rate
    if rate is not None and (
        not isinstance(rate, Real) or isinstance(rate, bool) or not 0 < rate < np.inf
    ):
        # else every candidate fails inside torch and fit blames the data
        raise ValueError(f"learning_rate must be a positive finite number or None, got {rate!r}")
    n_jobs = search.n_jobs
    if n_jobs is not None and (not isinstance(n_jobs, Integral) or isinstance(n_jobs, bool) or n_jobs == 0):
        raise ValueError(
            f"n_jobs must be a nonzero integer (-1 for every core) or None for 1, got {n_jobs!r}"
        )
    if search.task not in TASKS:
        raise ValueError(
            f"unknown task {search.task!r}; use 'auto', 'classification' or 'regression'"
        )
    resolve_device(search.device)
    if search.callbacks is not None and not isinstance(search.callbacks, (list, tuple)):
        raise ValueError(
            f"callbacks must be a list of callback objects or None, got {search.callbacks!r}"
        )
    if search.checkpoint is not None:
        if not isinstance(search.checkpoint, (str, os.PathLike)):
            raise ValueError(f"checkpoint must be a file or folder path or None, got {search.checkpoint!r}")
        # whether its folder exists and can be written is checked by Checkpoint.open, before any work
