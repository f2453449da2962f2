"""Training and evaluating networks: the loop every real-data search uses."""

from __future__ import annotations

import copy
import math
import time
import zlib
from dataclasses import dataclass, replace
from typing import Callable, Sequence

import numpy as np
import torch
from sklearn.utils.multiclass import type_of_target
from torch import nn

from ..spaces import Architecture, SearchSpace
from ._augmentation import random_shifts
from ._device import TRAINING_DTYPES, resolve_device
from ._result import EvaluationResult
from ._scoring import score_outputs, validation_loss

TASKS = ("classification", "regression")


class TrainingDiverged(RuntimeError):
    """The training loss became NaN or infinite."""


@dataclass(frozen=True)
class TrainingRecipe:
    """How a network is trained: a cosine-annealed AdamW or SGD-with-momentum run.

    Parameters
    ----------
    epochs : int, default=10
        Passes over the training data.
    batch_size : int, default=64
        Samples per optimisation step.
    optimizer : {"adamw", "sgd"}, default="adamw"
        AdamW, or SGD with Nesterov momentum 0.9.
    learning_rate : float or None, default=None
        Peak learning rate; None means 3e-3 for AdamW and 0.05 for SGD.
    weight_decay : float, default=5e-4
        Decoupled weight decay (AdamW) or L2 penalty (SGD).
    label_smoothing : float, default=0.0
        Label smoothing of the cross-entropy loss (classification only).
    precision : {"float32", "bfloat16"}, default="float32"
        The dtype of the forward and backward passes: ``"bfloat16"`` runs them under
        ``torch.autocast`` (the weights, the optimizer and the loss stay float32).
    channels_last : bool, default=False
        Whether image networks and batches use the channels-last memory layout while they
        train (the trained network is handed back in the default layout).
    max_shift : int, default=0
        Random translations of the training images: each image of each batch is moved by up
        to ``max_shift`` pixels along each axis, its border pixels repeated into the gap
        (:func:`random_shifts`); 0 for none. Tabular inputs are never shifted.
    """

    epochs: int = 10
    batch_size: int = 64
    optimizer: str = "adamw"
    learning_rate: float | None = None
    weight_decay: float = 5e-4
    label_smoothing: float = 0.0
    precision: str = "float32"
    channels_last: bool = False
    max_shift: int = 0

    def __post_init__(self):
        if self.optimizer not in ("adamw", "sgd"):
            raise ValueError(f"unknown optimizer {self.optimizer!r}; use 'adamw' or 'sgd'")
        if self.precision not in TRAINING_DTYPES:
            raise ValueError(f"unknown precision {self.precision!r}; use 'float32' or 'bfloat16'")
        if int(self.max_shift) < 0:
            raise ValueError(f"max_shift must be >= 0 pixels, got {self.max_shift}")
        if int(self.epochs) < 1 or int(self.batch_size) < 1:
            raise ValueError(
                f"epochs and batch_size must be >= 1, got epochs={self.epochs}, "
                f"batch_size={self.batch_size}"
            )

    @property
    def peak_learning_rate(self) -> float:
        if self.learning_rate is not None:
            return float(self.learning_rate)
        return 3e-3 if self.optimizer == "adamw" else 0.05


def architecture_seed(seed: int, arch: Architecture | str) -> int:
    """A seed for one architecture, so its result does not depend on evaluation order."""
    return (int(seed) * 1_000_003 + zlib.crc32(str(arch).encode())) % (2**31 - 1)


def build_network(
    space: SearchSpace, arch: Architecture, input_shape: Sequence[int], n_outputs: int, seed: int
) -> nn.Module:
    """The untrained network of ``arch``, its weights drawn from its own seed.

    Everything that builds a candidate (training, proxies) goes through here, so the same
    ``seed`` gives the same initial weights everywhere.
    """
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(architecture_seed(seed, arch))
        return space.build(arch, input_shape, n_outputs)


def infer_task(y) -> str:
    """``"regression"`` for continuous targets, else ``"classification"`` (labels of any type)."""
    kind = type_of_target(y, input_name="y")
    return "regression" if kind.startswith("continuous") else "classification"


def train_network(
    module: nn.Module,
    X: torch.Tensor,
    y: torch.Tensor,
    *,
    task: str,
    recipe: TrainingRecipe,
    device: torch.device,
    generator: torch.Generator,
    on_epoch_end: Callable[[int, float], None] | None = None,
    sample_weight: torch.Tensor | None = None,
) -> list[float]:
    """Train ``module`` in place on ``(X, y)``; return the mean loss of each epoch.

    ``y`` holds class indices (classification) or targets of shape ``(n, k)`` (regression).
    ``sample_weight``, when given, holds one non-negative weight per sample: each batch's
    loss is then the mean of its per-sample losses times their weights, divided by the mean
    weight of all samples, an unbiased estimate of the weighted mean loss over ``X`` (so a
    batch of zero-weight samples teaches nothing, and weight 2 counts a sample twice).
    ``on_epoch_end(epoch, loss)``, when given, is called after each epoch (from 1), e.g. to
    show progress. A network with a ``set_training_progress(fraction)`` method is told the
    fraction of training done before each epoch (DARTS's drop-path grows with it); one that
    sets ``auxiliary_output`` in its forward pass (an auxiliary head's outputs) adds their loss
    times its ``auxiliary_weight``.

    A last batch of one sample is skipped (batch normalisation cannot train on it) when
    larger batches exist, so every epoch makes at least one step.

    Parameters
    ----------
    module : torch.nn.Module
        The network, trained in place (moved to ``device``, left in eval mode).
    X : torch.Tensor of shape (n_samples, n_features) or (n_samples, C, H, W)
        Float32 inputs.
    y : torch.Tensor of shape (n_samples,) or (n_samples, n_targets)
        Class indices (int64) or float32 targets.
    task : {"classification", "regression"}
        Cross-entropy or mean squared error loss.
    recipe : TrainingRecipe
        Epochs, batch size, optimiser and learning rate.
    device : torch.device
        Where to train.
    generator : torch.Generator
        Draws the order of the samples in each epoch (and the shifts of ``recipe.max_shift``).
    on_epoch_end : callable or None, default=None
        Called as ``on_epoch_end(epoch, loss)`` after each epoch.
    sample_weight : torch.Tensor of shape (n_samples,) or None, default=None
        Non-negative weights of the samples' losses; None weighs them alike.

    Returns
    -------
    losses : list of float
        The mean training loss of each epoch.

    Raises
    ------
    TrainingDiverged
        When a loss becomes NaN or infinite.
    ValueError
        When ``recipe.batch_size`` is 1 and ``module`` has batch normalisation layers,
        which cannot train on one sample: no epoch would make a step.
    """
    channels_last = recipe.channels_last and X.dim() == 4
    shift = int(recipe.max_shift) if X.dim() == 4 else 0
    module.to(device).train()
    if channels_last:
        module.to(memory_format=torch.channels_last)
    autocast = torch.autocast(device.type, dtype=torch.bfloat16, enabled=recipe.precision == "bfloat16")
    if recipe.optimizer == "adamw":
        optimizer: torch.optim.Optimizer = torch.optim.AdamW(
            module.parameters(), lr=recipe.peak_learning_rate, weight_decay=recipe.weight_decay
        )
    else:
        optimizer = torch.optim.SGD(
            module.parameters(),
            lr=recipe.peak_learning_rate,
            momentum=0.9,
            nesterov=True,
            weight_decay=recipe.weight_decay,
        )
    reduction = "mean" if sample_weight is None else "none"
    if task == "classification":
        loss_fn: nn.Module = nn.CrossEntropyLoss(label_smoothing=recipe.label_smoothing, reduction=reduction)
    else:
        loss_fn = nn.MSELoss(reduction=reduction)
    weights = None
    if sample_weight is not None:
        weights = torch.as_tensor(sample_weight, dtype=torch.float32)
        weights = weights / weights.mean()
    n = len(X)
    batch_size = min(int(recipe.batch_size), n)
    if batch_size == 1 < n and any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in module.modules()):
        raise ValueError(
            "batch_size=1 cannot train a network with batch normalisation layers, which need "
            "two samples or more per batch; use batch_size >= 2"
        )
    # With batch_size >= 2 only a last batch can hold one sample, and it is skipped; with
    # batch_size == 1 (no batch normalisation, or a single training sample) every batch trains.
    skip_single = batch_size >= 2
    steps_per_epoch = math.ceil(n / batch_size)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(
        optimizer, T_max=int(recipe.epochs) * steps_per_epoch
    )
    # Networks may schedule a regulariser over training (DARTS's drop-path) and return an
    # auxiliary head's logits in training mode, whose loss counts ``auxiliary_weight`` times.
    set_progress = getattr(module, "set_training_progress", None)
    auxiliary_weight = float(getattr(module, "auxiliary_weight", 0.0))
    losses = []
    for epoch in range(int(recipe.epochs)):
        if set_progress is not None:
            set_progress(epoch / int(recipe.epochs))
        order = torch.randperm(n, generator=generator)
        total, seen = 0.0, 0
        for start in range(0, n, batch_size):
            index = order[start : start + batch_size]
            if len(index) < 2 and skip_single:
                continue  # batch normalisation cannot train on a single sample
            xb, yb = X[index].to(device), y[index].to(device)
            if shift:
                xb = random_shifts(xb, shift, generator)
            if channels_last:
                xb = xb.contiguous(memory_format=torch.channels_last)
            optimizer.zero_grad(set_to_none=True)
            with autocast:  # the losses are float32 under autocast
                loss = loss_fn(module(xb), yb)
                auxiliary = getattr(module, "auxiliary_output", None)
                if auxiliary is not None and auxiliary_weight > 0:
                    loss = loss + auxiliary_weight * loss_fn(auxiliary, yb)
            if weights is not None:
                per_sample = loss if loss.dim() == 1 else loss.mean(dim=1)  # regression: over targets
                loss = (per_sample * weights[index].to(device)).mean()
            if not torch.isfinite(loss):
                raise TrainingDiverged(f"the training loss became {loss.item()} in epoch {epoch + 1}")
            loss.backward()
            optimizer.step()
            scheduler.step()
            total += loss.item() * len(index)
            seen += len(index)
        losses.append(total / max(seen, 1))
        if on_epoch_end is not None:
            on_epoch_end(epoch + 1, losses[-1])
    if channels_last:
        module.to(memory_format=torch.contiguous_format)
    module.eval()
    return losses


@torch.no_grad()
def predict_outputs(
    module: nn.Module, X: torch.Tensor, device: torch.device, batch_size: int = 512,
    fixed_batch: bool = False,
) -> torch.Tensor:
    """Outputs of ``module`` in eval mode on ``X``, computed in batches, returned on the CPU.

    With ``fixed_batch``, every batch is padded with zeros to ``batch_size`` rows, so that
    each sample goes through computations of the same shape whatever else is predicted with
    it: float32 matrix products of other shapes round differently (by ~1e-7), and a sample
    predicted alone would not get exactly its output within a larger batch.

    Parameters
    ----------
    module : torch.nn.Module
        The network, or any module that maps a batch of ``X`` to a batch of outputs.
    X : torch.Tensor of shape (n_samples, ...)
        Inputs, as ``module`` takes them.
    device : torch.device
        Where ``module`` is; each batch is moved there.
    batch_size : int, default=512
        Rows per forward pass.
    fixed_batch : bool, default=False
        Whether to pad every batch to ``batch_size`` rows.

    Returns
    -------
    outputs : torch.Tensor of shape (n_samples, ...)
        The outputs of ``module``, on the CPU.
    """
    module.eval()
    outputs = []
    for start in range(0, len(X), batch_size):
        batch = X[start : start + batch_size]
        n = len(batch)
        if fixed_batch and n < batch_size:
            batch = torch.cat([batch, batch.new_zeros((batch_size - n, *batch.shape[1:]))])
        outputs.append(module(batch.to(device))[:n].cpu())
    return torch.cat(outputs) if outputs else torch.empty(0)


class TrainingEvaluator:
    """Evaluates an architecture by training it for real and scoring it on held-out data.

    Each architecture's weights and batch order are seeded from ``seed`` and its string, so
    its result does not depend on when, where or in which order it is evaluated. A candidate
    that raises, diverges or runs out of memory gives ``status="failed"`` with the reason;
    it never ends a search.

    Parameters
    ----------
    space : SearchSpace
        Builds the networks.
    X_train, y_train, X_val, y_val : ndarray
        Preprocessed inputs of shape ``(n, *input_shape)``; class indices (classification)
        or targets of shape ``(n, k)`` (regression).
    task : {"classification", "regression"}, default="classification"
        Picks the loss and the objective (validation accuracy or R²).
    n_outputs : int or None, default=None
        Output size; None means the number of classes (classification) or of targets.
    recipe : TrainingRecipe, default=TrainingRecipe()
        Epochs, batch size, optimiser and learning rate.
    device : str, default="cpu"
        Where to train: ``"cpu"``, ``"cuda"`` or ``"auto"``.
    seed : int, default=0
        Seeds weight initialisation and batch order.
    sample_weight_train, sample_weight_val : ndarray of shape (n,) or None, default=None
        Non-negative weights of the training samples (used in the training loss, see
        :func:`train_network`) and of the validation samples (the weighted validation
        score and loss); None weighs every sample alike. Validation weights must not all be
        zero.

    Examples
    --------
    >>> import numpy as np
    >>> from sknas.spaces import MLPSpace
    >>> from sknas.evaluation import TrainingEvaluator, TrainingRecipe
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 5)).astype("float32"); y = (X[:, 0] > 0).astype(int)
    >>> space = MLPSpace()
    >>> evaluator = TrainingEvaluator(space, X[:150], y[:150], X[150:], y[150:],
    ...                               recipe=TrainingRecipe(epochs=20))
    >>> result = evaluator.evaluate(space.parse("mlp:64,relu,dropout=0,norm=none"))
    >>> result.status, result.objective > 0.8
    ('ok', True)
    """

    def __init__(
        self,
        space: SearchSpace,
        X_train: np.ndarray,
        y_train: np.ndarray,
        X_val: np.ndarray,
        y_val: np.ndarray,
        *,
        task: str = "classification",
        n_outputs: int | None = None,
        recipe: TrainingRecipe = TrainingRecipe(),
        device: str | torch.device = "cpu",
        seed: int = 0,
        sample_weight_train: np.ndarray | None = None,
        sample_weight_val: np.ndarray | None = None,
    ):
        if task not in TASKS:
            raise ValueError(f"unknown task {task!r}; use 'classification' or 'regression'")
        self.space = space
        self.task = task
        self.recipe = recipe
        self.device = resolve_device(device)
        self.seed = int(seed)
        self.X_train, self.y_train = as_tensors(X_train, y_train, task)
        self.X_val, self.y_val = as_tensors(X_val, y_val, task)
        self.w_train = _weight_tensor(sample_weight_train, len(self.X_train), "sample_weight_train")
        self.w_val = _weight_tensor(sample_weight_val, len(self.X_val), "sample_weight_val")
        self.input_shape: Sequence[int] = tuple(self.X_train.shape[1:])
        if n_outputs is None:
            n_outputs = int(self.y_train.max()) + 1 if task == "classification" else self.y_train.shape[1]
        self.n_outputs = int(n_outputs)

    def build(self, arch: Architecture) -> nn.Module:
        """The untrained network of ``arch``, initialised from its own seed.

        Parameters
        ----------
        arch : Architecture
            An architecture of ``space``.

        Returns
        -------
        network : torch.nn.Module
            The network, on the CPU.
        """
        return build_network(self.space, arch, self.input_shape, self.n_outputs, self.seed)

    def with_epochs(self, epochs: int) -> "TrainingEvaluator":
        """A copy that trains for ``epochs`` (the data and everything else shared).

        Parameters
        ----------
        epochs : int
            Training epochs of each candidate.

        Returns
        -------
        evaluator : TrainingEvaluator
            This evaluator with ``recipe.epochs`` replaced.
        """
        other = copy.copy(self)
        other.recipe = replace(self.recipe, epochs=int(epochs))
        return other

    def fit_network(
        self, arch: Architecture, X: torch.Tensor, y: torch.Tensor, recipe: TrainingRecipe,
        on_epoch_end: Callable[[int, float], None] | None = None,
        sample_weight: torch.Tensor | None = None,
    ) -> tuple[nn.Module, list[float]]:
        """Build ``arch`` and train it on ``(X, y)`` with ``recipe``; return it with its losses.

        Parameters
        ----------
        arch : Architecture
            The architecture to build.
        X : torch.Tensor of shape (n_samples, n_features) or (n_samples, C, H, W)
            Float32 inputs.
        y : torch.Tensor of shape (n_samples,) or (n_samples, n_targets)
            Class indices or targets.
        recipe : TrainingRecipe
            How to train it.
        on_epoch_end : callable or None, default=None
            Called as ``on_epoch_end(epoch, loss)`` after each epoch.
        sample_weight : torch.Tensor of shape (n_samples,) or None, default=None
            Weights of the samples' losses (see :func:`train_network`).

        Returns
        -------
        network : torch.nn.Module
            The trained network, in eval mode.
        losses : list of float
            The mean training loss of each epoch.
        """
        module = self.build(arch)
        generator = torch.Generator().manual_seed(architecture_seed(self.seed + 1, arch))
        # Dropout draws from the global torch generator: seed it per architecture too.
        devices = [self.device] if self.device.type == "cuda" else []
        with torch.random.fork_rng(devices=devices):
            torch.manual_seed(architecture_seed(self.seed + 2, arch))
            losses = train_network(
                module, X, y, task=self.task, recipe=recipe, device=self.device, generator=generator,
                on_epoch_end=on_epoch_end, sample_weight=sample_weight,
            )
        return module, losses

    def evaluate(self, arch: Architecture) -> EvaluationResult:
        """Train ``arch`` on the training split; its objective is the validation score.

        ``metrics`` holds ``params``, ``epochs`` (the recipe's: the fidelity of the result),
        ``train_loss`` (of the last epoch), ``val_loss`` and ``initial_val_loss``, the
        validation loss of the untrained network: a ``val_loss`` not below it means training
        did not improve the network (e.g. a learning rate far too high).

        Parameters
        ----------
        arch : Architecture
            The architecture to train and score.

        Returns
        -------
        result : EvaluationResult
            Its objective and metrics; of status ``"failed"`` (with the error) when
            training raised or diverged.
        """
        start = time.perf_counter()
        try:
            # the untrained network's loss, for comparison; its own build draws nothing
            initial = predict_outputs(self.build(arch).to(self.device), self.X_val, self.device)
            initial_val_loss = validation_loss(initial, self.y_val, self.task, self.w_val)
            module, losses = self.fit_network(arch, self.X_train, self.y_train, self.recipe,
                                              sample_weight=self.w_train)
            outputs = predict_outputs(module, self.X_val, self.device)
            if not torch.isfinite(outputs).all():
                raise TrainingDiverged("the trained network's validation outputs are not finite")
            objective = score_outputs(outputs, self.y_val, self.task, self.w_val)
            val_loss = validation_loss(outputs, self.y_val, self.task, self.w_val)
        except Exception as exc:  # noqa: BLE001 - one bad candidate must not end a search
            if self.device.type == "cuda":
                torch.cuda.empty_cache()
            return EvaluationResult.failed(f"{type(exc).__name__}: {exc}", time.perf_counter() - start)
        n_params = sum(p.numel() for p in module.parameters())
        metrics = {"params": float(n_params), "epochs": float(self.recipe.epochs), "train_loss": losses[-1],
                   "val_loss": val_loss, "initial_val_loss": initial_val_loss}
        return EvaluationResult(objective, time.perf_counter() - start, metrics)


def as_tensors(X: np.ndarray, y: np.ndarray, task: str) -> tuple[torch.Tensor, torch.Tensor]:
    """Float32 inputs, and int64 class indices or float32 ``(n, k)`` regression targets."""
    X_t = torch.as_tensor(np.ascontiguousarray(X, dtype=np.float32))
    if task == "classification":
        return X_t, torch.as_tensor(np.asarray(y, dtype=np.int64))
    y = np.asarray(y, dtype=np.float32)
    return X_t, torch.as_tensor(y.reshape(len(y), -1))


def _weight_tensor(weight: np.ndarray | None, n: int, name: str) -> torch.Tensor | None:
    """Float64 weights of ``n`` samples, or None; raises a ``ValueError`` for unusable ones."""
    if weight is None:
        return None
    weight = np.asarray(weight, dtype=np.float64)
    if weight.shape != (n,) or not np.isfinite(weight).all() or (weight < 0).any() or weight.sum() <= 0:
        raise ValueError(
            f"{name} must hold {n} finite, non-negative weights, not all zero; got an array of "
            f"shape {weight.shape}"
        )
    return torch.as_tensor(weight)
