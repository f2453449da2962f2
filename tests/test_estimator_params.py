"""The declared parameter constraints of the search estimators (``_parameter_constraints``).

Every constructor parameter of every estimator has a constraint, so a new parameter cannot
ship unchecked; the defaults meet them; a bad value fails ``fit`` before any work with
scikit-learn's ``InvalidParameterError``; and the local copy of scikit-learn's machinery, used
when its private module cannot be imported, decides and words every case as scikit-learn does.
"""

from __future__ import annotations

import importlib.util
import inspect
import sys
from numbers import Integral

import numpy as np
import pytest
from sklearn.utils._param_validation import (
    Interval as SklearnInterval,
    InvalidParameterError,
    StrOptions as SklearnStrOptions,
    generate_invalid_param_val,
    make_constraint,
)

import sknas
import sknas.search
from sknas.search import BaseSearch, EvolutionSearch, RandomSearch
from sknas.search import _constraints
from sknas.search._constraints import Interval, LiveNames, StrOptions, check_constraints_declared


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


#: Every estimator: the exported classes, and any other subclass of BaseSearch with its own
#: constructor (one defined in a test, or added later and not yet exported).
EXPORTED = [getattr(sknas.search, name) for name in sknas.search.__all__
            if inspect.isclass(getattr(sknas.search, name))
            and issubclass(getattr(sknas.search, name), BaseSearch)]
ESTIMATORS = sorted(
    {cls for cls in [*EXPORTED, *_subclasses(BaseSearch)]
     if "__init__" in vars(cls) and cls.__module__.startswith("sknas.")},
    key=lambda cls: cls.__name__,
)


def test_every_exported_estimator_is_covered():
    names = {cls.__name__ for cls in ESTIMATORS}
    assert {"BaseSearch", "RandomSearch", "EvolutionSearch", "LocalSearch", "ZeroCostSearch", "RoBoTSearch",
            "BOSearch", "ReinforceSearch", "EvolvedProxySearch", "POnasSearch"} <= names


@pytest.mark.parametrize("cls", ESTIMATORS, ids=lambda cls: cls.__name__)
def test_every_init_parameter_has_a_constraint(cls):
    params = set(inspect.signature(cls.__init__).parameters) - {"self"}
    assert params == set(cls._get_param_names())
    assert check_constraints_declared(cls) == [], f"{cls.__name__}: parameters without a constraint"
    stray = set(cls._parameter_constraints) - params
    assert not stray, f"{cls.__name__}: constraints of no parameter {sorted(stray)}"


@pytest.mark.parametrize("cls", ESTIMATORS, ids=lambda cls: cls.__name__)
def test_constraints_are_well_formed_and_met_by_the_defaults(cls):
    for name, constraints in cls._parameter_constraints.items():
        assert isinstance(constraints, list) and constraints, name
        for constraint in constraints:
            make_constraint(constraint)  # raises for what scikit-learn cannot read
    if not inspect.isabstract(cls):
        cls()._validate_params()  # the defaults are valid


def test_a_subclass_that_forgets_a_constraint_is_caught():
    class Careless(RandomSearch):
        def __init__(self, *, budget=20, new_option=1):
            super().__init__(budget=budget)
            self.new_option = new_option

    assert check_constraints_declared(Careless) == ["new_option"]


def test_invalid_parameter_error_is_a_value_and_a_type_error():
    assert issubclass(InvalidParameterError, ValueError) and issubclass(InvalidParameterError, TypeError)
    assert _constraints.InvalidParameterError is InvalidParameterError


@pytest.mark.parametrize("params, match", [
    (dict(budget=True), r"'budget' parameter of RandomSearch must be an int in the range \[1, inf\)\. Got True"),
    (dict(budget=np.int64(0)), r"'budget' parameter .* Got np.int64\(0\) instead"),
    (dict(learning_rate=True), r"'learning_rate' parameter .* or None\. Got True"),
    (dict(warm_start=1), r"'warm_start' parameter .* an instance of 'bool' or an instance of 'numpy.bool'"),
    (dict(verbose=-1), r"'verbose' parameter .* an int in the range \[0, inf\)"),
    (dict(random_state="0"), r"'random_state' parameter .* an int in the range \[0, 4294967295\]"),
    (dict(image_shape=8), r"'image_shape' parameter .* an array-like or None\. Got 8"),
    (dict(device=0), r"'device' parameter .* an instance of 'str' or an instance of 'torch.device'"),
    (dict(objectives="accuracy"), r"'objectives' parameter .* an instance of 'tuple' or an instance of 'list'"),
])
def test_bad_values_are_refused_before_any_work(params, match, monkeypatch):
    search = RandomSearch(budget=1, epochs=1, final_epochs=1, device="cpu")
    monkeypatch.setattr(type(search), "_check_params", lambda self: pytest.fail("validation came first"))
    with pytest.raises(InvalidParameterError, match=match):
        search.set_params(**params).fit(np.zeros((4, 2)), [0, 1, 0, 1])


def test_valid_values_of_other_types_are_accepted():
    ok = RandomSearch(budget=np.int64(2), learning_rate=1, validation_fraction=0.5, n_jobs=-1, verbose=True,
                      random_state=np.random.RandomState(0), image_shape=[8, 8], callbacks=(),
                      checkpoint=None, warm_start=np.True_, objectives=["accuracy", "params"],
                      device=__import__("torch").device("cpu"))
    ok._validate_params()


def test_rules_across_parameters_stay_value_errors():
    search = EvolutionSearch(budget=1, epochs=1, population_size=2, tournament_size=3, device="cpu")
    with pytest.raises(ValueError, match="tournament_size <= population_size") as info:
        search.fit(np.zeros((4, 2)), [0, 1, 0, 1])
    assert not isinstance(info.value, InvalidParameterError)


def test_live_names_follow_their_registry():
    registry = {"cell": None}
    options = StrOptions(LiveNames(registry, "auto"))
    assert options.is_satisfied_by("auto") and options.is_satisfied_by("cell")
    assert not options.is_satisfied_by("mine")
    registry["mine"] = None  # registered after the constraint was made
    assert options.is_satisfied_by("mine")
    assert list(options.options) == ["auto", "cell", "mine"] and len(options.options) == 3
    assert str(options) == "a str among {'auto', 'cell', 'mine'}"


def test_interval_refuses_bools_only():
    ints = Interval(Integral, 1, None, closed="left")
    assert ints.is_satisfied_by(1) and ints.is_satisfied_by(np.int32(3))
    assert not ints.is_satisfied_by(True) and not ints.is_satisfied_by(np.True_) and not ints.is_satisfied_by(1.0)
    assert isinstance(ints, SklearnInterval) == _constraints.SKLEARN_VALIDATION


# -- the local copy, in place of scikit-learn's private module ------------------------------


@pytest.fixture(scope="module")
def local():
    """``sknas.search._constraints`` loaded afresh while scikit-learn's module cannot be imported."""
    spec = importlib.util.spec_from_file_location("sknas_constraints_without_sklearn", _constraints.__file__)
    module = importlib.util.module_from_spec(spec)
    saved = sys.modules["sklearn.utils._param_validation"]
    sys.modules["sklearn.utils._param_validation"] = None  # `from ... import` raises ImportError
    try:
        spec.loader.exec_module(module)
    finally:
        sys.modules["sklearn.utils._param_validation"] = saved
    assert module.SKLEARN_VALIDATION is False and _constraints.SKLEARN_VALIDATION is True
    return module


def _as_local(constraint, local):
    if isinstance(constraint, SklearnInterval):
        return local.Interval(constraint.type, constraint.left, constraint.right, closed=constraint.closed)
    if isinstance(constraint, SklearnStrOptions):
        return local.StrOptions(constraint.options)
    return constraint


def _outcome(validate, constraints, name, value):
    try:
        validate(constraints, {name: value}, caller_name="Estimator")
    except ValueError as exc:
        return type(exc).__mro__[1:3], str(exc)
    return None


BAD_TYPE = type("BadType", (), {})()
PROBES = [BAD_TYPE, None, True, np.True_, 0, 1, 2, 3, -1, 2**33, 0.5, 1.0, 1.5, float("inf"), float("nan"), "x",
          "auto", "cell", "greedy", "knee", "sgd", (8, 8), ["accuracy"], {}, np.random.RandomState(0)]


@pytest.mark.parametrize("cls", ESTIMATORS, ids=lambda cls: cls.__name__)
def test_the_local_copy_decides_and_words_as_scikit_learn(cls, local):
    for name, constraints in cls._parameter_constraints.items():
        local_constraints = {name: [_as_local(c, local) for c in constraints]}
        invalid = []
        for constraint in constraints:
            try:
                invalid.append(generate_invalid_param_val(make_constraint(constraint)))
            except NotImplementedError:
                pass
        for value in [*PROBES, *invalid]:
            ours = _outcome(local.validate_parameter_constraints, local_constraints, name, value)
            theirs = _outcome(_constraints.validate_parameter_constraints, {name: constraints}, name, value)
            assert (ours is None) == (theirs is None), (cls.__name__, name, value, ours, theirs)
            if ours is not None:
                assert ours[1] == theirs[1], (cls.__name__, name, value)
                assert ours[0] == (ValueError, TypeError)
