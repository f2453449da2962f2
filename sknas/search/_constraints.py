"""Declared constraints of the estimators' parameters, checked at the start of ``fit``.

Each estimator class states what each of its constructor parameters may be in a class
attribute ``_parameter_constraints``, as scikit-learn's estimators do: a dict from the
parameter's name to a list of constraints, any one of which the value must satisfy
(``Interval(Integral, 1, None, closed="left")``, ``StrOptions({...})``, a type, ``None``,
``"boolean"``, ``"random_state"``, ``"verbose"``, ``"array-like"``). A value that satisfies
none raises an :class:`InvalidParameterError` (a ``ValueError`` and a ``TypeError``) such as
"The 'budget' parameter of RandomSearch must be an int in the range [1, inf). Got 0
instead." Rules that need more than one parameter, or the machine (the device), stay in the
estimators' ``_check_params``.

The checking is scikit-learn's own (``sklearn.utils._param_validation``, since 1.2), so
``sklearn.utils.estimator_checks.check_param_validation`` tests the estimators. That module
is private and may move or change in a later scikit-learn: the import below is guarded, as
imbalanced-learn guards its own, and when it fails a small local copy of the few constraints
used here takes its place (``SKLEARN_VALIDATION`` says which is in use). The local copy gives
the same decisions and the same messages; ``tests/test_estimator_params.py`` checks that.

One difference from scikit-learn, in both: :class:`Interval` refuses bools, so ``True`` is not
taken for a budget of 1 (scikit-learn's ``Interval`` accepts them, bool being an int).
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Mapping, Set
from numbers import Integral, Real

import numpy as np
import scipy.sparse

__all__ = [
    "SKLEARN_VALIDATION",
    "HasMethods",
    "Interval",
    "InvalidParameterError",
    "LiveNames",
    "StrOptions",
    "validate_parameter_constraints",
]


class LiveNames(Set):
    """The names of a registry as it is now, plus fixed ``extra`` names, as a set.

    For a :class:`StrOptions` over a registry users can add to (``register_space``): a
    name registered after the estimator class was defined is accepted.
    """

    def __init__(self, registry: Mapping, *extra: str):
        self.registry = registry
        self.extra = tuple(extra)

    def __contains__(self, name) -> bool:
        return name in self.extra or name in self.registry

    def __iter__(self):
        yield from self.extra
        yield from (name for name in self.registry if name not in self.extra)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    @classmethod
    def _from_iterable(cls, it):  # set operations give plain sets
        return set(it)


# -- a small local copy of scikit-learn's machinery, used when its private module is gone ----


class _LocalInvalidParameterError(ValueError, TypeError):
    """A parameter of the wrong type or value (a ``ValueError`` and a ``TypeError``)."""


class _LocalConstraint:
    hidden = False

    def is_satisfied_by(self, value) -> bool:  # pragma: no cover - abstract
        raise NotImplementedError


def _type_name(t: type) -> str:
    if t.__module__ == "builtins":
        return t.__qualname__
    if t is Real:
        return "float"
    if t is Integral:
        return "int"
    return f"{t.__module__}.{t.__qualname__}"


class _LocalInterval(_LocalConstraint):
    def __init__(self, type, left, right, *, closed):
        if type not in (Integral, Real):
            raise ValueError(f"type must be numbers.Integral or numbers.Real, got {type}")
        if closed not in ("left", "right", "both", "neither"):
            raise ValueError(f"closed must be 'left', 'right', 'both' or 'neither', got {closed!r}")
        self.type, self.left, self.right, self.closed = type, left, right, closed

    def __contains__(self, value) -> bool:
        if not isinstance(value, Integral) and np.isnan(value):
            return False
        left = -np.inf if self.left is None else self.left
        right = np.inf if self.right is None else self.right
        below = operator.lt if self.closed in ("left", "both") else operator.le
        above = operator.gt if self.closed in ("right", "both") else operator.ge
        return not below(value, left) and not above(value, right)

    def is_satisfied_by(self, value) -> bool:
        return isinstance(value, self.type) and value in self

    def __str__(self) -> str:
        kind = "an int" if self.type is Integral else "a float"
        left_bracket = "[" if self.closed in ("left", "both") else "("
        right_bracket = "]" if self.closed in ("right", "both") else ")"
        left = "-inf" if self.left is None else self.left if self.type is Integral else float(self.left)
        right = "inf" if self.right is None else self.right if self.type is Integral else float(self.right)
        return f"{kind} in the range {left_bracket}{left}, {right}{right_bracket}"


class _LocalStrOptions(_LocalConstraint):
    def __init__(self, options, *, deprecated=None):
        self.type, self.options, self.deprecated = str, options, deprecated or set()

    def is_satisfied_by(self, value) -> bool:
        return isinstance(value, str) and value in self.options

    def __str__(self) -> str:
        return f"a str among {{{', '.join(repr(o) for o in self.options)}}}"


class _LocalHasMethods(_LocalConstraint):
    def __init__(self, methods):
        self.methods = [methods] if isinstance(methods, str) else list(methods)

    def is_satisfied_by(self, value) -> bool:
        return all(callable(getattr(value, method, None)) for method in self.methods)

    def __str__(self) -> str:
        methods = [repr(m) for m in self.methods]
        listed = methods[0] if len(methods) == 1 else f"{', '.join(methods[:-1])} and {methods[-1]}"
        return f"an object implementing {listed}"


class _InstancesOf(_LocalConstraint):
    def __init__(self, type):
        self.type = type

    def is_satisfied_by(self, value) -> bool:
        return isinstance(value, self.type)

    def __str__(self) -> str:
        return f"an instance of {_type_name(self.type)!r}"


class _Predicate(_LocalConstraint):
    def __init__(self, test, text):
        self.test, self.text = test, text

    def is_satisfied_by(self, value) -> bool:
        return bool(self.test(value))

    def __str__(self) -> str:
        return self.text


class _AnyOf(_LocalConstraint):
    """One of several constraints, named as one (scikit-learn's "random_state", "verbose")."""

    def __init__(self, *parts):
        self.parts = parts

    def is_satisfied_by(self, value) -> bool:
        return any(part.is_satisfied_by(value) for part in self.parts)

    def __str__(self) -> str:
        texts = [str(part) for part in self.parts]
        return f"{', '.join(texts[:-1])} or {texts[-1]}"


def _is_array_like(value) -> bool:
    if scipy.sparse.issparse(value):
        return False
    return (hasattr(value, "__len__") or hasattr(value, "shape") or hasattr(value, "__array__")) \
        and not np.isscalar(value)


def _local_constraint(constraint) -> _LocalConstraint:
    if isinstance(constraint, _LocalConstraint):
        return constraint
    if constraint is None:
        return _Predicate(lambda v: v is None, "None")
    if constraint is callable:
        return _Predicate(callable, "a callable")
    if isinstance(constraint, type):
        return _InstancesOf(constraint)
    if constraint == "array-like":
        return _Predicate(_is_array_like, "an array-like")
    if constraint == "boolean":
        return _AnyOf(_InstancesOf(bool), _InstancesOf(np.bool_))
    if constraint == "verbose":
        return _AnyOf(_LocalInterval(Integral, 0, None, closed="left"), _InstancesOf(bool), _InstancesOf(np.bool_))
    if constraint == "random_state":
        return _AnyOf(_LocalInterval(Integral, 0, 2**32 - 1, closed="both"),
                      _InstancesOf(np.random.RandomState), _Predicate(lambda v: v is None, "None"))
    raise ValueError(f"Unknown constraint type: {constraint}")


def _local_validate_parameter_constraints(parameter_constraints, params, caller_name) -> None:
    """Raise an ``InvalidParameterError`` for the first parameter that meets none of its constraints."""
    for name, value in params.items():
        constraints = parameter_constraints.get(name, "no_validation")
        if constraints == "no_validation":
            continue
        constraints = [_local_constraint(c) for c in constraints]
        if any(c.is_satisfied_by(value) for c in constraints):
            continue
        texts = [str(c) for c in constraints if not c.hidden]
        allowed = texts[0] if len(texts) == 1 else f"{', '.join(texts[:-1])} or {texts[-1]}"
        raise InvalidParameterError(
            f"The {name!r} parameter of {caller_name} must be {allowed}. Got {value!r} instead."
        )


# -- scikit-learn's, when it can be imported ---------------------------------------------------

try:
    # Private module of scikit-learn (>= 1.2): guarded, since it may move in a later release.
    from sklearn.utils._param_validation import HasMethods, InvalidParameterError, StrOptions
    from sklearn.utils._param_validation import Interval as _SklearnInterval
    from sklearn.utils._param_validation import validate_parameter_constraints
except ImportError:  # pragma: no cover - exercised by tests through the _Local names
    SKLEARN_VALIDATION = False
    _BaseInterval = _LocalInterval
    InvalidParameterError = _LocalInvalidParameterError
    StrOptions = _LocalStrOptions
    HasMethods = _LocalHasMethods
    validate_parameter_constraints = _local_validate_parameter_constraints
else:
    SKLEARN_VALIDATION = True
    _BaseInterval = _SklearnInterval


class Interval(_BaseInterval):
    """A range of ints (``Integral``) or floats (``Real``), as scikit-learn's ``Interval``,
    but a bool is in none (``budget=True`` is refused, not taken for 1)."""

    def is_satisfied_by(self, value) -> bool:
        return not isinstance(value, (bool, np.bool_)) and super().is_satisfied_by(value)


def check_constraints_declared(cls, constraints: Mapping[str, Iterable] | None = None) -> list[str]:
    """The ``__init__`` parameters of ``cls`` without an entry in its ``_parameter_constraints``."""
    constraints = cls._parameter_constraints if constraints is None else constraints
    return sorted(set(cls._get_param_names()) - set(constraints))
