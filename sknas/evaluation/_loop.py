"""The training loop: epochs of minibatch steps under a cosine schedule, run at once or in stretches."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Callable

import torch
from torch import nn

from ._augmentation import random_shifts

if TYPE_CHECKING:  # the recipe lives with the evaluator, which imports this module
    from ._training import TrainingRecipe


#: The devices whose fused AdamW and SGD kernels the loop uses (elsewhere: torch's default).
FUSED_OPTIMIZER_DEVICES = ("cpu", "cuda")


class TrainingDiverged(RuntimeError):
    """The training loss became NaN or infinite."""


class TrainingLoop:
    """One network's training under a recipe, which can stop after any epoch and go on later.

    The optimiser, the cosine schedule (over all ``recipe.epochs``) and the loss are set up
    once; :meth:`run` trains the next epochs up to a given one. A loop run to epoch 3 and then
    to epoch 9 trains exactly as one run to 9 at once. :meth:`state_dict` holds what the next
    epochs depend on besides the network's own weights and the caller's random generators
    (the optimiser's moments, the schedule's step, the epochs done and their losses), so a
    loop rebuilt around the same network in another process goes on where this one stopped
    (:meth:`load_state_dict`). :func:`train_network` documents the loop itself.

    Parameters
    ----------
    module : torch.nn.Module
        The network, trained in place (moved to ``device``).
    X, y, task, recipe, device, generator, sample_weight : see :func:`train_network`
        The data, the loss, the recipe, where to train, the generator of the batch order
        and the samples' weights.

    Attributes
    ----------
    epochs_done : int
        The epochs trained so far.
    losses : list of float
        The mean training loss of each epoch trained.
    """

    def __init__(
        self,
        module: nn.Module,
        X: torch.Tensor,
        y: torch.Tensor,
        *,
        task: str,
        recipe: TrainingRecipe,
        device: torch.device,
        generator: torch.Generator,
        sample_weight: torch.Tensor | None = None,
    ):
        self.module, self.X, self.y, self.recipe = module, X, y, recipe
        self.device, self.generator = device, generator
        self.channels_last = recipe.channels_last and X.dim() == 4
        self.shift = int(recipe.max_shift) if X.dim() == 4 else 0
        module.to(device)
        # One fused kernel updates all parameters where the device has it, instead of torch's
        # default loop over them: on a CPU an epoch of an 8×8 cell ran 1.32× and of a perceptron
        # 1.52× faster, of a 28×28 cell as fast (benchmarks/optimizer_speed.md).
        fused = device.type in FUSED_OPTIMIZER_DEVICES
        if recipe.optimizer == "adamw":
            self.optimizer: torch.optim.Optimizer = torch.optim.AdamW(
                module.parameters(), lr=recipe.peak_learning_rate, weight_decay=recipe.weight_decay, fused=fused
            )
        else:
            self.optimizer = torch.optim.SGD(
                module.parameters(),
                lr=recipe.peak_learning_rate,
                momentum=0.9,
                nesterov=True,
                weight_decay=recipe.weight_decay,
                fused=fused,
            )
        reduction = "mean" if sample_weight is None else "none"
        if task == "classification":
            self.loss_fn: nn.Module = nn.CrossEntropyLoss(label_smoothing=recipe.label_smoothing, reduction=reduction)
        else:
            self.loss_fn = nn.MSELoss(reduction=reduction)
        self.weights = None
        if sample_weight is not None:
            weights = torch.as_tensor(sample_weight, dtype=torch.float32)
            self.weights = weights / weights.mean()
        n = len(X)
        self.batch_size = min(int(recipe.batch_size), n)
        if self.batch_size == 1 < n and any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in module.modules()):
            raise ValueError(
                "batch_size=1 cannot train a network with batch normalisation layers, which need "
                "two samples or more per batch; use batch_size >= 2"
            )
        steps_per_epoch = math.ceil(n / self.batch_size)
        self.scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(
            self.optimizer, T_max=int(recipe.epochs) * steps_per_epoch
        )
        self.epochs_done = 0
        self.losses: list[float] = []

    def run(self, until: int, on_epoch_end: Callable[[int, float], None] | None = None) -> list[float]:
        """Train the epochs after those done, up to epoch ``until`` of the recipe's schedule.

        Parameters
        ----------
        until : int
            The epoch to stop after, at most ``recipe.epochs``.
        on_epoch_end : callable or None, default=None
            Called as ``on_epoch_end(epoch, loss)`` after each epoch.

        Returns
        -------
        losses : list of float
            The mean training loss of every epoch done so far.
        """
        module, recipe = self.module, self.recipe
        epochs = int(recipe.epochs)
        if not self.epochs_done <= until <= epochs:
            raise ValueError(f"cannot train up to epoch {until}: {self.epochs_done} of {epochs} are done")
        module.train()
        if self.channels_last:
            module.to(memory_format=torch.channels_last)
        autocast = torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=recipe.precision == "bfloat16")
        # Networks may schedule a regulariser over training (DARTS's drop-path) and return an
        # auxiliary head's logits in training mode, whose loss counts ``auxiliary_weight`` times.
        set_progress = getattr(module, "set_training_progress", None)
        auxiliary_weight = float(getattr(module, "auxiliary_weight", 0.0))
        n, batch_size = len(self.X), self.batch_size
        # With batch_size >= 2 only a last batch can hold one sample, and it is skipped; with
        # batch_size == 1 (no batch normalisation, or a single training sample) every batch trains.
        skip_single = batch_size >= 2
        for epoch in range(self.epochs_done, int(until)):
            if set_progress is not None:
                set_progress(epoch / epochs)
            order = torch.randperm(n, generator=self.generator)
            total, seen = 0.0, 0
            for start in range(0, n, batch_size):
                index = order[start : start + batch_size]
                if len(index) < 2 and skip_single:
                    continue  # batch normalisation cannot train on a single sample
                xb, yb = self.X[index].to(self.device), self.y[index].to(self.device)
                if self.shift:
                    xb = random_shifts(xb, self.shift, self.generator)
                if self.channels_last:
                    xb = xb.contiguous(memory_format=torch.channels_last)
                self.optimizer.zero_grad(set_to_none=True)
                with autocast:  # the losses are float32 under autocast
                    loss = self.loss_fn(module(xb), yb)
                    auxiliary = getattr(module, "auxiliary_output", None)
                    if auxiliary is not None and auxiliary_weight > 0:
                        loss = loss + auxiliary_weight * self.loss_fn(auxiliary, yb)
                if self.weights is not None:
                    per_sample = loss if loss.dim() == 1 else loss.mean(dim=1)  # regression: over targets
                    loss = (per_sample * self.weights[index].to(self.device)).mean()
                if not torch.isfinite(loss):
                    raise TrainingDiverged(f"the training loss became {loss.item()} in epoch {epoch + 1}")
                loss.backward()
                self.optimizer.step()
                self.scheduler.step()
                total += loss.item() * len(index)
                seen += len(index)
            self.losses.append(total / max(seen, 1))
            self.epochs_done = epoch + 1
            if on_epoch_end is not None:
                on_epoch_end(epoch + 1, self.losses[-1])
        if self.channels_last:
            module.to(memory_format=torch.contiguous_format)
        module.eval()
        return self.losses

    def state_dict(self) -> dict:
        """The optimiser's and the schedule's states, the epochs done and their losses.

        Returns
        -------
        state : dict
            Picklable; the network's weights are not in it.
        """
        return {"optimizer": self.optimizer.state_dict(), "scheduler": self.scheduler.state_dict(),
                "epochs_done": self.epochs_done, "losses": list(self.losses)}

    def load_state_dict(self, state: dict) -> None:
        """Go on from ``state`` (of :meth:`state_dict`), the network's weights loaded by the caller.

        Parameters
        ----------
        state : dict
            A state of a loop of the same network and recipe.
        """
        self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])
        self.epochs_done = int(state["epochs_done"])
        self.losses = list(state["losses"])


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
    larger batches exist, so every epoch makes at least one step. :class:`TrainingLoop`
    runs the same loop in stretches.

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
    loop = TrainingLoop(module, X, y, task=task, recipe=recipe, device=device, generator=generator,
                        sample_weight=sample_weight)
    return loop.run(int(recipe.epochs), on_epoch_end)
