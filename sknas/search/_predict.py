"""The one prediction path of a fitted search: input scaling, network, output mapping."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ..evaluation import predict_outputs

#: Rows per forward pass in ``predict``: every pass has this many rows (padded), so a
#: sample's prediction does not depend on what else is predicted with it.
PREDICT_BATCH = 64


class AveragedNetworks(nn.Module):
    """Several trained networks as one: the mean of their class probabilities, or of their outputs.

    For classification it returns the logarithm of the mean probabilities, so that a softmax
    of its output gives that mean back (``PredictionModule`` applies one).

    Parameters
    ----------
    networks : sequence of torch.nn.Module
        The networks, taking the same inputs and giving outputs of the same shape. They are
        held, not copied.
    classification : bool
        Whether the outputs are logits (averaged as probabilities) or regression outputs.
    """

    def __init__(self, networks, classification: bool):
        super().__init__()
        self.networks = nn.ModuleList(networks)
        self.classification = bool(classification)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The log of the mean probabilities (classification) or the mean output (regression).

        Parameters
        ----------
        x : torch.Tensor
            A batch of inputs, as each network takes it.

        Returns
        -------
        outputs : torch.Tensor of shape (n, n_outputs)
            The averaged outputs.
        """
        outputs = torch.stack([network(x) for network in self.networks])
        if self.classification:
            return torch.log(torch.softmax(outputs, dim=-1).mean(dim=0))
        return outputs.mean(dim=0)


class PredictionModule(nn.Module):
    """What ``predict_proba`` (classification) or ``predict`` (regression) computes, as one module.

    It takes raw inputs shaped as given to ``fit`` (rows, or 4-D images), applies the
    standardisation learned in ``fit``, runs the network and returns float64 class
    probabilities (columns in the order of ``classes_``) or float64 targets in their
    original scale. ``predict``, ``predict_proba``, ``score``, ``predict_front``,
    ``export`` and ``sknas.load`` all go through it, so they compute the same numbers.

    The standardisation is computed in float64 and rounded once to float32, the precision
    the network computes in; the softmax and the de-standardisation of the network's
    float32 outputs are computed in float64.

    Parameters
    ----------
    network : torch.nn.Module
        The trained network (``best_model_``, or the ``AveragedNetworks`` of
        ``ensemble_models_``). It is held, not copied.
    input_shape : tuple of int
        Per-sample shape the network takes.
    mean : ndarray
        The input means (``InputScaler.mean_``), broadcastable to ``(1, *input_shape)``.
    scale : ndarray
        The input standard deviations (``InputScaler.scale_``), of the shape of ``mean``.
    task : {"classification", "regression"}
        Whether the outputs are mapped to probabilities or to targets.
    target_mean : float, default=0.0
        The mean of the regression targets, added back to the network's output.
    target_scale : float, default=1.0
        The standard deviation of the regression targets, multiplying the network's output.
    """

    def __init__(self, network: nn.Module, input_shape, mean, scale, task: str,
                 target_mean: float = 0.0, target_scale: float = 1.0):
        super().__init__()
        self.network = network
        self.input_shape = tuple(int(s) for s in input_shape)
        self.register_buffer("input_mean", torch.as_tensor(np.asarray(mean), dtype=torch.float64))
        self.register_buffer("input_scale", torch.as_tensor(np.asarray(scale), dtype=torch.float64))
        self.classification = task == "classification"
        self.target_mean = float(target_mean)
        self.target_scale = float(target_scale)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        """Probabilities of shape ``(n, n_classes)`` or targets of shape ``(n,)``, in float64.

        Parameters
        ----------
        X : torch.Tensor of shape (n, n_features) or (n, *input_shape)
            Raw inputs, float32 or float64.

        Returns
        -------
        outputs : torch.Tensor
            Class probabilities (classification) or predicted targets (regression).
        """
        X = X.reshape((-1,) + self.input_shape)
        outputs = self.network(((X.double() - self.input_mean) / self.input_scale).float())
        if self.classification:
            return torch.softmax(outputs.double(), dim=1)
        return outputs[:, 0].double() * self.target_scale + self.target_mean


def prediction_module(search, network: nn.Module | None = None) -> PredictionModule:
    """The ``PredictionModule`` of a fitted ``search`` around ``network`` (by default
    ``best_model_``, or the average of ``ensemble_models_`` when it holds several), in eval
    mode, on the network's device."""
    if network is None:
        members = getattr(search, "ensemble_models_", None) or [search.best_model_]
        network = members[0] if len(members) == 1 else AveragedNetworks(members, search.task_ == "classification")
    regression = search.task_ == "regression"
    module = PredictionModule(
        network, search.input_shape_, search.input_scaler_.mean_, search.input_scaler_.scale_, search.task_,
        target_mean=search.target_mean_ if regression else 0.0,
        target_scale=search.target_scale_ if regression else 1.0,
    )
    device = next(network.parameters(), torch.empty(0)).device
    return module.to(device).eval()


def predict_rows(predictor: PredictionModule, X: np.ndarray) -> np.ndarray:
    """What ``predictor`` gives on the validated rows ``X``, in fixed passes of ``PREDICT_BATCH``
    rows (zero-padded), so that a sample's output does not depend on the other samples."""
    device = predictor.input_mean.device
    return predict_outputs(predictor, torch.as_tensor(X), device, PREDICT_BATCH, fixed_batch=True).numpy()
