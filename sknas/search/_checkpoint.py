"""What identifies an estimator's search, so that a checkpoint is only continued by the search that wrote it."""

from __future__ import annotations

from typing import Any

import joblib

from ..spaces import SearchSpace

#: Parameters that do not change which architectures a search evaluates or their results,
#: so a checkpoint written under other values of them can be resumed. ``n_jobs`` is checked
#: apart: it sets the batch size, which matters to adaptive strategies only.
RESUMABLE_WITH_OTHER = ("budget", "n_jobs", "verbose", "callbacks", "checkpoint", "warm_start", "device")


def search_fingerprint(estimator, X, y) -> str:
    """Hash of what decides a search: the estimator's class, its parameters and the data."""
    params = estimator.get_params(deep=False)
    for name in RESUMABLE_WITH_OTHER:
        params.pop(name, None)
    if not isinstance(params.get("random_state"), int):
        params["random_state"] = None  # unseeded: the state's own seed is reused
    described = {name: _describe(value) for name, value in sorted(params.items())}
    return joblib.hash([type(estimator).__qualname__, described, X, y])


def _describe(value: Any) -> Any:
    """A picklable stand-in for a parameter value that is equal for equal values."""
    if isinstance(value, SearchSpace):
        return [type(value).__qualname__, value.get_config()]
    try:
        return joblib.hash(value)
    except Exception:  # noqa: BLE001 - an unpicklable object: its repr is the best we have
        return repr(value)
