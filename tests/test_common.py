"""scikit-learn's estimator checks on every sknas estimator, for both tasks.

The API surface lives in ``BaseSearch``: the full check list runs on one estimator per family
(``RandomSearch`` for both tasks and with ``task="classification"``, and ``POnasSearch``
for the estimators that score a proxy pool). Every other estimator runs a fast subset that
exercises its own code: its constructor and parameters (clone, ``get_params``,
``set_params``), a fit that returns ``self`` without touching its parameters, predictions
of the right shape and quality, pickling of what its strategy leaves behind, and refusal
before ``fit``.

``check_param_validation`` is in neither list (scikit-learn runs it only on its own
estimators): it runs here on every estimator, for both tasks. It checks that the
``_parameter_constraints`` name exactly the constructor's parameters, and that a value of the
wrong type, or out of range, fails ``fit`` at once with scikit-learn's ``InvalidParameterError``
naming the parameter and what it may be.
"""

import pytest
from sklearn.base import clone, is_classifier
from sklearn.utils.estimator_checks import (
    check_classifiers_train,
    check_do_not_raise_errors_in_init_or_set_params,
    check_estimators_dtypes,
    check_estimators_fit_returns_self,
    check_estimators_overwrite_params,
    check_estimators_pickle,
    check_estimators_unfitted,
    check_fit_score_takes_y,
    check_get_params_invariance,
    check_methods_subset_invariance,
    check_no_attributes_set_in_init,
    check_param_validation,
    check_parameters_default_constructible,
    check_regressors_train,
    check_set_params,
    parametrize_with_checks,
)

from sknas import (
    BOSearch,
    EvolutionSearch,
    EvolvedProxySearch,
    LocalSearch,
    POnasSearch,
    RandomSearch,
    ReinforceSearch,
    RoBoTSearch,
    ZeroCostSearch,
)

# Tiny settings keep each check to a fraction of a second: the checks test the estimator's
# contract, not its search. A classifier's checks ask for accuracy > 0.83 on easy blobs
# (check_classifiers_train): a few epochs of the refit are enough.
SMALL = dict(budget=2, epochs=1, final_epochs=10, batch_size=32, device="cpu")

# One per class with the default task="auto" (a classifier) and one with task="regression".
CLASSES = [
    (RandomSearch, {}),
    (EvolutionSearch, dict(population_size=2, tournament_size=1)),
    (ZeroCostSearch, dict(n_candidates=4)),
    (RoBoTSearch, dict(n_candidates=4, proxies=("synflow", "snip"))),
    (BOSearch, dict(n_candidates=6, n_initial=1)),
    (ReinforceSearch, {}),
    # n_initial=1: the second candidate is a neighbour of the first
    (LocalSearch, dict(n_initial=1)),
    # budget 2 ends within the warm-up, so this checks the estimator, not the evolution
    (EvolvedProxySearch, dict(n_candidates=4, proxies=("synflow", "snip"))),
    # budget 2 ends within PO-NAS's start (the best mean proxies): pre-training still runs
    (POnasSearch, dict(n_candidates=4, proxies=("synflow", "snip"))),
]
EXTRA = dict(CLASSES)

#: Every check, on one estimator per family.
FULLY_CHECKED = [
    RandomSearch(**SMALL),
    RandomSearch(task="regression", **SMALL),
    RandomSearch(task="classification", **SMALL),
    POnasSearch(**SMALL, **EXTRA[POnasSearch]),
]
#: The fast subset, on the others.
SUBSET_CHECKED = [
    *(cls(**SMALL, **extra) for cls, extra in CLASSES if cls not in (RandomSearch, POnasSearch)),
    *(cls(task="regression", **SMALL, **extra) for cls, extra in CLASSES if cls is not RandomSearch),
]

# Why a check is expected to fail; every other check passes.
EXPECTED_FAILURES = {
    # Training is stochastic in its batches and its train/validation split: weight 2 is a
    # sample counted twice in expectation, not the same run as a duplicated row.
    "check_sample_weight_equivalence_on_dense_data": (
        "weights equal repeated rows in expectation only: batches and the validation split differ"
    ),
}


@parametrize_with_checks(FULLY_CHECKED, expected_failed_checks=lambda estimator: EXPECTED_FAILURES)
def test_sklearn_compatible(estimator, check):
    check(estimator)


#: Checks that need no fit: the constructor's contract, which each estimator writes itself.
CONSTRUCTOR_CHECKS = [
    check_no_attributes_set_in_init,
    check_parameters_default_constructible,
    check_get_params_invariance,
    check_set_params,
    check_do_not_raise_errors_in_init_or_set_params,
]
#: Checks that fit: the strategy's code runs under each.
FIT_CHECKS = [
    check_estimators_fit_returns_self,
    check_estimators_overwrite_params,
    check_estimators_unfitted,
    check_fit_score_takes_y,
    check_estimators_dtypes,
    check_methods_subset_invariance,
    check_estimators_pickle,
]


def _estimator_id(estimator):
    return f"{type(estimator).__name__}-{'classifier' if is_classifier(estimator) else 'regressor'}"


@pytest.mark.parametrize("estimator", SUBSET_CHECKED, ids=_estimator_id)
@pytest.mark.parametrize("check", [*CONSTRUCTOR_CHECKS, *FIT_CHECKS, "train"],
                         ids=lambda check: getattr(check, "__name__", check))
def test_fast_sklearn_checks(estimator, check):
    if check == "train":
        check = check_classifiers_train if is_classifier(estimator) else check_regressors_train
    check(type(estimator).__name__, clone(estimator).set_params(random_state=0))


@pytest.mark.parametrize("estimator", [*FULLY_CHECKED, *SUBSET_CHECKED], ids=_estimator_id)
def test_param_validation(estimator):
    # every bad value is refused by the constraints, before any data is read or network trained
    check_param_validation(type(estimator).__name__, estimator)


def test_every_estimator_is_checked():
    checked = {(type(e), is_classifier(e)) for e in [*FULLY_CHECKED, *SUBSET_CHECKED]}
    assert checked == {(cls, task) for cls, _ in CLASSES for task in (True, False)}
