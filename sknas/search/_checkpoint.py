"""Where an estimator's search starts: a checkpoint, the previous fit, or a new state; and the
fingerprint that lets a checkpoint be continued only by the search that wrote it."""

from __future__ import annotations

import copy
import warnings
from typing import Any

import joblib
import numpy as np
from sklearn.utils import check_random_state

from ..driver import Checkpoint, SearchState
from ..spaces import SearchSpace

#: Parameters that do not change which architectures a search evaluates or their results,
#: so a checkpoint written under other values of them can be resumed (``final_epochs`` and
#: ``ensemble_size`` shape the refit alone). ``n_jobs`` is checked apart: it sets the batch
#: size, which matters to adaptive strategies only.
RESUMABLE_WITH_OTHER = ("budget", "max_time", "n_jobs", "verbose", "callbacks", "checkpoint", "warm_start", "device",
                        "ensemble_size", "final_epochs")


def search_fingerprint(estimator, X, y, sample_weight=None) -> str:
    """Hash of what decides a search: the estimator's class, its parameters and the data
    (with the sample weights, when there are any)."""
    params = estimator.get_params(deep=False)
    for name in RESUMABLE_WITH_OTHER:
        params.pop(name, None)
    if not isinstance(params.get("random_state"), int):
        params["random_state"] = None  # unseeded: the state's own seed is reused
    described = {name: _describe(value) for name, value in sorted(params.items())}
    data = [X, y] if sample_weight is None else [X, y, sample_weight]
    return joblib.hash([type(estimator).__qualname__, described, *data])


def _describe(value: Any) -> Any:
    """A picklable stand-in for a parameter value that is equal for equal values."""
    if isinstance(value, SearchSpace):
        return [type(value).__qualname__, value.get_config()]
    try:
        return joblib.hash(value)
    except Exception:  # noqa: BLE001 - an unpicklable object: its repr is the best we have
        return repr(value)


def starting_state(search, fingerprint: str, checkpoint: Checkpoint | None) -> SearchState:
    """The state ``search.fit`` continues: the checkpoint's, the previous fit's (``warm_start``), or a new one."""
    if checkpoint is not None:
        state = checkpoint.read()
        if state is not None:
            if state.fingerprint != fingerprint:
                raise ValueError(
                    f"checkpoint {str(checkpoint.path)!r} was written by a search with other "
                    "data or parameters; delete it or pass another checkpoint path (or a "
                    "folder, which keeps one file per search) to start a new search"
                )
            return state
    previous = getattr(search, "search_state_", None)
    if search.warm_start and previous is not None:
        if previous.fingerprint == fingerprint:
            return copy.deepcopy(previous)
        warnings.warn(
            "warm_start=True but the data or the parameters changed since the last fit; "
            "starting a new search", UserWarning, stacklevel=3,
        )
    seed = int(check_random_state(search.random_state).randint(np.iinfo(np.int32).max))
    return SearchState(fingerprint, seed)
