"""Search strategies: which architecture to evaluate next, through ask/tell."""

from ._base import Strategy
from ._evolution import RegularizedEvolution
from ._random import RandomStrategy
from ._zero_cost import ZeroCostRanking

__all__ = ["Strategy", "RandomStrategy", "RegularizedEvolution", "ZeroCostRanking"]
