"""One prediction path: predict, predict_proba, score, predict_front, export and save/load agree."""

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.datasets import load_iris
from sklearn.metrics import accuracy_score, r2_score

import sknas
from sknas import RandomSearch
from sknas.evaluation import objective_score, score_outputs
from sknas.search._predict import PredictionModule, prediction_module

TINY = dict(budget=2, epochs=1, final_epochs=2, device="cpu", random_state=0)


@pytest.fixture(scope="module")
def classifier():
    X, y = load_iris(return_X_y=True)
    labels = np.array(["setosa", "versicolor", "virginica"])[y]
    return RandomSearch(**TINY, ensemble_size=2).fit(X, labels), X.astype(np.float32), labels


@pytest.fixture(scope="module")
def regressor():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(150, 4))
    y = X @ np.array([3.0, -1.0, 0.0, 2.0]) + 50.0
    return RandomSearch(**TINY, ensemble_size=2, task="regression").fit(X, y), X.astype(np.float32), y


def _exported(search, X, tmp_path):
    module = torch.jit.load(str(search.export(tmp_path / "model.pt")))
    with torch.no_grad():
        return module(torch.as_tensor(X)).numpy()


@pytest.mark.parametrize("which", ["classifier", "regressor"])
def test_every_way_to_predict_gives_the_same_numbers(which, request, tmp_path):
    search, X, y = request.getfixturevalue(which)
    X = X[:64]  # one pass of predict's fixed 64 rows: the exported module sees the same shapes
    classification = search.task_ == "classification"
    outputs = search.predict_proba(X) if classification else search.predict(X)
    assert outputs.dtype == np.float64
    exported = _exported(search, X, tmp_path)
    np.testing.assert_array_equal(exported, outputs)  # the exported file is the predictor, traced
    loaded = sknas.load(sknas.save(search, tmp_path / "search.pt"))
    assert isinstance(loaded.predictor_, PredictionModule)
    np.testing.assert_array_equal(loaded.predict(X), search.predict(X))
    if classification:
        np.testing.assert_array_equal(loaded.predict_proba(X), outputs)
        np.testing.assert_array_equal(search.predict(X), search.classes_[outputs.argmax(axis=1)])
    assert loaded.score(X, y[:64]) == search.score(X, y[:64]) == objective_score(y[:64], search.predict(X), search.task_)


def test_the_predictor_holds_the_fitted_network_scaling_and_output_mapping(classifier, regressor):
    for search, X, y in (classifier, regressor):
        search = clone(search).set_params(ensemble_size=1).fit(X, y)
        predictor = search.predictor_
        assert predictor.network is search.best_model_  # held, not copied
        assert not predictor.training
        np.testing.assert_array_equal(predictor.input_mean.numpy(), search.input_scaler_.mean_)
        np.testing.assert_array_equal(predictor.input_scale.numpy(), search.input_scaler_.scale_)
        with torch.no_grad():
            network_outputs = search.best_model_(torch.as_tensor(search.input_scaler_.transform(X[:64])))
            direct = predictor(torch.as_tensor(X[:64])).numpy()
        if search.task_ == "classification":
            expected = torch.softmax(network_outputs.double(), dim=1).numpy()
        else:
            expected = network_outputs[:, 0].double().numpy() * search.target_scale_ + search.target_mean_
        np.testing.assert_array_equal(direct, expected)


def test_an_ensemble_predicts_the_mean_of_its_members(classifier, regressor):
    for search, X, _ in (classifier, regressor):
        members = search.ensemble_models_
        assert len(members) == len(search.ensemble_architectures_) == 2
        assert members[0] is search.best_model_ and search.ensemble_architectures_[0] == search.best_architecture_
        assert all(a is b for a, b in zip(search.predictor_.network.networks, members))  # held, not copied
        alone = [clone(search).set_params(ensemble_size=1) for _ in members]
        for single, model in zip(alone, members):  # each member's own prediction, through the same path
            single.__dict__.update({k: v for k, v in search.__dict__.items() if k.endswith("_")})
            single.ensemble_models_ = [model]
            single.predictor_ = prediction_module(single)
        if search.task_ == "classification":
            expected = np.mean([single.predict_proba(X) for single in alone], axis=0)
            np.testing.assert_allclose(search.predict_proba(X), expected, rtol=1e-6, atol=1e-9)
        else:
            expected = np.mean([single.predict(X) for single in alone], axis=0)
            np.testing.assert_allclose(search.predict(X), expected, rtol=1e-6)


def test_a_sample_is_predicted_alike_alone_and_among_others(regressor):
    search, X, _ = regressor
    alone = np.concatenate([search.predict(X[i : i + 1]) for i in range(70)])
    np.testing.assert_array_equal(alone, search.predict(X[:70]))


def test_predict_front_uses_the_predictor_of_each_pareto_model(tmp_path):
    X, y = load_iris(return_X_y=True)
    search = RandomSearch(**dict(TINY, budget=4), objectives=("accuracy", "params")).fit(X, y)
    front = search.predict_front(X)
    assert front.shape == (len(search.pareto_front_["model"]), len(X))
    np.testing.assert_array_equal(front[search.pareto_front_["chosen"].index(True)], search.predict(X))


# -- the objective, defined once -----------------------------------------------------------


def test_objective_score_is_sklearns_accuracy_and_r2():
    rng = np.random.default_rng(0)
    labels = rng.choice(["a", "b", "c"], size=40)
    guessed = rng.choice(["a", "b", "c"], size=40)
    weight = rng.uniform(size=40)
    assert objective_score(labels, guessed, "classification", weight) == accuracy_score(labels, guessed, sample_weight=weight)
    y, pred = rng.normal(size=(40, 2)), rng.normal(size=(40, 2))
    assert objective_score(y, pred, "regression", weight) == r2_score(y, pred, sample_weight=weight)


def test_objective_score_of_a_single_sample_is_a_number():
    assert objective_score([2.0], [2.0], "regression") == 1.0
    assert objective_score([2.0], [3.0], "regression") == 0.0
    assert objective_score([[2.0, 1.0]], [[2.0, 0.0]], "regression") == 0.5


def test_validation_score_and_estimator_score_are_the_same_metric(regressor):
    search, X, y = regressor
    weight = np.linspace(0.5, 2.0, len(y))
    standardised = torch.as_tensor((search.predict(X) - search.target_mean_) / search.target_scale_)
    targets = torch.as_tensor((y - search.target_mean_) / search.target_scale_)
    via_outputs = score_outputs(standardised[:, None], targets[:, None], "regression", torch.as_tensor(weight))
    assert via_outputs == pytest.approx(search.score(X, y, sample_weight=weight), rel=1e-12)
    logits = torch.tensor([[0.1, 2.0], [3.0, -1.0], [0.0, 0.5]])
    assert score_outputs(logits, torch.tensor([1, 1, 1]), "classification") == objective_score([1, 1, 1], [1, 0, 1], "classification")
