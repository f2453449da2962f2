"""One registry of strategies by name, for the estimators, the research harness and the CLI."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ._base import Strategy

SpecFactory = Callable[..., Strategy]


@dataclass(frozen=True)
class StrategyEntry:
    """How a registered name makes its spec: for one objective, for a Pareto front, or both."""

    single: SpecFactory | None = None
    multi: SpecFactory | None = None


#: Strategies by their lower-case name. Research-only variants register from ``benchmarks/``.
STRATEGIES: dict[str, StrategyEntry] = {}


def register_strategy(name: str, single: SpecFactory | None = None, multi: SpecFactory | None = None) -> None:
    """Register ``name``: ``single(**options)`` makes the spec of a search of one objective,
    ``multi(**options)`` that of a search for a Pareto front (objective and hardware costs).

    A factory is a strategy class or a ``functools.partial`` of one with preset options;
    registering a name again replaces it.
    """
    if single is None and multi is None:
        raise ValueError(f"register {name!r} with a factory for one objective, a front, or both")
    STRATEGIES[name] = StrategyEntry(single, multi)


def make_strategy(name: str, *, multi_objective: bool = False, **options) -> Strategy:
    """The (unbound) spec registered as ``name``, with ``options`` beside its preset ones.

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
    """Registered names (of one kind of search, or all when ``multi_objective`` is None)."""
    return [name for name, entry in STRATEGIES.items()
            if multi_objective is None or (entry.multi if multi_objective else entry.single) is not None]
