"""Search spaces: what an architecture is, and how to sample, encode and build it."""

from ._base import Architecture, SearchSpace
from ._cell import CellArchitecture, CellGraph, CellSpace
from ._mlp import MLPArchitecture, MLPSpace

__all__ = [
    "Architecture",
    "SearchSpace",
    "CellArchitecture",
    "CellGraph",
    "CellSpace",
    "MLPArchitecture",
    "MLPSpace",
]
