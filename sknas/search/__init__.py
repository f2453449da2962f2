"""Search estimators: scikit-learn drivers of the ask/evaluate/tell loop."""

from ._base import BaseSearch
from ._evolution import EvolutionSearch
from ._random import RandomSearch
from ._zero_cost import ZeroCostSearch

__all__ = ["BaseSearch", "EvolutionSearch", "RandomSearch", "ZeroCostSearch"]
