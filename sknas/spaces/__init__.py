"""Search spaces: what an architecture is, and how to sample, encode and build it."""

from ._base import Architecture, ArchitectureGraph, SearchSpace
from ._cell import CellArchitecture, CellSpace
from ._mlp import MLPArchitecture, MLPSpace
from ._registry import SPACE_CLASSES, SPACES, make_space, register_space

__all__ = [
    "Architecture",
    "ArchitectureGraph",
    "SearchSpace",
    "CellArchitecture",
    "CellSpace",
    "MLPArchitecture",
    "MLPSpace",
    "SPACES",
    "SPACE_CLASSES",
    "make_space",
    "register_space",
]
