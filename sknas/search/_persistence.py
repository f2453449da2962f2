"""``save`` and ``load``: a fitted search as weights (``torch.save``) and JSON metadata, loaded without running code."""

from __future__ import annotations

import json
import os
import pickle
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch
from sklearn.utils.validation import check_is_fitted

from .._version import __version__
from ..proxies import EvolvedProxy
from ..spaces import SPACE_CLASSES
from ..driver import SearchState
from ..driver._state import json_number
from ._data import InputScaler

FORMAT = "sknas-estimator"
VERSION = 1
#: ``results_`` columns that hold text; the others are numbers, NaN stored as null.
TEXT_COLUMNS = ("architecture", "status", "error")


class _NotStorable(TypeError):
    pass


def _encode(value: Any) -> Any:
    """JSON for a parameter value; tuples, spaces and evolved proxies are tagged to come back as such."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, tuple):
        return {"__tuple__": [_encode(v) for v in value]}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        return {"__dict__": [[_encode(k), _encode(v)] for k, v in value.items()]}
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if type(value) in SPACE_CLASSES.values():
        return {"__space__": type(value).__name__, "config": _encode(value.get_config())}
    if isinstance(value, EvolvedProxy):
        return {"__evolved_proxy__": value.to_json()}
    raise _NotStorable(type(value).__name__)


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "__tuple__" in value:
        return tuple(_decode(v) for v in value["__tuple__"])
    if "__dict__" in value:
        return {_decode(k): _decode(v) for k, v in value["__dict__"]}
    if "__space__" in value:
        return SPACE_CLASSES[value["__space__"]](**_decode(value["config"]))
    if "__evolved_proxy__" in value:
        return EvolvedProxy.from_json(value["__evolved_proxy__"])
    raise ValueError(f"unknown tagged value {sorted(value)}")


def save(search, path: str | os.PathLike) -> Path:
    """Save a fitted search estimator to one file that ``sknas.load`` reads without running code.

    The network's weights are stored with ``torch.save``; everything else (parameters, the
    architecture, the space, classes, the input scaling, ``results_`` and the search state
    that ``warm_start`` continues from) as JSON inside the same file, so
    ``torch.load(weights_only=True)`` reads it all. Attributes particular to one strategy
    (such as ``POnasSearch.pool_``) and parameters that are not plain values (``callbacks``,
    a ``RandomState``) are not stored: pickle the estimator with ``joblib.dump`` to keep
    everything, for files you trust.

    Parameters
    ----------
    search : BaseSearch
        A fitted search estimator.
    path : str or path-like
        The file to write.

    Returns
    -------
    path : pathlib.Path

    Examples
    --------
    >>> import os, tempfile
    >>> from sklearn.datasets import load_digits
    >>> import sknas
    >>> X, y = load_digits(return_X_y=True)
    >>> search = sknas.RandomSearch(budget=1, epochs=1, final_epochs=1, random_state=0).fit(X[:100], y[:100])
    >>> path = sknas.save(search, os.path.join(tempfile.mkdtemp(), "search.pt"))
    >>> bool((sknas.load(path).predict(X[:5]) == search.predict(X[:5])).all())
    True
    """
    check_is_fitted(search)
    params, not_saved = {}, {}
    for name, value in search.get_params(deep=False).items():
        try:
            params[name] = _encode(value)
        except _NotStorable as exc:
            not_saved[name] = str(exc)
    fitted: dict[str, Any] = {
        "task_": search.task_,
        "n_features_in_": int(search.n_features_in_),
        "input_shape_": list(search.input_shape_),
        "n_outputs_": int(search.n_outputs_),
        "space_": _encode(search.space_),
        "best_architecture_": str(search.best_architecture_),
        "best_score_": float(search.best_score_),
        "search_time_s_": float(search.search_time_s_),
        "results_": {
            column: [v if column in TEXT_COLUMNS else json_number(v) for v in values]
            for column, values in search.results_.items()
        },
        "search_state_": search.search_state_.to_json(),
    }
    if hasattr(search, "feature_names_in_"):
        fitted["feature_names_in_"] = [str(name) for name in search.feature_names_in_]
    if search.task_ == "classification":
        classes = np.asarray(search.classes_)
        fitted["classes_"] = {"values": classes.tolist(), "dtype": classes.dtype.str}
    else:
        fitted["target_mean_"], fitted["target_scale_"] = search.target_mean_, search.target_scale_
    metadata = {
        "format": FORMAT, "version": VERSION, "sknas_version": __version__,
        "estimator": type(search).__name__, "params": params, "params_not_saved": not_saved,
        "fitted": fitted,
    }
    try:
        text = json.dumps(metadata, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"this estimator holds values that JSON cannot store ({exc}); pickle it with "
            "joblib.dump instead"
        ) from exc
    payload = {
        "metadata": text,
        "network": {k: v.detach().cpu() for k, v in search.best_model_.state_dict().items()},
        "input_mean": torch.as_tensor(search.input_scaler_.mean_),
        "input_scale": torch.as_tensor(search.input_scaler_.scale_),
    }
    path = Path(path)
    torch.save(payload, path)
    return path


def load(path: str | os.PathLike, device: str = "cpu"):
    """Load a search estimator written by ``sknas.save``; no code from the file is run.

    Parameters
    ----------
    path : str or path-like
        A file written by ``sknas.save``.
    device : str, default="cpu"
        Where to put the network.

    Returns
    -------
    search : BaseSearch
        The fitted estimator: ``predict``, ``predict_proba``, ``score``, ``export`` and
        ``warm_start`` work as before saving.
    """
    from .. import search as search_module

    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
        metadata = json.loads(payload["metadata"])
    except (pickle.UnpicklingError, RuntimeError, KeyError, TypeError, ValueError, EOFError) as exc:
        raise ValueError(f"{str(path)!r} is not a file written by sknas.save ({exc})") from exc
    if metadata.get("format") != FORMAT or metadata.get("version") != VERSION:
        raise ValueError(f"{str(path)!r} is not a sknas.save file of version {VERSION}")
    name = metadata["estimator"]
    estimator_class = getattr(search_module, name, None) if name in search_module.__all__ else None
    if not (isinstance(estimator_class, type) and issubclass(estimator_class, search_module.BaseSearch)):
        raise ValueError(f"{str(path)!r} names an unknown estimator {name!r}")
    search = estimator_class(**{k: _decode(v) for k, v in metadata["params"].items()})
    lost = sorted(set(metadata["params_not_saved"]) - {"callbacks"})  # hooks of a fit, not state
    if lost:
        warnings.warn(
            f"parameters {lost} were not saved (not plain values) and have their defaults",
            UserWarning, stacklevel=2,
        )
    fitted = metadata["fitted"]
    search.task_ = fitted["task_"]
    search.n_features_in_ = fitted["n_features_in_"]
    search.input_shape_ = tuple(fitted["input_shape_"])
    search.n_outputs_ = fitted["n_outputs_"]
    search.space_ = _decode(fitted["space_"])
    search.best_architecture_ = search.space_.parse(fitted["best_architecture_"])
    search.best_score_ = fitted["best_score_"]
    search.search_time_s_ = fitted["search_time_s_"]
    search.results_ = {
        column: [v if column in TEXT_COLUMNS or v is not None else np.nan for v in values]
        for column, values in fitted["results_"].items()
    }
    search.search_state_ = SearchState.from_json(fitted["search_state_"])
    if "feature_names_in_" in fitted:
        search.feature_names_in_ = np.asarray(fitted["feature_names_in_"], dtype=object)
    if search.task_ == "classification":
        classes = fitted["classes_"]
        search.classes_ = np.asarray(classes["values"], dtype=np.dtype(classes["dtype"]))
    else:
        search.target_mean_, search.target_scale_ = fitted["target_mean_"], fitted["target_scale_"]
    search.input_scaler_ = InputScaler(search.input_shape_)
    search.input_scaler_.mean_ = payload["input_mean"].numpy()
    search.input_scaler_.scale_ = payload["input_scale"].numpy()
    network = search.space_.build(search.best_architecture_, search.input_shape_, search.n_outputs_)
    network.load_state_dict(payload["network"])
    search.best_model_ = network.to(device).eval()
    return search
