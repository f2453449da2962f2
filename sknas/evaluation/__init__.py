"""Evaluators: how an architecture gets its objective."""

from ._result import EvaluationResult
from ._training import (
    TrainingDiverged,
    TrainingEvaluator,
    TrainingRecipe,
    predict_outputs,
    resolve_device,
    score_outputs,
    train_network,
)

__all__ = [
    "EvaluationResult",
    "TrainingDiverged",
    "TrainingEvaluator",
    "TrainingRecipe",
    "predict_outputs",
    "resolve_device",
    "score_outputs",
    "train_network",
]
