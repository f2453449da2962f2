"""Inputs are handled once: dtypes, batch-independent predictions, images given as 4-D or as rows."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_iris

from sknas import EvolutionSearch, RandomSearch
from sknas.spaces import CellSpace

TINY = dict(budget=2, epochs=2, final_epochs=3, device="cpu", random_state=0)
SMALL_CELLS = CellSpace(channels=4, cells_per_stage=1)


@pytest.fixture(scope="module")
def iris():
    return load_iris(return_X_y=True)


@pytest.fixture(scope="module")
def images():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2, 8, 8))
    y = (X[:, 0].mean(axis=(1, 2)) > 0).astype(int)
    search = RandomSearch(**dict(TINY, budget=1), space=SMALL_CELLS).fit(X, y)
    return X, y, search


def test_a_list_and_arrays_of_either_float_type_give_the_same_model(iris):
    X, y = iris
    fits = [RandomSearch(**TINY).fit(data, y) for data in (X.tolist(), X, X.astype(np.float32))]
    for other in fits[1:]:
        for column in ("architecture", "objective", "val_loss"):
            assert other.results_[column] == fits[0].results_[column]
        np.testing.assert_array_equal(other.predict_proba(X), fits[0].predict_proba(X))
    # and predict takes any of them alike
    np.testing.assert_array_equal(fits[0].predict_proba(X.tolist()), fits[0].predict_proba(X.astype(np.float32)))


@pytest.mark.parametrize("cls, extra", [(RandomSearch, {}), (EvolutionSearch, dict(population_size=2, tournament_size=1))],
                         ids=["random", "evolution"])
def test_predictions_of_a_subset_equal_those_of_the_whole_batch(cls, extra, iris):
    X, y = iris
    search = cls(**TINY, **extra).fit(X, y)
    whole = search.predict_proba(X)
    one_by_one = np.vstack([search.predict_proba(row[None]) for row in X])
    np.testing.assert_array_equal(one_by_one, whole)  # exactly, not within float32 rounding
    np.testing.assert_array_equal(search.predict_proba(X[7:100]), whole[7:100])


def test_images_fitted_4d_predict_on_flat_rows(images):
    X, _, search = images
    assert search.n_features_in_ == 2 * 8 * 8
    assert search.input_shape_ == (2, 8, 8)
    np.testing.assert_array_equal(search.predict_proba(X.reshape(len(X), -1)), search.predict_proba(X))


def test_rows_of_another_width_name_the_image_shape(images):
    X, _, search = images
    with pytest.raises(ValueError, match=r"X has 2 features.*images of shape \(2, 8, 8\).*\(n_samples, 2, 8, 8\).*128 values"):
        search.predict(X[:, :, 0, 0])
    with pytest.raises(ValueError, match=r"per-sample shape \(1, 8, 8\).*\(2, 8, 8\)"):
        search.predict(X[:, :1])


def test_images_fitted_as_rows_predict_on_4d_images():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 64))
    y = (X.mean(axis=1) > 0).astype(int)
    search = RandomSearch(**dict(TINY, budget=1), space=SMALL_CELLS, image_shape=(8, 8)).fit(X, y)
    assert search.n_features_in_ == 64
    np.testing.assert_array_equal(search.predict(X.reshape(40, 1, 8, 8)), search.predict(X))


def test_tabular_fit_refuses_images(iris):
    X, y = iris
    search = RandomSearch(**TINY).fit(X, y)
    with pytest.raises(ValueError, match=r"per-sample shape \(1, 2, 2\).*fitted on shape \(4,\)"):
        search.predict(X.reshape(-1, 1, 2, 2))


def test_rows_of_a_square_length_warn_that_they_are_searched_as_tabular():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(30, 64)), np.arange(30) % 2
    with pytest.warns(UserWarning, match=r"64 features, 8x8.*image_shape=\(8, 8\)"):
        search = RandomSearch(**dict(TINY, budget=1)).fit(X, y)
    assert search.space_.name == "mlp"
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        RandomSearch(**dict(TINY, budget=1), space="mlp").fit(X, y)  # MLPs meant: no warning
        RandomSearch(**dict(TINY, budget=1), image_shape=(8, 8), space=SMALL_CELLS).fit(X, y)
        RandomSearch(**dict(TINY, budget=1)).fit(X[:, :49], y)  # 7x7: too small to be images
        RandomSearch(**dict(TINY, budget=1)).fit(X[:, :60], y)
    assert not [w for w in caught if "image_shape" in str(w.message)]


def test_save_load_and_export_of_a_fit_on_4d_images(images, tmp_path):
    import torch

    import sknas

    X, _, search = images
    loaded = sknas.load(sknas.save(search, tmp_path / "search.pt"))
    np.testing.assert_array_equal(loaded.predict_proba(X), search.predict_proba(X))
    assert loaded.n_features_in_ == 128
    path = search.export(tmp_path / "model.pt")  # traced on 4-D images, as fit got them
    with torch.no_grad():
        exported = torch.jit.load(str(path))(torch.as_tensor(X, dtype=torch.float32)).numpy()
    np.testing.assert_allclose(exported, search.predict_proba(X), atol=1e-5)
