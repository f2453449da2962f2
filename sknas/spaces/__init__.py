"""Search spaces: what an architecture is, and how to sample, encode and build it."""

from ._base import Architecture, ArchitectureGraph, SearchSpace
from ._cell import CellArchitecture, CellSpace
from ._mlp import MLPArchitecture, MLPSpace

__all__ = [
    "Architecture",
    "ArchitectureGraph",
    "SearchSpace",
    "CellArchitecture",
    "CellSpace",
    "MLPArchitecture",
    "MLPSpace",
]
