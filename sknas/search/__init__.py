"""Search estimators: scikit-learn drivers of the ask/evaluate/tell loop."""

from ._base import BaseSearch
from ..driver import Callback, EarlyStopping, SearchState, TimeLimit
from ._persistence import load, save
from ._plot import plot_search
from ._evolution import EvolutionSearch
from ._evolved_proxy import EvolvedProxySearch
from ._local_search import LocalSearch
from ._bo import BOSearch
from ._ponas import POnasSearch
from ._random import RandomSearch
from ._reinforce import ReinforceSearch
from ._robot import RoBoTSearch
from ._zero_cost import ZeroCostSearch

__all__ = [
    "BaseSearch",
    "BOSearch",
    "Callback",
    "EarlyStopping",
    "EvolutionSearch",
    "EvolvedProxySearch",
    "LocalSearch",
    "POnasSearch",
    "RandomSearch",
    "ReinforceSearch",
    "RoBoTSearch",
    "SearchState",
    "TimeLimit",
    "ZeroCostSearch",
    "load",
    "plot_search",
    "save",
]
