"""One registry of search spaces: the names estimators, the harness and the CLI accept, and the
space classes that ``sknas.load`` may rebuild from a file."""

from __future__ import annotations

from typing import Callable

from ._base import SearchSpace
from ._cell import CellSpace
from ._darts import DartsSpace
from ._mlp import MLPSpace
from ._tnb101_macro import TNB101MacroSpace
from ._tnb101_micro import TNB101MicroSpace

#: Spaces by name: ``SPACES[name]()`` builds one.
SPACES: dict[str, Callable[[], SearchSpace]] = {}

#: Space classes by class name, the only ones a saved estimator's parameters may name.
SPACE_CLASSES: dict[str, type[SearchSpace]] = {}


def register_space(name: str, factory: Callable[[], SearchSpace], cls: type[SearchSpace] | None = None) -> None:
    """Register ``name`` (``factory()`` builds the space) and, when given, the space class
    that ``sknas.load`` may rebuild from its configuration.

    Parameters
    ----------
    name : str
        The name estimators' ``space=``, the harness and the CLI accept.
    factory : callable
        Called with no arguments, builds the space.
    cls : type of SearchSpace or None, default=None
        The space class that ``sknas.load`` may rebuild from a saved configuration; None
        registers none.
    """
    SPACES[name] = factory
    if cls is not None:
        SPACE_CLASSES[cls.__name__] = cls


def make_space(name: str) -> SearchSpace:
    """The space registered as ``name``; a ``ValueError`` lists the registered names.

    Parameters
    ----------
    name : str
        A registered name, such as ``"cell"``, ``"mlp"`` or ``"darts"``.

    Returns
    -------
    SearchSpace
        A new space built by the name's factory.

    Raises
    ------
    ValueError
        If no space is registered as ``name``.
    """
    if name not in SPACES:
        raise ValueError(
            f"unknown space {name!r}; use 'auto', one of {', '.join(map(repr, SPACES))}, or a SearchSpace "
            "instance such as sknas.spaces.CellSpace()"
        )
    return SPACES[name]()


# The cell skeleton of "cell" is NAS-Bench-201's with one cell per stage, light enough to search
# on a CPU; "nb201" is the benchmark's network (5 cells per stage).
register_space("cell", lambda: CellSpace(channels=16, cells_per_stage=1), CellSpace)
register_space("nb201", CellSpace, CellSpace)
register_space("mlp", MLPSpace, MLPSpace)
# TransNAS-Bench-101's spaces with 16 channels and one block per module, light enough for a CPU;
# the classes' defaults build the benchmark's networks (64 channels, two blocks per module).
register_space("tnb101-micro", lambda: TNB101MicroSpace(channels=16, blocks_per_module=1), TNB101MicroSpace)
register_space("tnb101-macro", lambda: TNB101MacroSpace(channels=16, blocks_per_module=1), TNB101MacroSpace)
# DARTS's cell space on the 6-layer, 16-channel network PO-NAS scores its proxies on.
register_space("darts", DartsSpace, DartsSpace)
