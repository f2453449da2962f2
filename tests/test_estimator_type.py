"""The estimator type is known before fit and right by default: what scikit-learn's tools see."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import is_classifier, is_regressor
from sklearn.datasets import load_diabetes, load_iris
from sklearn.ensemble import StackingClassifier, VotingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score
from sklearn.utils import get_tags

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
from sknas.search._targets import MAX_AUTO_CLASSES, resolve_task

ALL = [POnasSearch, RandomSearch, EvolutionSearch, ZeroCostSearch, RoBoTSearch, BOSearch,
       ReinforceSearch, EvolvedProxySearch, LocalSearch]
TINY = dict(budget=2, epochs=2, final_epochs=3, device="cpu", random_state=0)


@pytest.fixture(scope="module")
def iris():
    """Iris as scikit-learn gives it: rows sorted by class."""
    return load_iris(return_X_y=True)


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.__name__)
def test_auto_and_classification_are_classifiers_regression_a_regressor(cls):
    for task in ("auto", "classification"):
        estimator = cls(task=task)
        assert is_classifier(estimator) and not is_regressor(estimator)
        tags = get_tags(estimator)
        assert tags.classifier_tags is not None and tags.regressor_tags is None
        assert tags.target_tags.required  # fit needs y
    regressor = cls(task="regression")
    assert is_regressor(regressor) and not is_classifier(regressor)
    tags = get_tags(regressor)
    assert tags.regressor_tags is not None and tags.classifier_tags is None
    assert tags.target_tags.required


def test_tags_come_from_public_sklearn():
    import sknas.search._base as base

    source = open(base.__file__).read()
    assert "sklearn.utils._tags" not in source


def test_cross_validation_on_sorted_classes_is_stratified(iris):
    # Unstratified 3-fold on iris holds out one whole class per fold: every score was 0.0.
    scores = cross_val_score(RandomSearch(**TINY), *iris, cv=3)
    assert scores.min() > 0.5


def test_roc_auc_and_average_precision_scorers(iris):
    X, y = iris
    binary = (y == 1).astype(int)
    # versicolor against the rest is not linear: enough training to beat chance (TINY's 4 steps may not)
    search = RandomSearch(**dict(TINY, epochs=10, final_epochs=10))
    for scoring in ("roc_auc", "average_precision"):
        scores = cross_val_score(search, X, binary, cv=3, scoring=scoring)
        assert np.all(np.isfinite(scores)) and scores.mean() > 0.5


def test_binary_predict_proba_has_a_column_per_class(iris):
    X, y = iris
    search = RandomSearch(**TINY).fit(X, np.where(y == 1, "yes", "no"))
    np.testing.assert_array_equal(search.classes_, ["no", "yes"])
    assert search.predict_proba(X).shape == (len(X), 2)


@pytest.mark.parametrize("ensemble", [StackingClassifier, VotingClassifier])
def test_stacking_and_voting_take_the_default_estimator(ensemble, iris):
    X, y = iris
    kwargs = dict(cv=2) if ensemble is StackingClassifier else dict(voting="soft")
    model = ensemble([("nas", RandomSearch(**TINY)), ("lr", LogisticRegression(max_iter=500))], **kwargs)
    assert model.fit(X, y).score(X, y) > 0.8


def test_auto_refuses_continuous_targets_and_says_what_to_do():
    X, y = load_diabetes(return_X_y=True)  # float targets of whole numbers: 214 distinct values
    with pytest.raises(ValueError, match="y looks continuous.*pass task='regression'"):
        RandomSearch(**TINY).fit(X, y)
    with pytest.raises(ValueError, match="not whole numbers.*task='regression'"):
        RandomSearch(**TINY).fit(X, y + 0.5)
    assert RandomSearch(**TINY, task="regression").fit(X, y).task_ == "regression"


@pytest.mark.parametrize("y, task", [
    (np.array([0.0, 1.0] * 10), "classification"),  # binary float labels, even when few
    (np.array([0.0, 1.0]), "classification"),
    (np.arange(60) % 5 * 1.0, "classification"),  # 5 classes of 12
    (np.array([1, 2, 3, 4] * 2), "classification"),  # integer labels: always classes
    (np.array(["a", "b", "c"] * 2), "classification"),
    (np.arange(100) % (MAX_AUTO_CLASSES + 1) * 1.0, None),  # 21 distinct whole numbers
    (np.array([0.0, 1.0, 2.0, 3.0, 4.0, 0.0]), None),  # 5 distinct among 6 samples
    (np.array([0.0, 0.5] * 10), None),
])
def test_the_auto_rule(y, task):
    if task is None:
        with pytest.raises(ValueError, match="task='regression'"):
            resolve_task("auto", y)
    else:
        assert resolve_task("auto", y) == task
    assert resolve_task("regression", y) == "regression"
