"""sknas: neural architecture search as scikit-learn estimators."""

from . import proxies

from ._version import __version__
from .evaluation import EvaluationResult, TrainingEvaluator, TrainingRecipe
from .search import (
    BOSearch,
    Callback,
    EarlyStopping,
    EvolutionSearch,
    EvolvedProxySearch,
    LocalSearch,
    POnasSearch,
    RandomSearch,
    ReinforceSearch,
    RoBoTSearch,
    TimeLimit,
    ZeroCostSearch,
    load,
    plot_search,
    save,
)
from .spaces import Architecture, CellSpace, MLPSpace, SearchSpace

__all__ = [
    "__version__",
    "Architecture",
    "BOSearch",
    "Callback",
    "CellSpace",
    "EarlyStopping",
    "EvaluationResult",
    "EvolutionSearch",
    "EvolvedProxySearch",
    "LocalSearch",
    "POnasSearch",
    "MLPSpace",
    "RandomSearch",
    "ReinforceSearch",
    "RoBoTSearch",
    "SearchSpace",
    "TimeLimit",
    "TrainingEvaluator",
    "TrainingRecipe",
    "ZeroCostSearch",
    "load",
    "plot_search",
    "save",
]
