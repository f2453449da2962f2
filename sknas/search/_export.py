"""Export of a fitted search: preprocessing, network and output transform in one TorchScript or ONNX file."""

from __future__ import annotations

import contextlib
import copy
import importlib.util
import json
import logging
import os
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch

FORMATS = ("torchscript", "onnx")


def fit_sample_shape(search) -> tuple[int, ...]:
    """The shape of one sample of the ``X`` given to ``fit``: a row, or an image (C, H, W).

    Images reach ``fit`` as 4-D arrays unless ``image_shape`` says they are rows.
    """
    if len(search.input_shape_) == 3 and search.image_shape is None:
        return tuple(search.input_shape_)
    return (int(search.n_features_in_),)


def export_metadata(search) -> dict[str, Any]:
    """What a user of the exported file needs besides it: the meaning of inputs and outputs."""
    metadata: dict[str, Any] = {
        "estimator": type(search).__name__,
        "architecture": str(search.best_architecture_),
        "task": search.task_,
        "input_shape": list(search.input_shape_),
        "n_features_in": int(search.n_features_in_),
        "output": "class probabilities" if search.task_ == "classification" else "predicted target",
    }
    if search.task_ == "classification":
        metadata["classes"] = np.asarray(search.classes_).tolist()
    return metadata


def export_search(search, path: str | os.PathLike, format: str = "torchscript") -> Path:
    """Write the fitted ``search`` to ``path`` as TorchScript or ONNX; see ``BaseSearch.export``."""
    if format not in FORMATS:
        raise ValueError(f"unknown export format {format!r}; use 'torchscript' or 'onnx'")
    path = Path(path)
    module = copy.deepcopy(search.predictor_).cpu().eval()  # the estimator's own stays put
    example = torch.zeros((2, *fit_sample_shape(search)), dtype=torch.float32)
    metadata = json.dumps(export_metadata(search), default=str)
    if format == "torchscript":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # torch.jit is in maintenance
            traced = torch.jit.trace(module, example)
            torch.jit.save(traced, str(path), _extra_files={"sknas.json": metadata})
        return path
    missing = [name for name in ("onnx", "onnxscript") if importlib.util.find_spec(name) is None]
    if missing:
        raise ImportError(
            f"ONNX export needs the {' and '.join(missing)} package(s): pip install onnx onnxscript"
        )
    import onnx

    batch = torch.export.Dim("batch", min=1)
    with _quiet_onnx_exporter():
        program = torch.onnx.export(
            module, (example,), dynamo=True, input_names=["X"],
            output_names=["probabilities" if search.task_ == "classification" else "prediction"],
            dynamic_shapes={"X": {0: batch}}, verbose=False,
        )
    model = program.model_proto
    entry = model.metadata_props.add()
    entry.key, entry.value = "sknas", metadata
    onnx.save(model, str(path))
    return path


@contextlib.contextmanager
def _quiet_onnx_exporter():
    """Silence what torch's ONNX exporter says about itself, not about the model."""
    exporter_log = logging.getLogger("torch.onnx")
    level = exporter_log.level
    exporter_log.setLevel(logging.ERROR)  # a warning per torchvision op it cannot register
    try:
        with warnings.catch_warnings():
            # its own deprecations (torch.jit.script, LeafSpec)
            warnings.simplefilter("ignore", DeprecationWarning)
            warnings.simplefilter("ignore", FutureWarning)
            yield
    finally:
        exporter_log.setLevel(level)
