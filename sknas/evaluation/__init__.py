"""Evaluators: how an architecture gets its objective."""

from ._augmentation import PIXELS_PER_SHIFT, auto_max_shift, random_shifts
from ._halving import HALVING_FACTOR, SuccessiveHalving, halving_rungs
from ._result import EvaluationResult
from ._scoring import objective_score, score_outputs
from ._loop import TrainingDiverged, TrainingLoop, train_network
from ._training import PausedTraining, TrainingEvaluator, TrainingRecipe, predict_outputs, resolve_device
from ._device import native_bfloat16, resolve_precision

__all__ = [
    "EvaluationResult",
    "HALVING_FACTOR",
    "PIXELS_PER_SHIFT",
    "PausedTraining",
    "SuccessiveHalving",
    "TrainingDiverged",
    "TrainingEvaluator",
    "TrainingLoop",
    "TrainingRecipe",
    "auto_max_shift",
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
