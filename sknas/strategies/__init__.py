"""Search strategies: which architecture to evaluate next, through ask/tell."""

from ._base import Strategy
from ._bo import BayesianOptimisation
from ._evolution import RegularizedEvolution
from ._evolved_proxy import EvolvedProxyRanking
from ._nsga2 import NSGA2
from ._ponas import PONAS
from ._ponas_front import MultiObjectivePONAS
from ._ponas_evolution import breed, crossover
from ._random import RandomStrategy
from ._reinforce import Reinforce
from ._robot import RoBoT
from ._zero_cost import ZeroCostRanking

__all__ = [
    "MultiObjectivePONAS",
    "NSGA2",
    "PONAS",
    "breed",
    "crossover",
    "Strategy",
    "BayesianOptimisation",
    "EvolvedProxyRanking",
    "RandomStrategy",
    "RegularizedEvolution",
    "Reinforce",
    "RoBoT",
    "ZeroCostRanking",
]
