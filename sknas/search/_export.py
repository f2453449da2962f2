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
from torch import nn

FORMATS = ("torchscript", "onnx")


class PredictionModule(nn.Module):
    """What ``predict_proba`` (classification) or ``predict`` (regression) computes, as one module.

    It takes raw float32 inputs shaped as given to ``fit`` (rows, or 4-D images), applies
    the standardisation learned in ``fit``, runs the network and returns class
    probabilities (columns in the order of ``classes_``) or targets in their original scale.

    Parameters
    ----------
    network : torch.nn.Module
        The trained network (``best_model_``).
    input_shape : tuple of int
        Per-sample shape the network takes.
    mean, scale : ndarray
        The input standardisation (``InputScaler.mean_`` and ``scale_``).
    task : {"classification", "regression"}
    target_mean, target_scale : float, default=0.0, 1.0
        The target standardisation of a regression.
    """

    def __init__(self, network: nn.Module, input_shape, mean, scale, task: str,
                 target_mean: float = 0.0, target_scale: float = 1.0):
        super().__init__()
        self.network = network
        self.input_shape = tuple(int(s) for s in input_shape)
        self.register_buffer("input_mean", torch.as_tensor(np.asarray(mean), dtype=torch.float32))
        self.register_buffer("input_scale", torch.as_tensor(np.asarray(scale), dtype=torch.float32))
        self.classification = task == "classification"
        self.target_mean = float(target_mean)
        self.target_scale = float(target_scale)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        X = X.reshape((-1,) + self.input_shape)
        outputs = self.network((X - self.input_mean) / self.input_scale)
        if self.classification:
            return torch.softmax(outputs, dim=1)
        return outputs[:, 0] * self.target_scale + self.target_mean


def prediction_module(search) -> PredictionModule:
    """The ``PredictionModule`` of a fitted search, on the CPU, in eval mode."""
    regression = search.task_ == "regression"
    network = copy.deepcopy(search.best_model_).cpu().eval()  # the estimator's own stays put
    return PredictionModule(
        network, search.input_shape_, search.input_scaler_.mean_, search.input_scaler_.scale_,
        search.task_,
        target_mean=search.target_mean_ if regression else 0.0,
        target_scale=search.target_scale_ if regression else 1.0,
    ).eval()


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
    module = prediction_module(search)
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
