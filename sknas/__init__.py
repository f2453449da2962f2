"""sknas: neural architecture search as scikit-learn estimators."""

from . import proxies

from ._version import __version__
from .evaluation import EvaluationResult, TrainingEvaluator, TrainingRecipe
from .search import EvolutionSearch, RandomSearch, ZeroCostSearch
from .spaces import Architecture, CellSpace, MLPSpace, SearchSpace

__all__ = [
    "__version__",
    "Architecture",
    "CellSpace",
    "EvaluationResult",
    "EvolutionSearch",
    "MLPSpace",
    "RandomSearch",
    "SearchSpace",
    "TrainingEvaluator",
    "TrainingRecipe",
    "ZeroCostSearch",
]
