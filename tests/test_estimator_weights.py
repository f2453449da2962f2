"""``fit(X, y, sample_weight=...)``: the weights reach the training loss, the validation score and the refit."""

from __future__ import annotations

import numpy as np
import pytest
import sklearn
import torch
from sklearn.datasets import load_iris
from sklearn.model_selection import cross_val_score

from sknas import RandomSearch
from sknas.evaluation import score_outputs, train_network, TrainingRecipe
from sknas.evaluation._training import validation_loss
from sknas.spaces import MLPSpace

TINY = dict(budget=2, epochs=3, final_epochs=5, device="cpu", random_state=0)


@pytest.fixture(scope="module")
def iris():
    return load_iris(return_X_y=True)


def test_a_weighted_fit_differs_from_an_unweighted_one(iris):
    X, y = iris
    weight = np.random.default_rng(0).uniform(0.1, 3.0, size=len(y))
    plain = RandomSearch(**TINY).fit(X, y)
    weighted = RandomSearch(**TINY).fit(X, y, sample_weight=weight)
    assert plain.results_["architecture"] == weighted.results_["architecture"]  # same draws
    assert plain.results_["val_loss"] != weighted.results_["val_loss"]
    assert not np.allclose(plain.predict_proba(X), weighted.predict_proba(X))


def test_equal_weights_are_the_unweighted_fit(iris):
    X, y = iris
    plain = RandomSearch(**TINY).fit(X, y)
    ones = RandomSearch(**TINY).fit(X, y, sample_weight=np.full(len(y), 2.5))
    assert {k: v for k, v in plain.results_.items() if k != "fit_time_s"} == {
        k: v for k, v in ones.results_.items() if k != "fit_time_s"}
    np.testing.assert_array_equal(plain.predict_proba(X), ones.predict_proba(X))


def test_integer_weights_are_like_duplicated_rows(iris):
    X, y = iris
    weight = np.where(np.arange(len(y)) % 2 == 0, 2, 1)
    params = dict(TINY, epochs=20, final_epochs=30)
    weighted = RandomSearch(**params).fit(X, y, sample_weight=weight)
    repeated = RandomSearch(**params).fit(np.repeat(X, weight, axis=0), np.repeat(y, weight))
    # Other batches and splits: equal within training noise, not exactly.
    assert weighted.results_["architecture"] == repeated.results_["architecture"]
    np.testing.assert_allclose(weighted.results_["objective"], repeated.results_["objective"], atol=0.1)
    assert np.mean(weighted.predict(X) == repeated.predict(X)) > 0.9


def test_zero_weight_on_a_class_removes_it_from_the_predictions(iris):
    X, y = iris
    weight = np.where(y == 2, 0.0, 1.0)
    plain = RandomSearch(**TINY).fit(X, y)
    weighted = RandomSearch(**TINY).fit(X, y, sample_weight=weight)
    assert (plain.predict(X) == 2).sum() > 30
    assert (weighted.predict(X) == 2).sum() < 5


def test_weights_reach_the_validation_score(iris):
    X, y = iris
    # Weighing one class alone (almost) makes the validation score the accuracy on it.
    weight = np.where(y == 0, 1.0, 1e-6)
    search = RandomSearch(**TINY).fit(X, y, sample_weight=weight)
    assert search.best_score_ > 0.99


@pytest.mark.parametrize("weight, match", [
    (-np.ones(150), "Negative values in data passed to `sample_weight`.*non-negative weight per sample"),
    (np.ones(149), r"sample_weight.shape == \(149,\), expected \(150,\).*one finite, non-negative"),
    (np.full(150, np.nan), "NaN.*non-negative weight per sample"),
    (np.zeros(150), "zero for every sample.*positive weight"),
    (np.r_[np.ones(50), np.zeros(100)], "positive weight to one class only"),
], ids=["negative", "wrong length", "NaN", "all zero", "one class"])
def test_bad_weights_are_clear_value_errors(weight, match, iris):
    with pytest.raises(ValueError, match=match):
        RandomSearch(**TINY).fit(*iris, sample_weight=weight)


def test_score_takes_weights(iris):
    X, y = iris
    search = RandomSearch(**TINY).fit(X, y)
    right = search.predict(X) == y
    weight = right.astype(float)  # only the samples it gets right
    assert search.score(X, y, sample_weight=weight) == 1.0


def test_metadata_routing_passes_the_weights(iris):
    X, y = iris
    weight = np.where(y == 2, 0.0, 1.0)
    with sklearn.config_context(enable_metadata_routing=True):
        search = RandomSearch(**TINY).set_fit_request(sample_weight=True).set_score_request(sample_weight=True)
        scores = cross_val_score(search, X, y, cv=3, params={"sample_weight": weight})
    # Class 2 has no weight in fit nor in the score: the two others are told apart easily.
    assert scores.min() > 0.9


def test_regression_weights():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    y = np.where(X[:, 0] > 0, X @ [1.0, 2.0, 0.0], 10 * X[:, 1])  # two regimes
    weight = (X[:, 0] > 0).astype(float)
    params = dict(TINY, epochs=10, final_epochs=20, task="regression")
    weighted = RandomSearch(**params).fit(X, y, sample_weight=weight)
    plain = RandomSearch(**params).fit(X, y)
    # fitted to the weighted regime: better on it than the unweighted fit
    assert weighted.score(X, y, sample_weight=weight) > plain.score(X, y, sample_weight=weight)


# -- the training loop and metrics -----------------------------------------------------------


def test_weighted_metrics_match_sklearn():
    from sklearn.metrics import accuracy_score, log_loss, r2_score

    rng = np.random.default_rng(0)
    logits, labels = rng.normal(size=(50, 3)), rng.integers(0, 3, 50)
    weight = rng.uniform(0, 2, 50)
    w = torch.as_tensor(weight)
    accuracy = score_outputs(torch.as_tensor(logits), torch.as_tensor(labels), "classification", w)
    assert accuracy == pytest.approx(accuracy_score(labels, logits.argmax(1), sample_weight=weight))
    proba = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    loss = validation_loss(torch.as_tensor(logits), torch.as_tensor(labels), "classification", w)
    assert loss == pytest.approx(log_loss(labels, proba, sample_weight=weight))
    pred, target = rng.normal(size=(50, 1)), rng.normal(size=(50, 1))
    r2 = score_outputs(torch.as_tensor(pred), torch.as_tensor(target), "regression", w)
    assert r2 == pytest.approx(r2_score(target, pred, sample_weight=weight))


def test_zero_weights_teach_the_network_nothing():
    space = MLPSpace()
    arch = space.parse("mlp:64,relu,dropout=0,norm=none")
    X, y = torch.randn(64, 4), torch.randint(0, 2, (64,))
    weight = torch.ones(64)
    weight[32:] = 0

    def train(X_, y_, w):
        torch.manual_seed(0)
        module = space.build(arch, (4,), 2)
        train_network(module, X_, y_, task="classification", recipe=TrainingRecipe(epochs=1, batch_size=64),
                      device=torch.device("cpu"), generator=torch.Generator().manual_seed(0), sample_weight=w)
        return module

    # the zero-weight half's labels do not matter
    flipped = y.clone()
    flipped[32:] = 1 - flipped[32:]
    a, b = train(X, y, weight), train(X, flipped, weight)
    for p, q in zip(a.parameters(), b.parameters()):
        torch.testing.assert_close(p, q)
