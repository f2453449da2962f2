"""sknas: neural architecture search as scikit-learn estimators."""

from . import proxies

from ._version import __version__
from .evaluation import EvaluationResult, TrainingEvaluator, TrainingRecipe
from .search import (
    BOSearch,
    EvolutionSearch,
    EvolvedProxySearch,
    POnasSearch,
    RandomSearch,
    ReinforceSearch,
    RoBoTSearch,
    ZeroCostSearch,
)
from .spaces import Architecture, CellSpace, MLPSpace, SearchSpace

__all__ = [
    "__version__",
    "Architecture",
    "BOSearch",
    "CellSpace",
    "EvaluationResult",
    "EvolutionSearch",
    "EvolvedProxySearch",
    "POnasSearch",
    "MLPSpace",
    "RandomSearch",
    "ReinforceSearch",
    "RoBoTSearch",
    "SearchSpace",
    "TrainingEvaluator",
    "TrainingRecipe",
    "ZeroCostSearch",
]
