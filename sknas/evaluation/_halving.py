"""Multi-fidelity evaluation: successive halving over training epochs."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Sequence

from .._parallel import parallel_map
from ..spaces import Architecture
from ._result import EvaluationResult
from ._training import PausedTraining

#: Each rung trains about this many times the epochs of the one below, and keeps the best
#: 1 / ``HALVING_FACTOR`` of its candidates (Hyperband's and ASHA's usual η = 3).
HALVING_FACTOR = 3


def halving_rungs(epochs: int, min_epochs: int, factor: int = HALVING_FACTOR) -> tuple[int, ...]:
    """The training epochs of each rung: ``min_epochs`` times powers of ``factor`` up to
    ``epochs / factor``, then ``epochs``.

    Parameters
    ----------
    epochs : int
        The epochs of the top rung, those of a full evaluation.
    min_epochs : int
        The epochs of the lowest rung; at most ``epochs // factor``, so that there is one.
    factor : int, default=3
        The ratio of the epochs of consecutive rungs (the last one's may be up to
        ``factor`` times larger).

    Returns
    -------
    rungs : tuple of int
        Increasing epochs, the last one ``epochs``.

    Raises
    ------
    ValueError
        When ``min_epochs`` is not in ``[1, epochs // factor]``.

    Examples
    --------
    >>> halving_rungs(10, 1)
    (1, 3, 10)
    >>> halving_rungs(20, 2)
    (2, 6, 20)
    """
    epochs, min_epochs = int(epochs), int(min_epochs)
    if not 1 <= min_epochs <= epochs // factor:
        raise ValueError(
            f"min_epochs={min_epochs} leaves no rung below epochs={epochs}: successive halving "
            f"trains the first rung for min_epochs and each next one about {factor} times "
            f"longer, so min_epochs must lie in [1, epochs // {factor}] = [1, {epochs // factor}]. "
            "Lower min_epochs, raise epochs, or pass min_epochs=None to train every candidate "
            "for the full epochs"
        )
    rungs = [min_epochs]
    while rungs[-1] * factor <= epochs / factor:
        rungs.append(rungs[-1] * factor)
    return (*rungs, epochs)


def bracket_size(rungs: Sequence[int], factor: int = HALVING_FACTOR) -> int:
    """The batch in which one candidate reaches the top rung with every rung pruning:
    ``factor ** (len(rungs) - 1)``.

    Parameters
    ----------
    rungs : sequence of int
        The epochs of each rung (see :func:`halving_rungs`).
    factor : int, default=3
        One in ``factor`` candidates of a rung is promoted to the next.

    Returns
    -------
    int
        The bracket's size, e.g. 9 for three rungs.
    """
    return factor ** (len(rungs) - 1)


class SuccessiveHalving:
    """Evaluates a batch of architectures in rungs of epochs, promoting the best third.

    Every architecture of the batch trains for the first rung's epochs; the best
    ``ceil(n / factor)`` of those that succeeded (by objective, then by the lower validation
    loss) go on training, from where they stopped, up to the next rung's epochs, and so on up
    to the full ``epochs``; a lone candidate (a bracket of one, or the only one left) goes
    straight to the top rung, as there is nothing to prune. An architecture's result is the
    one of the highest rung it reached: its ``metrics["epochs"]`` says which, and its
    ``cost_s`` is the time of all its rungs.

    Every rung is a snapshot of one training under the full schedule (the cosine spans the
    top rung's epochs; :meth:`TrainingEvaluator.evaluate_at`), so a promoted candidate trains
    the full epochs once in all, and its top-rung result is exactly what the wrapped
    evaluator gives it alone. The price: a lower rung scores a network whose learning rate
    has not yet decayed.

    Rungs are synchronous within a batch (the batch is the bracket): which candidates are
    promoted depends only on the results, not on which worker finished first, so the search
    is the same for any ``n_jobs``.

    Parameters
    ----------
    evaluator : TrainingEvaluator
        Trains one architecture to the full epochs, the top rung's; its
        ``evaluate_at(arch, epochs, paused)`` trains to a lower rung and goes on from there.
    rungs : sequence of int
        The epochs of each rung, increasing (see :func:`halving_rungs`).
    factor : int, default=3
        One in ``factor`` candidates of a rung is promoted to the next.

    Examples
    --------
    >>> import numpy as np
    >>> from sknas.spaces import MLPSpace
    >>> from sknas.evaluation import TrainingEvaluator, TrainingRecipe
    >>> from sknas.evaluation import SuccessiveHalving
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(120, 4)).astype("float32"); y = (X[:, 0] > 0).astype(int)
    >>> space = MLPSpace(depths=(1,), widths=(8, 16, 32))
    >>> evaluator = TrainingEvaluator(space, X[:90], y[:90], X[90:], y[90:],
    ...                               recipe=TrainingRecipe(epochs=9))
    >>> halving = SuccessiveHalving(evaluator, rungs=(1, 3, 9))
    >>> archs = [space.sample(rng) for _ in range(9)]
    >>> sorted(int(r.metrics["epochs"]) for r in halving.evaluate_batch(archs))
    [1, 1, 1, 1, 1, 1, 3, 3, 9]
    """

    def __init__(self, evaluator, rungs: Sequence[int], factor: int = HALVING_FACTOR):
        self.evaluator = evaluator
        self.rungs = tuple(int(r) for r in rungs)
        self.factor = int(factor)
        full = getattr(getattr(evaluator, "recipe", None), "epochs", self.rungs[-1])
        if int(full) != self.rungs[-1]:
            raise ValueError(
                f"the top rung trains {self.rungs[-1]} epochs but the evaluator's recipe {full}: "
                "the rungs are stops on the way to the evaluator's full training, so the last "
                "rung must be its recipe's epochs"
            )

    def evaluate(self, arch: Architecture) -> EvaluationResult:
        """One architecture, alone: trained for the top rung's epochs only.

        Parameters
        ----------
        arch : Architecture
            The architecture to train and score.

        Returns
        -------
        result : EvaluationResult
            Its result at the top rung.
        """
        return self.evaluate_batch([arch])[0]

    def evaluate_batch(self, archs: Sequence[Architecture], n_jobs: int | None = None) -> list[EvaluationResult]:
        """The results of ``archs`` after successive halving among them.

        Parameters
        ----------
        archs : sequence of Architecture
            The bracket: the architectures that compete for promotion.
        n_jobs : int or None, default=None
            Workers that train the candidates of a rung.

        Returns
        -------
        results : list of EvaluationResult
            For each architecture, in order, its result at the highest rung it reached, with
            the time of all its rungs as ``cost_s``.
        """
        archs = list(archs)
        latest: list[EvaluationResult | None] = [None] * len(archs)
        spent = [0.0] * len(archs)
        paused: list[PausedTraining | None] = [None] * len(archs)
        alive = list(range(len(archs)))
        for rung, epochs in enumerate(self.rungs):
            if len(alive) == 1 and rung < len(self.rungs) - 1:
                continue  # one candidate left: nothing to prune, it goes straight to the top rung
            stretches = [(archs[i], epochs, paused[i]) for i in alive]
            for i, (result, stopped) in zip(alive, parallel_map(self._train_stretch, stretches, n_jobs)):
                latest[i], paused[i] = result, stopped
                spent[i] += result.cost_s
            if rung == len(self.rungs) - 1:
                break
            succeeded = [i for i in alive if latest[i].ok]
            # the best first; ties by the lower validation loss, then by the batch's order
            succeeded.sort(key=lambda i: (-latest[i].objective, latest[i].metrics.get("val_loss", math.inf)))
            alive = sorted(succeeded[: math.ceil(len(succeeded) / self.factor)])
            paused = [p if i in alive else None for i, p in enumerate(paused)]  # the pruned free their copies
            if not alive:
                break
        return [replace(result, cost_s=cost) for result, cost in zip(latest, spent)]

    def _train_stretch(self, stretch: tuple) -> tuple[EvaluationResult, PausedTraining | None]:
        arch, epochs, paused = stretch
        return self.evaluator.evaluate_at(arch, epochs, paused)
