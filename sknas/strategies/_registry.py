"""One registry of strategies by name, for the estimators, the research harness and the CLI."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ._base import Strategy

SpecFactory = Callable[..., Strategy]


@dataclass(frozen=True)
class StrategyEntry:
    """How a registered name makes its spec: for one objective, for a Pareto front, or both.

    Parameters
    ----------
    single : callable or None, default=None
        ``single(**options)`` makes the spec of a search of one objective; None when the name
        has no such search.
    multi : callable or None, default=None
        ``multi(**options)`` makes the spec of a search for a Pareto front; None when the name
        has no such search.
    """

    single: SpecFactory | None = None
    multi: SpecFactory | None = None


#: Strategies by their lower-case name. Research-only variants register from ``benchmarks/``.
STRATEGIES: dict[str, StrategyEntry] = {}


def register_strategy(name: str, single: SpecFactory | None = None, multi: SpecFactory | None = None) -> None:
    """Register ``name``: ``single(**options)`` makes the spec of a search of one objective,
    ``multi(**options)`` that of a search for a Pareto front (objective and hardware costs).

    A factory is a strategy class or a ``functools.partial`` of one with preset options;
    registering a name again replaces it.

    Parameters
    ----------
    name : str
        The lower-case name to register.
    single : callable or None, default=None
        The factory of the spec for a search of one objective.
    multi : callable or None, default=None
        The factory of the spec for a search for a Pareto front.

    Raises
    ------
    ValueError
        When both ``single`` and ``multi`` are None.
    """
    if single is None and multi is None:
        raise ValueError(f"register {name!r} with a factory for one objective, a front, or both")
    STRATEGIES[name] = StrategyEntry(single, multi)


def make_strategy(name: str, *, multi_objective: bool = False, **options) -> Strategy:
    """The (unbound) spec registered as ``name``, with ``options`` beside its preset ones.

    Parameters
    ----------
    name : str
        A registered name (see :func:`strategy_names`).
    multi_objective : bool, default=False
        Whether to make the spec of a search for a Pareto front rather than of one objective.
    **options : dict
        Keyword arguments for the factory, beside (or overriding) its preset options.

    Returns
    -------
    strategy : Strategy
        The unbound spec; call its ``setup`` to search.

    Raises
    ------
    ValueError
        When ``name`` is not registered for that kind of search; the message lists those that are.
    """
    entry = STRATEGIES.get(name)
    factory = None if entry is None else (entry.multi if multi_objective else entry.single)
    if factory is None:
        kind = "multi-objective" if multi_objective else "single-objective"
        known = strategy_names(multi_objective=multi_objective)
        raise ValueError(f"unknown strategy {name!r}; the registered {kind} strategies are {', '.join(known)}")
    return factory(**options)


def strategy_names(*, multi_objective: bool | None = None) -> list[str]:
    """Registered names (of one kind of search, or all when ``multi_objective`` is None).

    Parameters
    ----------
    multi_objective : bool or None, default=None
        True for the names registered for a Pareto front, False for those registered for one
        objective, None for all.

    Returns
    -------
    names : list of str
        The names, in the order they were first registered.
    """
    return [name for name, entry in STRATEGIES.items()
            if multi_objective is None or (entry.multi if multi_objective else entry.single) is not None]
