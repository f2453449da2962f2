"""Search spaces: what an architecture is, and how to sample, encode and build it."""

from ._base import Architecture, ArchitectureGraph, SearchSpace
from ._cell import CellArchitecture, CellSpace
from ._darts import DartsArchitecture, DartsSpace
from ._darts_genotypes import PUBLISHED_GENOTYPES
from ._mlp import MLPArchitecture, MLPSpace
from ._registry import SPACE_CLASSES, SPACES, make_space, register_space
from ._tnb101_macro import TNB101MacroArchitecture, TNB101MacroSpace
from ._tnb101_micro import TNB101MicroArchitecture, TNB101MicroSpace

__all__ = [
    "PUBLISHED_GENOTYPES",
    "SPACES",
    "SPACE_CLASSES",
    "Architecture",
    "ArchitectureGraph",
    "CellArchitecture",
    "CellSpace",
    "DartsArchitecture",
    "DartsSpace",
    "MLPArchitecture",
    "MLPSpace",
    "SearchSpace",
    "TNB101MacroArchitecture",
    "TNB101MacroSpace",
    "TNB101MicroArchitecture",
    "TNB101MicroSpace",
    "make_space",
    "register_space",
]
