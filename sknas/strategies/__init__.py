"""Search strategies: which architecture to evaluate next, through ask/tell.

Every strategy is registered by its lower-case name (:data:`STRATEGIES`), the one list the
estimators, the research harness and the command line read.
"""

from ._base import Strategy
from ._bo import BayesianOptimisation
from ._evolution import RegularizedEvolution
from ._evolved_proxy import EvolvedProxyRanking
from ._local_search import LocalSearchStrategy
from ._nsga2 import NSGA2
from ._ponas import PONAS
from ._ponas_front import MultiObjectivePONAS
from ._ponas_evolution import breed, crossover, evolution_novelty
from ._random import RandomStrategy
from ._registry import STRATEGIES, StrategyEntry, make_strategy, register_strategy, strategy_names
from ._reinforce import Reinforce
from ._robot import RoBoT
from ._zero_cost import ZeroCostRanking

register_strategy("random", single=RandomStrategy, multi=RandomStrategy)
register_strategy("evolution", single=RegularizedEvolution)
register_strategy("local-search", single=LocalSearchStrategy)
register_strategy("reinforce", single=Reinforce)
register_strategy("zero-cost", single=ZeroCostRanking)
register_strategy("robot", single=RoBoT)
register_strategy("bo", single=BayesianOptimisation)
register_strategy("evolved-proxy", single=EvolvedProxyRanking)
register_strategy("ponas", single=PONAS, multi=MultiObjectivePONAS)
register_strategy("nsga2", multi=NSGA2)

__all__ = [
    "MultiObjectivePONAS",
    "NSGA2",
    "PONAS",
    "STRATEGIES",
    "StrategyEntry",
    "breed",
    "crossover",
    "evolution_novelty",
    "Strategy",
    "BayesianOptimisation",
    "EvolvedProxyRanking",
    "LocalSearchStrategy",
    "RandomStrategy",
    "RegularizedEvolution",
    "Reinforce",
    "RoBoT",
    "ZeroCostRanking",
    "make_strategy",
    "register_strategy",
    "strategy_names",
]
