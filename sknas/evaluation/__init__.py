"""Evaluators: how an architecture gets its objective."""

from ._halving import HALVING_FACTOR, SuccessiveHalving, halving_rungs
from ._result import EvaluationResult
from ._scoring import objective_score, score_outputs
from ._training import (
    TrainingDiverged,
    TrainingEvaluator,
    TrainingRecipe,
    predict_outputs,
    random_shifts,
    resolve_device,
    train_network,
)
from ._device import native_bfloat16, resolve_precision

__all__ = [
    "EvaluationResult",
    "HALVING_FACTOR",
    "SuccessiveHalving",
    "TrainingDiverged",
    "TrainingEvaluator",
    "TrainingRecipe",
    "halving_rungs",
    "native_bfloat16",
    "objective_score",
    "predict_outputs",
    "random_shifts",
    "resolve_device",
    "resolve_precision",
    "score_outputs",
    "train_network",
]
