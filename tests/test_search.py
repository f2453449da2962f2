"""Behaviour of the search estimators on small data: tasks, inputs, errors, sklearn tools."""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.datasets import load_digits, load_iris, make_blobs
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, cross_val_score, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

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
from sknas.spaces import CellSpace, MLPSpace

# Tiny budgets: every fit below takes well under a second on a CPU.
TINY = dict(budget=3, epochs=3, final_epochs=5, device="cpu")
SMALLER = dict(TINY, budget=2)
ESTIMATORS = [
    pytest.param(RandomSearch, {}, id="random"),
    pytest.param(EvolutionSearch, dict(population_size=2, tournament_size=1), id="evolution"),
    pytest.param(ZeroCostSearch, dict(n_candidates=6), id="zero-cost"),
    pytest.param(RoBoTSearch, dict(n_candidates=6, proxies=("synflow", "snip")), id="robot"),
    pytest.param(BOSearch, dict(n_candidates=10, n_initial=1), id="bo"),
    pytest.param(ReinforceSearch, {}, id="reinforce"),
    pytest.param(LocalSearch, dict(n_initial=2), id="local-search"),
    pytest.param(
        EvolvedProxySearch,
        dict(n_candidates=6, n_warmup=3, proxies=("synflow", "snip"), generations=2, population_size=20),
        id="evolved-proxy",
    ),
    pytest.param(POnasSearch, dict(n_candidates=6, proxies=("synflow", "snip")), id="ponas"),
]
# Small, cheap cell networks for the image tests.
SMALL_CELLS = CellSpace(channels=4, cells_per_stage=1)


def make_search(cls, extra, **params):
    return cls(**{**TINY, **extra, **params})


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)


@pytest.fixture(scope="module")
def animals():
    """Three well-separated blobs labelled with strings."""
    X, index = make_blobs(n_samples=150, centers=3, n_features=4, cluster_std=1.0, random_state=0)
    return X, np.array(["dog", "cat", "bird"])[index]


@pytest.fixture(scope="module")
def linear():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(240, 5))
    y = X @ np.array([1.0, -2.0, 0.5, 0.0, 3.0]) + 10.0 + 0.1 * rng.normal(size=len(X))
    return train_test_split(X, y, test_size=0.25, random_state=0)


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return train_test_split(X[:500], y[:500], test_size=0.3, stratify=y[:500], random_state=0)


@pytest.fixture(scope="module")
def fitted(iris):
    X_train, _, y_train, _ = iris
    return RandomSearch(**TINY, random_state=0).fit(X_train, y_train)


# -- classification ------------------------------------------------------------------------


@pytest.mark.parametrize("cls, extra", ESTIMATORS)
def test_classification_on_iris(cls, extra, iris):
    X_train, X_test, y_train, y_test = iris
    search = make_search(cls, extra, budget=4, epochs=5, final_epochs=10, random_state=0)
    assert search.fit(X_train, y_train) is search
    assert search.task_ == "classification"
    assert search.score(X_test, y_test) > 0.8
    assert 0.5 < search.best_score_ <= 1.0


def test_string_labels(animals):
    X, y = animals
    search = RandomSearch(**TINY, random_state=0).fit(X, y)
    np.testing.assert_array_equal(search.classes_, ["bird", "cat", "dog"])
    predicted = search.predict(X)
    assert predicted.dtype.kind == "U" and set(predicted) <= {"bird", "cat", "dog"}
    assert np.mean(predicted == y) > 0.9
    proba = search.predict_proba(X)
    assert proba.shape == (len(X), 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    # Columns follow classes_: the column of each sample's own label carries its probability.
    own = proba[np.arange(len(y)), np.searchsorted(search.classes_, y)]
    assert own.mean() > 0.5
    np.testing.assert_array_equal(search.classes_[proba.argmax(axis=1)], predicted)


# -- regression ----------------------------------------------------------------------------


@pytest.mark.parametrize("cls, extra", ESTIMATORS)
def test_regression(cls, extra, linear):
    X_train, X_test, y_train, y_test = linear
    search = make_search(cls, extra, budget=2, epochs=5, final_epochs=10, task="regression", random_state=0)
    search.fit(X_train, y_train)
    assert search.task_ == "regression"
    assert not hasattr(search, "classes_")
    assert search.score(X_test, y_test) > 0.8
    predicted = search.predict(X_test)
    assert predicted.shape == (len(X_test),) and predicted.dtype == np.float64
    # The targets' offset of 10 is restored, not left standardised.
    assert abs(predicted.mean() - y_test.mean()) < 1.0
    assert not hasattr(search, "predict_proba")


def test_no_predict_proba_for_a_regressor():
    assert not hasattr(RandomSearch(task="regression"), "predict_proba")
    assert hasattr(RandomSearch(task="classification"), "predict_proba")
    assert hasattr(RandomSearch(), "predict_proba")  # "auto" is a classifier


# -- images --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "shape, image_shape, input_shape",
    [
        ((1, 8, 8), None, (1, 8, 8)),
        ((64,), (8, 8), (1, 8, 8)),
        ((64,), (1, 8, 8), (1, 8, 8)),
        ((3, 8, 9), None, (3, 8, 9)),
        ((144,), (2, 8, 9), (2, 8, 9)),
    ],
)
def test_image_inputs_select_the_cell_space(shape, image_shape, input_shape):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, *shape))
    y = np.array([0, 1] * 20)
    search = RandomSearch(budget=1, epochs=1, final_epochs=1, image_shape=image_shape, device="cpu")
    search.fit(X, y)
    assert isinstance(search.space_, CellSpace)
    assert search.input_shape_ == input_shape
    assert search.n_features_in_ == np.prod(shape)  # values per sample, however given
    assert search.predict(X[:5]).shape == (5,)
    assert search.predict_proba(X[:5]).shape == (5, 2)


def test_tabular_inputs_select_the_mlp_space(fitted):
    assert isinstance(fitted.space_, MLPSpace)
    assert fitted.input_shape_ == (4,)


@pytest.mark.parametrize("cls, extra", ESTIMATORS)
def test_digits_beats_chance(cls, extra, digits):
    X_train, X_test, y_train, y_test = digits
    search = make_search(
        cls, extra, space=SMALL_CELLS, image_shape=(8, 8), budget=2, epochs=5, final_epochs=10,
        random_state=0,
    )
    search.fit(X_train, y_train)
    assert search.space_ is SMALL_CELLS
    assert search.results_["architecture"][0].startswith("|")  # NAS-Bench-201 strings
    assert search.score(X_test, y_test) > 0.4  # chance is 0.1


# -- fitted attributes ---------------------------------------------------------------------


def test_fitted_attributes(fitted, iris):
    X_train = iris[0]
    results = fitted.results_
    keys = {"architecture", "objective", "fit_time_s", "status", "error", "params", "val_loss"}
    assert keys <= set(results)
    assert all(len(results[key]) == fitted.budget for key in results)
    assert results["status"] == ["ok"] * fitted.budget
    assert results["error"] == [None] * fitted.budget
    assert all(isinstance(a, str) for a in results["architecture"])
    assert all(t >= 0 for t in results["fit_time_s"]) and all(p > 0 for p in results["params"])

    # the best objective wins; among equal objectives, the lowest validation loss
    best = max(range(fitted.budget), key=lambda i: (results["objective"][i], -results["val_loss"][i]))
    assert fitted.best_score_ == max(results["objective"])
    assert str(fitted.best_architecture_) == results["architecture"][best]
    assert fitted.space_.parse(results["architecture"][best]) == fitted.best_architecture_

    assert isinstance(fitted.best_model_, torch.nn.Module)
    assert not fitted.best_model_.training
    assert fitted.n_features_in_ == X_train.shape[1]
    np.testing.assert_array_equal(fitted.classes_, [0, 1, 2])
    assert fitted.search_time_s_ >= 0


def test_predicting_leaves_the_model_in_eval_mode(fitted, iris):
    fitted.predict(iris[1])
    assert not fitted.best_model_.training


# -- determinism ---------------------------------------------------------------------------


# Every candidate drops out, so a dropout mask drawn from an unseeded generator would show.
ALWAYS_DROPOUT = MLPSpace(widths=(16, 32), dropouts=(0.3,))
SPACES = [pytest.param("auto", id="default-space"), pytest.param(ALWAYS_DROPOUT, id="dropout")]


@pytest.mark.parametrize("space", SPACES)
@pytest.mark.parametrize("cls, extra", ESTIMATORS)
def test_same_random_state_same_search(cls, extra, space, iris):
    X_train, X_test, y_train, _ = iris
    first = make_search(cls, extra, space=space, random_state=3).fit(X_train, y_train)
    torch.rand(7)  # moves torch's global generator: a fit must not depend on it
    second = make_search(cls, extra, space=space, random_state=3).fit(X_train, y_train)
    assert first.results_["architecture"] == second.results_["architecture"]
    assert first.results_["objective"] == second.results_["objective"]
    np.testing.assert_array_equal(first.predict_proba(X_test), second.predict_proba(X_test))


def test_different_random_state_different_search(iris):
    X_train, _, y_train, _ = iris
    # Default MLP space: thousands of architectures, so three draws of two seeds all but never agree.
    seen = {
        tuple(RandomSearch(**TINY, random_state=seed).fit(X_train, y_train).results_["architecture"])
        for seed in (0, 1)
    }
    assert len(seen) == 2


@pytest.mark.parametrize("space", SPACES)
def test_n_jobs_gives_the_same_search(space, linear):
    # Regression: R² is continuous, so a candidate trained differently would show.
    X_train, X_test, y_train, _ = linear
    params = dict(TINY, space=space, budget=4, task="regression", random_state=0)
    serial = RandomSearch(**params, n_jobs=1).fit(X_train, y_train)
    parallel = RandomSearch(**params, n_jobs=2).fit(X_train, y_train)
    assert serial.results_["architecture"] == parallel.results_["architecture"]
    np.testing.assert_allclose(serial.results_["objective"], parallel.results_["objective"], rtol=1e-6)
    np.testing.assert_allclose(serial.predict(X_test), parallel.predict(X_test), rtol=1e-6)


# -- bad input -----------------------------------------------------------------------------

_rng = np.random.default_rng(0)
X_TAB = _rng.normal(size=(40, 4))
Y_TAB = np.array([0, 1] * 20)
X_NAN = X_TAB.copy()
X_NAN[3, 2] = np.nan
X_INF = X_TAB.copy()
X_INF[5, 1] = np.inf
X_FLAT = _rng.normal(size=(40, 64))

BAD_INPUTS = {
    "3-D X": ({}, _rng.normal(size=(40, 8, 8)), Y_TAB, r"reshape X to \(n_samples, 1, height, width\)"),
    "1-D X": ({}, X_TAB[:, 0], Y_TAB, "Expected 2D array, got 1D array"),
    "NaN in X": ({}, X_NAN, Y_TAB, "Input X contains NaN"),
    "inf in X": ({}, X_INF, Y_TAB, "Input X contains infinity"),
    "one class": ({}, X_TAB, np.zeros(40), "only one class"),
    "one string class": ({}, X_TAB, np.array(["a"] * 40), "only one class"),
    "unknown space": (
        dict(space="conv"), X_TAB, Y_TAB,
        r"'space' parameter of RandomSearch must be a str among \{'auto', 'cell', .*'mlp'.*\} or an instance of .*SearchSpace'\. Got 'conv'",
    ),
    "image_shape vs features": (
        dict(image_shape=(8, 8)), X_TAB, Y_TAB, r"image_shape=\(8, 8\) holds 64 values.*X has 4 features"
    ),
    "image_shape vs 4-D X": (
        dict(image_shape=(3, 8, 8)), _rng.normal(size=(40, 1, 8, 8)), Y_TAB,
        r"image_shape=\(3, 8, 8\) does not match.*\(1, 8, 8\)",
    ),
    "image_shape of one int": (dict(image_shape=64), X_FLAT, Y_TAB, r"'image_shape' parameter .* an array-like or None\. Got 64"),
    "image_shape of length 1": (dict(image_shape=(64,)), X_FLAT, Y_TAB, "image_shape must be"),
    "image_shape a string": (dict(image_shape="8x8"), X_FLAT, Y_TAB, r"'image_shape' parameter .* an array-like or None\. Got '8x8'"),
    "image_shape negative": (dict(image_shape=(-8, -8)), X_FLAT, Y_TAB, "positive integers"),
    "images below 8x8": (dict(image_shape=(4, 4)), _rng.normal(size=(40, 16)), Y_TAB, "at least 8x8.*4x4"),
    "4-D images below 8x8": ({}, _rng.normal(size=(40, 1, 4, 8)), Y_TAB, "at least 8x8.*4x8"),
    "cell space on tabular X": (dict(space="cell"), X_TAB, Y_TAB, "cell space needs images.*image_shape"),
    "CellSpace() on tabular X": (dict(space=SMALL_CELLS), X_TAB, Y_TAB, "cell space needs images"),
    "budget=0": (dict(budget=0), X_TAB, Y_TAB, r"'budget' parameter of RandomSearch must be an int in the range \[1, inf\)\. Got 0"),
    "budget='3'": (dict(budget="3"), X_TAB, Y_TAB, r"'budget' parameter .* an int in the range \[1, inf\)\. Got '3'"),
    "budget=True": (dict(budget=True), X_TAB, Y_TAB, r"'budget' parameter .* an int .* Got True"),
    "epochs=0": (dict(epochs=0), X_TAB, Y_TAB, r"'epochs' parameter .* an int in the range \[1, inf\)\. Got 0"),
    "final_epochs=0": (dict(final_epochs=0), X_TAB, Y_TAB, r"'final_epochs' parameter .* an int in the range \[1, inf\)"),
    "batch_size=0": (dict(batch_size=0), X_TAB, Y_TAB, r"'batch_size' parameter .* an int in the range \[2, inf\)"),
    "validation_fraction=1.5": (
        dict(validation_fraction=1.5), X_TAB, Y_TAB,
        r"'validation_fraction' parameter .* a float in the range \(0\.0, 1\.0\)\. Got 1\.5",
    ),
    "validation_fraction=0": (dict(validation_fraction=0), X_TAB, Y_TAB, r"'validation_fraction' parameter .* Got 0 "),
    "learning_rate<0": (
        dict(learning_rate=-1.0), X_TAB, Y_TAB,
        r"'learning_rate' parameter .* a float in the range \(0\.0, inf\) or None\. Got -1\.0",
    ),
    "learning_rate str": (dict(learning_rate="fast"), X_TAB, Y_TAB, r"'learning_rate' parameter .* Got 'fast'"),
    "unknown optimizer": (dict(optimizer="adam"), X_TAB, Y_TAB, r"'optimizer' parameter .* a str among \{.*'sgd'.*\}\. Got 'adam'"),
    "unknown task": (dict(task="ranking"), X_TAB, Y_TAB, r"'task' parameter .* a str among \{.*'regression'.*\}\. Got 'ranking'"),
    "continuous y as classes": (dict(task="classification"), X_TAB, _rng.normal(size=40), "Unknown label type"),
    "y of other length": ({}, X_TAB, Y_TAB[:30], "inconsistent numbers of samples"),
}


@pytest.mark.parametrize("params, X, y, match", BAD_INPUTS.values(), ids=BAD_INPUTS.keys())
def test_bad_input_is_a_helpful_value_error(params, X, y, match):
    with pytest.raises(ValueError, match=match):
        RandomSearch(**{**TINY, "budget": 1, **params}).fit(X, y)


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_cuda_without_cuda():
    with pytest.raises(ValueError, match="CUDA is not available; use device='cpu'"):
        RandomSearch(budget=1, device="cuda").fit(X_TAB, Y_TAB)


def test_evolution_checks_its_tournament():
    search = EvolutionSearch(**TINY, population_size=2, tournament_size=3)
    with pytest.raises(ValueError, match="tournament_size <= population_size"):
        search.fit(X_TAB, Y_TAB)


def test_predict_checks_the_number_of_features(fitted, iris):
    with pytest.raises(ValueError, match="X has 3 features, but RandomSearch is expecting 4"):
        fitted.predict(iris[1][:, :3])


def test_predict_checks_the_image_size():
    X = _rng.normal(size=(40, 1, 8, 8))
    search = RandomSearch(budget=1, epochs=1, final_epochs=1, space=SMALL_CELLS, device="cpu")
    search.fit(X, Y_TAB)
    with pytest.raises(ValueError, match=r"per-sample shape \(1, 10, 10\).*\(1, 8, 8\)"):
        search.predict(_rng.normal(size=(3, 1, 10, 10)))


@pytest.mark.parametrize("method", ["predict", "predict_proba", "score"])
def test_use_before_fit(method):
    args = (X_TAB, Y_TAB) if method == "score" else (X_TAB,)
    with pytest.raises(NotFittedError):
        getattr(RandomSearch(), method)(*args)


# -- failed candidates ---------------------------------------------------------------------


class BrokenSpace(MLPSpace):
    """Exactly two architectures, ``mlp:8,...`` and ``mlp:16,...``; building a broken width raises."""

    def __init__(self, broken=(16,)):
        super().__init__(depths=(1,), widths=(8, 16), activations=("relu",), dropouts=(0.0,), norms=("none",))
        self.broken = tuple(broken)

    def build(self, arch, input_shape, n_outputs):
        if arch.widths[0] in self.broken:
            raise RuntimeError(f"boom: width {arch.widths[0]} is broken")
        return super().build(arch, input_shape, n_outputs)


@pytest.mark.parametrize("cls, extra", ESTIMATORS)
def test_a_failed_candidate_does_not_end_the_search(cls, extra, iris):
    X_train, X_test, y_train, y_test = iris
    search = make_search(cls, extra, space=BrokenSpace(), budget=2, random_state=0)
    search.fit(X_train, y_train)
    results = search.results_
    assert sorted(results["status"]) == ["failed", "ok"]
    failed = results["status"].index("failed")
    assert results["architecture"][failed].startswith("mlp:16,")
    assert "RuntimeError: boom: width 16 is broken" in results["error"][failed]
    assert np.isnan(results["objective"][failed])
    assert str(search.best_architecture_).startswith("mlp:8,")
    assert search.best_score_ == results["objective"][1 - failed]
    assert search.predict(X_test).shape == y_test.shape  # the refit used the ok architecture


def test_every_candidate_failing_is_a_runtime_error(iris):
    X_train, _, y_train, _ = iris
    search = RandomSearch(**SMALLER, space=BrokenSpace(broken=(8, 16)))
    with pytest.raises(RuntimeError, match="all 2 candidate networks failed.*boom: width"):
        search.fit(X_train, y_train)


def test_a_diverging_candidate_fails_like_any_other(iris):
    X_train, _, y_train, _ = iris
    search = RandomSearch(**SMALLER, learning_rate=1e30, optimizer="sgd")
    with pytest.raises(RuntimeError, match="all 2 candidate networks failed.*TrainingDiverged"):
        search.fit(X_train, y_train)


# -- scikit-learn tools --------------------------------------------------------------------


def test_clone_is_unfitted_with_equal_params(fitted):
    copy = clone(fitted)
    assert copy.get_params() == fitted.get_params()
    assert not hasattr(copy, "results_") and not hasattr(copy, "best_model_")
    with pytest.raises(NotFittedError):
        copy.predict(X_TAB)


def test_pipeline(iris):
    X_train, X_test, y_train, y_test = iris
    pipeline = make_pipeline(StandardScaler(), RandomSearch(**TINY, random_state=0))
    assert pipeline.fit(X_train, y_train).score(X_test, y_test) > 0.7


def test_cross_val_score(iris):
    X_train, _, y_train, _ = iris
    scores = cross_val_score(RandomSearch(**SMALLER, random_state=0), X_train, y_train, cv=3)
    assert scores.shape == (3,) and np.all(np.isfinite(scores))
    assert scores.mean() > 0.5


def test_grid_search_cv(iris):
    X_train, _, y_train, _ = iris
    grid = GridSearchCV(RandomSearch(**SMALLER, random_state=0), {"epochs": [1, 3]}, cv=2)
    grid.fit(X_train, y_train)
    assert grid.best_params_["epochs"] in (1, 3)
    assert isinstance(grid.best_estimator_, RandomSearch)
    assert grid.best_estimator_.epochs == grid.best_params_["epochs"]
    assert len(grid.best_estimator_.results_["architecture"]) == 2


def test_pickle_round_trip(fitted, iris):
    X_test = iris[1]
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(restored.predict(X_test), fitted.predict(X_test))
    np.testing.assert_array_equal(restored.predict_proba(X_test), fitted.predict_proba(X_test))
    assert restored.results_ == fitted.results_


def test_set_params():
    search = RandomSearch()
    assert search.set_params(budget=5, epochs=2, space="mlp") is search
    assert (search.budget, search.epochs, search.space) == (5, 2, "mlp")
    with pytest.raises(ValueError, match="Invalid parameter"):
        search.set_params(generations=3)


def test_get_params_of_evolution():
    params = EvolutionSearch(population_size=4, tournament_size=2).get_params()
    assert params["population_size"] == 4 and params["tournament_size"] == 2
    assert {"space", "budget", "epochs", "final_epochs", "random_state"} <= set(params)


# -- verbosity -----------------------------------------------------------------------------


def test_verbose_2_prints_one_line_per_candidate(capsys, iris):
    X_train, _, y_train, _ = iris
    RandomSearch(**TINY, verbose=2, random_state=0).fit(X_train, y_train)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == TINY["budget"]
    for i, line in enumerate(lines, start=1):
        assert line.startswith(f"[{i}/{TINY['budget']}] mlp:")


def test_verbose_2_reports_failures(capsys, iris):
    X_train, _, y_train, _ = iris
    RandomSearch(**SMALLER, space=BrokenSpace(), verbose=2, random_state=0).fit(X_train, y_train)
    out = capsys.readouterr().out
    assert "failed (RuntimeError: boom: width 16 is broken)" in out


def test_verbose_0_is_silent(capsys, iris):
    X_train, _, y_train, _ = iris
    RandomSearch(**TINY, verbose=0, random_state=0).fit(X_train, y_train)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_ties_of_the_objective_go_to_the_lower_validation_loss():
    # Blobs this far apart give every candidate validation accuracy 1.0.
    X, y = make_blobs(n_samples=120, centers=[[-20, -20], [20, 20]], random_state=0)
    search = RandomSearch(**TINY, random_state=0).fit(X, y)
    results = search.results_
    assert results["objective"] == [1.0] * search.budget
    losses = results["val_loss"]
    assert len(set(losses)) == search.budget  # the tie-break is not itself a tie
    assert str(search.best_architecture_) == results["architecture"][int(np.argmin(losses))]


# -- settings that used to train nothing, or fail every candidate, without saying so ---------


def test_batch_size_1_is_refused_with_the_reason():
    with pytest.raises(ValueError, match=r"'batch_size' parameter of RandomSearch must be an int in the range \[2, inf\)\. Got 1"):
        RandomSearch(**SMALLER, batch_size=1).fit(X_TAB, Y_TAB)


def test_huge_finite_inputs_are_scaled_like_ordinary_ones(iris):
    X_train, X_test, y_train, y_test = iris
    ordinary = RandomSearch(**SMALLER, random_state=0).fit(X_train, y_train)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # no overflow inside the scaler
        huge = RandomSearch(**SMALLER, random_state=0).fit(X_train * 1e200, y_train)
    assert np.isfinite(huge.input_scaler_.scale_).all()
    np.testing.assert_allclose(huge.input_scaler_.transform(X_test * 1e200),
                               ordinary.input_scaler_.transform(X_test), atol=1e-5)
    assert huge.score(X_test * 1e200, y_test) > 0.5


@pytest.mark.parametrize("params, match", [
    (dict(device="meta"), "device='meta' cannot train networks on this machine"),
    (dict(learning_rate=float("inf")), r"'learning_rate' parameter .* a float in the range \(0\.0, inf\) or None\. Got inf"),
], ids=["device=meta", "learning_rate=inf"])
def test_settings_that_would_fail_every_candidate_are_refused_up_front(params, match):
    with pytest.raises(ValueError, match=match):
        RandomSearch(**{**SMALLER, **params}).fit(X_TAB, Y_TAB)


def test_a_learning_rate_that_wrecks_training_is_flagged_in_results(linear):
    X_train, _, y_train, _ = linear
    with pytest.warns(UserWarning, match="no candidate's validation loss fell below its untrained.*learning_rate=1000.0"):
        search = RandomSearch(**SMALLER, learning_rate=1e3, task="regression", random_state=0).fit(X_train, y_train)
    assert search.results_["status"] == ["ok", "ok"] and search.results_["loss_improved"] == [False, False]
    ordinary = RandomSearch(**SMALLER, task="regression", random_state=0).fit(X_train, y_train)
    assert ordinary.results_["loss_improved"] == [True, True]


@pytest.mark.parametrize("cls, params, match", [
    (RandomSearch, dict(n_jobs="2"), r"'n_jobs' parameter .* an int in the range \(-inf, -1\], an int in the range \[1, inf\) or None\. Got '2'"),
    (RandomSearch, dict(n_jobs=0), r"'n_jobs' parameter .* \(-inf, -1\], an int in the range \[1, inf\) or None\. Got 0"),
    (RandomSearch, dict(image_shape=(8.5, 8)), r"image_shape must be .* positive integers, got \(8.5, 8\)"),
    (EvolutionSearch, dict(population_size=2.5), r"'population_size' parameter of EvolutionSearch must be an int in the range \[1, inf\)\. Got 2\.5"),
    (ReinforceSearch, dict(policy_learning_rate=float("inf")), r"'policy_learning_rate' parameter .* a float in the range \(0\.0, inf\)\. Got inf"),
], ids=["n_jobs='2'", "n_jobs=0", "image_shape=(8.5, 8)", "population_size=2.5", "policy_learning_rate=inf"])
def test_parameters_that_were_truncated_or_failed_inside_joblib_are_refused(cls, params, match):
    with pytest.raises(ValueError, match=match):
        cls(**SMALLER, **params).fit(X_FLAT if "image_shape" in params else X_TAB, Y_TAB)


def test_a_one_sample_validation_split_is_warned_about():
    X, y = np.arange(10.0).reshape(5, 2), np.array([0, 1, 0, 1, 0])
    with pytest.warns(UserWarning, match="validation split holds 1 sample of 5.*larger validation_fraction"):
        RandomSearch(**SMALLER, random_state=0).fit(X, y)


def test_a_pool_smaller_than_the_budget_is_warned_about(iris):
    X_train, _, y_train, _ = iris
    with pytest.warns(UserWarning, match="trained 2 architectures, fewer than budget=3.*budget <= 2"):
        search = RandomSearch(**TINY, space=BrokenSpace(broken=()), random_state=0).fit(X_train, y_train)
    assert len(search.results_["architecture"]) == 2
