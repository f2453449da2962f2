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
from ..driver._state import depth_at_most, json_number
from ..evaluation._device import TRAINING_DTYPES
from ._data import InputScaler
from ._predict import prediction_module

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


class _InvalidFile(ValueError):
    """What makes a file's metadata unusable; ``load`` adds the file's name."""


#: Deepest nesting of lists and objects in a stored parameter value.
MAX_PARAM_DEPTH = 32
#: Bounds of what a file may ask ``load`` to build, checked before anything is built. The
#: network is then built on PyTorch's meta device and must match the weights stored in the file,
#: so that loading never allocates more than the file holds.
MAX_FEATURES = 10**8
MAX_OUTPUTS = 10**6
#: Entries of a list of choices in a space's configuration.
MAX_CHOICES = 1024
#: Bounds of each number of a space's configuration, by space class and constructor argument;
#: a space class not listed here gets ``DEFAULT_SPACE_BOUNDS``.
SPACE_BOUNDS: dict[str, dict[str, tuple[float, float] | None]] = {
    "CellSpace": {"channels": (1, 4096), "cells_per_stage": (1, 64)},
    "MLPSpace": {"depths": (1, 64), "widths": (1, 65536), "activations": None, "dropouts": (0.0, 1.0),
                 "norms": None, "linear_shortcut": None},
}
DEFAULT_SPACE_BOUNDS = (-65536, 65536)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _numeric_text(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _check_space_config(name: str, config: Any) -> None:
    """Refuse a space configuration with unknown arguments or absurd sizes, before building it."""
    if not isinstance(config, dict):
        raise _InvalidFile(f"the configuration of a {name} must be an object")
    bounds = SPACE_BOUNDS.get(name)
    if bounds is not None:
        unknown = sorted(set(config) - set(bounds))
        if unknown:
            raise _InvalidFile(f"{name} has no arguments {unknown}; it takes {sorted(bounds)}")
    for key, value in config.items():
        limits = DEFAULT_SPACE_BOUNDS if bounds is None else bounds[key]
        values = list(value) if isinstance(value, (list, tuple)) else [value]
        if len(values) > MAX_CHOICES:
            raise _InvalidFile(f"{name}'s {key} lists {len(values)} choices, more than {MAX_CHOICES}")
        for v in values:
            if isinstance(v, str):  # names (of activations...), never numbers in disguise
                ok = len(v) <= 100 and (limits is None or (bounds is None and not _numeric_text(v)))
            elif isinstance(v, bool):  # a switch: never a number in disguise
                ok = bounds is None or limits is None
            else:
                ok = _is_number(v) and limits is not None and limits[0] <= v <= limits[1]
            if not ok:
                what = "names" if limits is None else f"numbers from {limits[0]} to {limits[1]}"
                raise _InvalidFile(f"{name}'s {key} holds {v!r:.60}; a file may give it {what}")


def _decode(value: Any) -> Any:
    """A parameter value of ``_encode``'s JSON; raises ``_InvalidFile`` on anything else."""
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1 and "__tuple__" in value and isinstance(value["__tuple__"], list):
        return tuple(_decode(v) for v in value["__tuple__"])
    if len(value) == 1 and "__dict__" in value and isinstance(value["__dict__"], list):
        pairs = value["__dict__"]
        if not all(isinstance(pair, list) and len(pair) == 2 for pair in pairs):
            raise _InvalidFile("a stored dict must be a list of [key, value] pairs")
        try:
            return {_decode(k): _decode(v) for k, v in pairs}
        except TypeError:
            raise _InvalidFile("a stored dict has a key that is not a plain value") from None
    if set(value) == {"__space__", "config"}:
        name = value["__space__"]
        if not isinstance(name, str) or name not in SPACE_CLASSES:
            raise _InvalidFile(f"unknown space {name!r:.60}; a file may name {sorted(SPACE_CLASSES)}")
        config = _decode(value["config"])
        if name == "MLPSpace" and isinstance(config, dict):
            config.setdefault("linear_shortcut", False)  # files of sknas before the shortcut have none
        _check_space_config(name, config)
        try:
            return SPACE_CLASSES[name](**config)
        except (TypeError, ValueError) as exc:
            raise _InvalidFile(f"the {name} of the file cannot be built ({exc})") from None
    if set(value) == {"__evolved_proxy__"}:
        try:
            return EvolvedProxy.from_json(value["__evolved_proxy__"])
        except ValueError as exc:
            raise _InvalidFile(str(exc)) from None
    raise _InvalidFile(f"unknown tagged value {sorted(value)[:5]}")


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
        The file written.

    Examples
    --------
    >>> import os, tempfile
    >>> from sklearn.datasets import load_digits
    >>> import sknas
    >>> X, y = load_digits(return_X_y=True)
    >>> search = sknas.RandomSearch(space="mlp", budget=1, epochs=1, final_epochs=1,
    ...                             random_state=0).fit(X[:100], y[:100])
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
        "ensemble_architectures_": [str(arch) for arch in search.ensemble_architectures_],
        "best_score_": float(search.best_score_),
        "search_time_s_": float(search.search_time_s_),
        "precision_": str(search.precision_),
        "max_shift_": int(search.max_shift_),
        "refit_epochs_": int(search.refit_epochs_),
        "search_timings_": {k: float(v) for k, v in getattr(search, "search_timings_", {}).items()},
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
        "network": _weights(search.best_model_),
        # the other members of the ensemble, in the order of ensemble_architectures_[1:]
        "ensemble_networks": [_weights(model) for model in search.ensemble_models_[1:]],
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
        ``warm_start`` work as before saving. Its ``checkpoint`` is None (with a warning when
        the file named one): a file does not choose where the next ``fit`` writes.

    Raises
    ------
    ValueError
        If the file is not one ``sknas.save`` writes, or its metadata is not valid (a field
        missing or of the wrong type, a space or network beyond the bounds of
        ``SPACE_BOUNDS``, ``MAX_FEATURES`` and ``MAX_OUTPUTS``, weights that are not those
        of its architecture): the message says what is wrong, before anything is built.
    """
    from .. import search as search_module

    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
        metadata = json.loads(payload["metadata"])
    except (pickle.UnpicklingError, RuntimeError, KeyError, IndexError, TypeError, ValueError, EOFError,
            RecursionError) as exc:
        raise ValueError(f"{str(path)!r} is not a file written by sknas.save ({exc})") from exc
    if not isinstance(metadata, dict) or metadata.get("format") != FORMAT or metadata.get("version") != VERSION:
        raise ValueError(f"{str(path)!r} is not a sknas.save file of version {VERSION}")
    try:
        search = _restore(metadata, payload, search_module, device)
    except _InvalidFile as exc:
        raise ValueError(f"{str(path)!r} is not a valid sknas estimator file: {exc}") from None
    return search


def _fields(mapping: Any, where: str, types: dict[str, Any]) -> None:
    """Raise ``_InvalidFile`` unless ``mapping`` is a dict with each field of ``types`` of its type."""
    if not isinstance(mapping, dict):
        raise _InvalidFile(f"{where} must be an object")
    for name, kinds in types.items():
        if name not in mapping:
            raise _InvalidFile(f"{where} lacks {name!r}")
        value = mapping[name]
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            raise _InvalidFile(f"{where}[{name!r}] is a {type(value).__name__}, not {' or '.join(k.__name__ for k in kinds)}")


def _restore(metadata: dict, payload: dict, search_module, device: str):
    """The estimator of validated metadata and weights (raises ``_InvalidFile`` saying what is wrong)."""
    _fields(metadata, "the metadata", {"estimator": (str,), "params": (dict,), "params_not_saved": (dict,),
                                       "fitted": (dict,)})
    if not isinstance(payload, dict) or not isinstance(payload.get("network"), dict) or not all(
        isinstance(payload.get(k), torch.Tensor) for k in ("input_mean", "input_scale")
    ) or not all(isinstance(v, torch.Tensor) for v in payload["network"].values()):
        raise _InvalidFile("the weights must be a dict of tensors beside the input_mean and input_scale tensors")
    name = metadata["estimator"]
    estimator_class = getattr(search_module, name, None) if name in search_module.__all__ else None
    if not (isinstance(estimator_class, type) and issubclass(estimator_class, search_module.BaseSearch)):
        raise _InvalidFile(f"unknown estimator {name!r:.60}")
    stored = metadata["params"]
    unknown = sorted(set(stored) - set(estimator_class().get_params(deep=False)))
    if unknown:
        raise _InvalidFile(f"{name} has no parameters {unknown[:5]}")
    if not depth_at_most(stored, MAX_PARAM_DEPTH):
        raise _InvalidFile(f"a parameter nests lists and objects more than {MAX_PARAM_DEPTH} deep")
    params = {k: _decode(v) for k, v in stored.items()}
    params.setdefault("max_shift", 0)  # files before max_shift trained without shifts
    if params.get("checkpoint") is not None:
        # a file must not choose where the next fit writes
        warnings.warn(
            f"the file's checkpoint path {params['checkpoint']!r} was not restored (checkpoint=None): a "
            "loaded file does not choose where fit writes; set_params(checkpoint=...) to continue that search",
            UserWarning, stacklevel=3,
        )
        params["checkpoint"] = None
    search = estimator_class(**params)
    lost = sorted(set(map(str, metadata["params_not_saved"])) - {"callbacks"})  # hooks of a fit, not state
    if lost:
        warnings.warn(
            f"parameters {lost} were not saved (not plain values) and have their defaults",
            UserWarning, stacklevel=3,
        )
    _restore_fitted(search, metadata["fitted"])
    mean, scale = payload["input_mean"], payload["input_scale"]
    if mean.shape != scale.shape or mean.dim() != len(search.input_shape_) + 1 or mean.numel() > search.n_features_in_:
        raise _InvalidFile(f"the input scaling of shape {tuple(mean.shape)} does not fit inputs of shape "
                           f"{search.input_shape_}")
    search.input_scaler_ = InputScaler(search.input_shape_)
    search.input_scaler_.mean_ = mean.numpy()
    search.input_scaler_.scale_ = scale.numpy()
    members = _ensemble_weights(payload, len(search.ensemble_architectures_))
    search.ensemble_models_ = [_network(search, arch, weights).to(device).eval()
                               for arch, weights in zip(search.ensemble_architectures_, members)]
    search.best_model_ = search.ensemble_models_[0]
    search.predictor_ = prediction_module(search)
    return search


def _restore_fitted(search, fitted: Any) -> None:
    """Set the fitted attributes of ``search`` from the checked ``fitted`` metadata."""
    _fields(fitted, "fitted", {
        "task_": (str,), "n_features_in_": (int,), "input_shape_": (list,), "n_outputs_": (int,),
        "space_": (dict,), "best_architecture_": (str,), "best_score_": (int, float),
        "search_time_s_": (int, float), "results_": (dict,), "search_state_": (dict,),
    })
    task, n_features, shape, n_outputs = (fitted[k] for k in ("task_", "n_features_in_", "input_shape_", "n_outputs_"))
    if task not in ("classification", "regression"):
        raise _InvalidFile(f"unknown task {task!r:.60}")
    if not 1 <= n_features <= MAX_FEATURES:
        raise _InvalidFile(f"n_features_in_ is {n_features}, not from 1 to {MAX_FEATURES:,}")
    if not 1 <= n_outputs <= MAX_OUTPUTS:
        raise _InvalidFile(f"n_outputs_ is {n_outputs}, not from 1 to {MAX_OUTPUTS:,}")
    if (len(shape) not in (1, 3) or not all(isinstance(s, int) and not isinstance(s, bool) and s >= 1 for s in shape)
            or int(np.prod(shape, dtype=object)) != n_features):
        raise _InvalidFile(f"input_shape_ {shape!r:.60} is not (n_features,) or (C, H, W) of the {n_features} features")
    if not depth_at_most(fitted["space_"], MAX_PARAM_DEPTH) or "__space__" not in fitted["space_"]:
        raise _InvalidFile("space_ is not a stored search space")
    search.task_, search.n_features_in_, search.input_shape_, search.n_outputs_ = task, n_features, tuple(shape), n_outputs
    search.space_ = _decode(fitted["space_"])
    try:
        search.best_architecture_ = search.space_.parse(fitted["best_architecture_"])
    except ValueError as exc:
        raise _InvalidFile(f"best_architecture_: {exc}") from None
    members = fitted.get("ensemble_architectures_", [fitted["best_architecture_"]])  # none before ensembles
    if not (isinstance(members, list) and members and members[0] == fitted["best_architecture_"]
            and all(isinstance(m, str) for m in members)):
        raise _InvalidFile("ensemble_architectures_ must be a list of strings, best_architecture_ first")
    try:
        search.ensemble_architectures_ = [search.best_architecture_, *map(search.space_.parse, members[1:])]
    except ValueError as exc:
        raise _InvalidFile(f"ensemble_architectures_: {exc}") from None
    search.best_score_ = float(fitted["best_score_"])
    search.search_time_s_ = float(fitted["search_time_s_"])
    search.refit_epochs_ = fitted.get("refit_epochs_", search.final_epochs)  # files before 0.1 have none
    if isinstance(search.refit_epochs_, bool) or not isinstance(search.refit_epochs_, int) or search.refit_epochs_ < 1:
        raise _InvalidFile(f"refit_epochs_ is {search.refit_epochs_!r:.60}, not an integer >= 1")
    search.precision_ = fitted.get("precision_", "float32")  # files of sknas before 0.1 have none
    if search.precision_ not in TRAINING_DTYPES:
        raise _InvalidFile(f"precision_ is {search.precision_!r:.60}, not 'float32' or 'bfloat16'")
    search.max_shift_ = fitted.get("max_shift_", 0)  # files before max_shift have none
    if isinstance(search.max_shift_, bool) or not isinstance(search.max_shift_, int) or search.max_shift_ < 0:
        raise _InvalidFile(f"max_shift_ is {search.max_shift_!r:.60}, not an integer >= 0")
    timings = fitted.get("search_timings_", {})  # files of sknas before 0.1 have none
    if not isinstance(timings, dict) or not all(isinstance(v, (int, float)) for v in timings.values()):
        raise _InvalidFile("search_timings_ is not a mapping of names to seconds")
    search.search_timings_ = {str(k): float(v) for k, v in timings.items()}
    search.results_ = _results(fitted["results_"])
    try:
        search.search_state_ = SearchState.from_json(fitted["search_state_"])
    except ValueError as exc:
        raise _InvalidFile(f"search_state_: {exc}") from None
    if "feature_names_in_" in fitted:
        names = fitted["feature_names_in_"]
        if not (isinstance(names, list) and len(names) == n_features and all(isinstance(n, str) for n in names)):
            raise _InvalidFile(f"feature_names_in_ must be {n_features} strings")
        search.feature_names_in_ = np.asarray(names, dtype=object)
    if task == "classification":
        search.classes_ = _classes(fitted.get("classes_"), n_outputs)
    else:
        _fields(fitted, "fitted", {"target_mean_": (int, float), "target_scale_": (int, float)})
        search.target_mean_, search.target_scale_ = float(fitted["target_mean_"]), float(fitted["target_scale_"])


def _results(results: dict) -> dict:
    """``results_`` of its JSON: columns of equal length, of plain values (null is NaN but in
    the text columns)."""
    lengths = {len(v) if isinstance(v, list) else -1 for v in results.values()}
    if -1 in lengths or len(lengths) > 1:
        raise _InvalidFile("results_ must be lists of equal length, one per column")
    out = {}
    for column, values in results.items():
        text = column in TEXT_COLUMNS
        if not all(v is None or isinstance(v, str if text else (str, int, float)) for v in values):
            raise _InvalidFile(f"results_[{column!r}] must hold {'text' if text else 'numbers, flags, text'} or null")
        out[column] = [v if text or v is not None else np.nan for v in values]
    return out


def _classes(classes: Any, n_outputs: int) -> np.ndarray:
    """``classes_`` of its JSON: ``n_outputs`` labels of a plain dtype."""
    _fields(classes, "classes_", {"values": (list,), "dtype": (str,)})
    values = classes["values"]
    if len(values) != n_outputs or not all(isinstance(v, (str, int, float, bool)) for v in values):
        raise _InvalidFile(f"classes_ must hold the {n_outputs} class labels, as text or numbers")
    try:
        dtype = np.dtype(classes["dtype"])
    except (TypeError, ValueError):
        raise _InvalidFile(f"classes_ has an unknown dtype {classes['dtype']!r:.60}") from None
    if dtype.kind not in "biufUSO" or dtype.itemsize > 2**12:
        raise _InvalidFile(f"classes_ has the dtype {dtype.str!r}; labels are numbers or text of at most 1,024 characters")
    try:
        return np.asarray(values, dtype=dtype)
    except (TypeError, ValueError, OverflowError) as exc:
        raise _InvalidFile(f"classes_ cannot be read as {dtype.str} ({exc})") from None


def _weights(network: torch.nn.Module) -> dict:
    """The weights of ``network``, on the CPU, as ``torch.save`` stores them."""
    return {k: v.detach().cpu() for k, v in network.state_dict().items()}


def _ensemble_weights(payload: dict, n_members: int) -> list[dict]:
    """The stored weights of the ``n_members`` networks of the ensemble, the best first."""
    others = payload.get("ensemble_networks", [])  # files of sknas before ensembles have none
    if not isinstance(others, list) or not all(
        isinstance(w, dict) and all(isinstance(v, torch.Tensor) for v in w.values()) for w in others
    ):
        raise _InvalidFile("ensemble_networks must be a list of dicts of tensors")
    if len(others) != n_members - 1:
        raise _InvalidFile(f"ensemble_architectures_ names {n_members} networks, but the weights of "
                           f"{1 + len(others)} are stored")
    return [payload["network"], *others]


def _network(search, arch, weights: dict):
    """The network of ``arch`` with the stored weights; built on the meta device first (no
    memory) to check that it is the network the weights belong to."""
    args = (arch, search.input_shape_, search.n_outputs_)
    try:
        with torch.device("meta"):
            shell = search.space_.build(*args)
    except (TypeError, ValueError) as exc:
        raise _InvalidFile(f"the network of {arch} cannot be built ({exc})") from None
    except (NotImplementedError, RuntimeError):
        shell = None  # a registered space of one's own that needs real tensors to build: its bounds only
    if shell is not None:
        expected = {k: tuple(v.shape) for k, v in shell.state_dict().items()}
        stored = {k: tuple(v.shape) for k, v in weights.items()}
        if expected != stored:
            odd = sorted(set(expected) ^ set(stored)) or [k for k in expected if expected[k] != stored[k]]
            raise _InvalidFile(f"the weights stored are not those of the network of {arch} "
                               f"(they differ at {odd[:3]})")
    network = search.space_.build(*args)
    try:
        network.load_state_dict(weights)
    except RuntimeError as exc:
        raise _InvalidFile(f"the weights stored do not fit the network of {arch} ({exc})") from None
    return network
