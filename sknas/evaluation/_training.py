"""Training and evaluating networks: the loop every real-data search uses."""

from __future__ import annotations

import copy
import time
import zlib
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import torch
from sklearn.utils.multiclass import type_of_target
from torch import nn

from ..spaces import Architecture, SearchSpace
from ._device import TRAINING_DTYPES, resolve_device
from ._loop import TrainingDiverged, TrainingLoop
from ._result import EvaluationResult
from ._scoring import score_outputs, validation_loss

TASKS = ("classification", "regression")


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
        AdamW, or SGD with Nesterov momentum 0.9; on a CPU or CUDA device, torch's fused
        implementation (one kernel updates every parameter).
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
        module, losses, _ = self._train(arch, X, y, recipe, int(recipe.epochs), None, on_epoch_end, sample_weight)
        return module, losses

    def _train(
        self, arch: Architecture, X: torch.Tensor, y: torch.Tensor, recipe: TrainingRecipe, until: int,
        paused: PausedTraining | None, on_epoch_end: Callable[[int, float], None] | None = None,
        sample_weight: torch.Tensor | None = None,
    ) -> tuple[nn.Module, list[float], PausedTraining | None]:
        """Train ``arch`` up to epoch ``until`` of ``recipe``, from ``paused`` or from its
        initial weights; the network, the losses of all its epochs, and where it stopped (None
        at the last epoch)."""
        module = self.build(arch)
        generator = torch.Generator().manual_seed(architecture_seed(self.seed + 1, arch))
        # Dropout draws from the global torch generator: seed it per architecture too.
        devices = [self.device] if self.device.type == "cuda" else []
        with torch.random.fork_rng(devices=devices):
            torch.manual_seed(architecture_seed(self.seed + 2, arch))
            loop = TrainingLoop(module, X, y, task=self.task, recipe=recipe, device=self.device,
                                generator=generator, sample_weight=sample_weight)
            if paused is not None:
                paused.restore(module, loop, generator, self.device)
            losses = loop.run(until, on_epoch_end)
            stopped = None if until == int(recipe.epochs) else PausedTraining.of(module, loop, generator, self.device)
        return module, losses, stopped

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
        return self.evaluate_at(arch, int(self.recipe.epochs))[0]

    def evaluate_at(
        self, arch: Architecture, epochs: int, paused: PausedTraining | None = None
    ) -> tuple[EvaluationResult, PausedTraining | None]:
        """Train ``arch`` up to epoch ``epochs`` of the recipe's schedule and score it there.

        The cosine schedule spans the recipe's ``epochs`` whatever ``epochs`` is here: the
        result after 3 of 9 epochs is a snapshot of the 9-epoch training, and one resumed from
        it (``paused``) goes on exactly as a training that never stopped, in this process or
        another. Successive halving trains its rungs so. ``metrics["epochs"]`` is ``epochs``;
        ``cost_s`` counts this stretch only.

        Parameters
        ----------
        arch : Architecture
            The architecture to train and score.
        epochs : int
            The epoch to stop after, at most the recipe's.
        paused : PausedTraining or None, default=None
            Where an earlier call stopped for ``arch``, to go on from; None starts afresh.

        Returns
        -------
        result : EvaluationResult
            As :meth:`evaluate` gives, after ``epochs`` epochs.
        paused : PausedTraining or None
            Where the training stopped, to go on from; None when it failed or is complete.
        """
        if not 1 <= int(epochs) <= int(self.recipe.epochs):
            raise ValueError(f"epochs must lie in [1, {self.recipe.epochs}] (the recipe's), got {epochs}")
        start = time.perf_counter()
        try:
            # the untrained network's loss, for comparison; its own build draws nothing
            initial = predict_outputs(self.build(arch).to(self.device), self.X_val, self.device)
            initial_val_loss = validation_loss(initial, self.y_val, self.task, self.w_val)
            module, losses, stopped = self._train(arch, self.X_train, self.y_train, self.recipe, int(epochs),
                                                  paused, sample_weight=self.w_train)
            outputs = predict_outputs(module, self.X_val, self.device)
            if not torch.isfinite(outputs).all():
                raise TrainingDiverged("the trained network's validation outputs are not finite")
            objective = score_outputs(outputs, self.y_val, self.task, self.w_val)
            val_loss = validation_loss(outputs, self.y_val, self.task, self.w_val)
        except Exception as exc:  # noqa: BLE001 - one bad candidate must not end a search
            if self.device.type == "cuda":
                torch.cuda.empty_cache()
            return EvaluationResult.failed(f"{type(exc).__name__}: {exc}", time.perf_counter() - start), None
        n_params = sum(p.numel() for p in module.parameters())
        metrics = {"params": float(n_params), "epochs": float(epochs), "train_loss": losses[-1],
                   "val_loss": val_loss, "initial_val_loss": initial_val_loss}
        return EvaluationResult(objective, time.perf_counter() - start, metrics), stopped


@dataclass
class PausedTraining:
    """A candidate's training stopped after some epochs of its schedule, to go on later.

    What the next epochs depend on: the network's weights and buffers, the training loop's
    state (:meth:`TrainingLoop.state_dict`) and the states of the generators that draw the
    batch order (and shifts) and dropout. Copies, picklable: a training paused in one worker
    goes on in another.

    Parameters
    ----------
    weights : dict
        The network's ``state_dict``.
    loop : dict
        The :class:`TrainingLoop`'s ``state_dict``.
    batch_order : torch.Tensor
        The state of the generator of the batch order.
    dropout : torch.Tensor
        The state of torch's global CPU generator (dropout on the CPU).
    dropout_cuda : torch.Tensor or None, default=None
        The state of the CUDA device's generator, when training there.
    """

    weights: dict
    loop: dict
    batch_order: torch.Tensor
    dropout: torch.Tensor
    dropout_cuda: torch.Tensor | None = None

    @classmethod
    def of(cls, module: nn.Module, loop: TrainingLoop, generator: torch.Generator,
           device: torch.device) -> "PausedTraining":
        """Where the training of ``module`` by ``loop`` stands now (copied).

        Parameters
        ----------
        module : torch.nn.Module
            The network being trained.
        loop : TrainingLoop
            The loop that trains it.
        generator : torch.Generator
            The loop's generator of the batch order.
        device : torch.device
            Where it trains (on CUDA the device's generator is kept too).

        Returns
        -------
        PausedTraining
            Copies of their states.
        """
        return cls(
            weights={name: value.detach().clone() for name, value in module.state_dict().items()},
            loop=copy.deepcopy(loop.state_dict()),  # the optimiser's moments, not references to them
            batch_order=generator.get_state(),
            dropout=torch.get_rng_state(),
            dropout_cuda=torch.cuda.get_rng_state(device) if device.type == "cuda" else None,
        )

    def restore(self, module: nn.Module, loop: TrainingLoop, generator: torch.Generator,
                device: torch.device) -> None:
        """Put ``module``, ``loop`` and the generators back where this training stopped.

        Parameters
        ----------
        module : torch.nn.Module
            A freshly built network of the same architecture.
        loop : TrainingLoop
            A fresh loop around ``module`` with the same recipe.
        generator : torch.Generator
            The loop's generator of the batch order.
        device : torch.device
            Where it trains.
        """
        module.load_state_dict(self.weights)
        loop.load_state_dict(copy.deepcopy(self.loop))
        generator.set_state(self.batch_order)
        torch.set_rng_state(self.dropout)
        if self.dropout_cuda is not None:
            torch.cuda.set_rng_state(self.dropout_cuda, device)


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
