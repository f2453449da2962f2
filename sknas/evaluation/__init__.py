"""Evaluators: how an architecture gets its objective."""

from ._result import EvaluationResult
from ._scoring import objective_score, score_outputs
from ._training import (
    TrainingDiverged,
    TrainingEvaluator,
    TrainingRecipe,
    predict_outputs,
    resolve_device,
    train_network,
)

__all__ = [
    "EvaluationResult",
    "TrainingDiverged",
    "TrainingEvaluator",
    "TrainingRecipe",
    "objective_score",
    "predict_outputs",
    "resolve_device",
    "score_outputs",
    "train_network",
]
