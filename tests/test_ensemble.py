"""``ensemble_size``: the best candidates refitted and averaged by ``predict``."""

import numpy as np
import pytest
from sklearn.datasets import load_digits, load_iris

from sknas import RandomSearch
from sknas.search._predict import AveragedNetworks
from sknas.spaces import MLPSpace

TINY = dict(budget=8, epochs=2, final_epochs=2, device="cpu", random_state=0)
SMALL_MLP = MLPSpace(depths=(1, 2), widths=(8, 16, 32, 64), activations=("relu", "tanh", "gelu", "silu"), dropouts=(0.0,),
                     norms=("none",))


@pytest.fixture(scope="module")
def iris():
    return load_iris(return_X_y=True)


def _ranked(results, epochs=None):
    """The successful candidates' strings, best first: objective, then lower validation loss."""
    rows = [(-o, v, i) for i, (o, v, s, e) in enumerate(zip(results["objective"], results["val_loss"],
                                                             results["status"], results["epochs"]))
            if s == "ok" and (epochs is None or e == epochs)]
    return [results["architecture"][i] for _, _, i in sorted(rows)]


def test_auto_averages_the_best_quarter_of_the_candidates_on_rows(iris):
    search = RandomSearch(**TINY, space=SMALL_MLP).fit(*iris)
    assert len(search.ensemble_architectures_) == 2  # a quarter of 8
    assert [str(a) for a in search.ensemble_architectures_] == _ranked(search.results_)[:2]
    assert search.ensemble_architectures_[0] == search.best_architecture_
    assert search.ensemble_models_[0] is search.best_model_
    assert isinstance(search.predictor_.network, AveragedNetworks)
    twenty = RandomSearch(**dict(TINY, budget=20), space=SMALL_MLP).fit(*iris)
    assert len(twenty.ensemble_models_) == 5  # at most 5
    small = RandomSearch(**dict(TINY, budget=3), space=SMALL_MLP).fit(*iris)
    assert len(small.ensemble_models_) == 1 and small.predictor_.network is small.best_model_


def test_auto_averages_the_best_quarter_of_the_candidates_on_images_at_most_3():
    X, y = load_digits(return_X_y=True)
    cells = dict(space="cell", image_shape=(8, 8), epochs=1, final_epochs=1, random_state=0)
    search = RandomSearch(**cells, budget=16).fit(X[:120], y[:120])
    assert len(search.ensemble_architectures_) == 3  # a quarter of 16 is 4: capped at 3 for images
    assert [str(a) for a in search.ensemble_architectures_] == _ranked(search.results_)[:3]
    assert isinstance(search.predictor_.network, AveragedNetworks)
    small = RandomSearch(**cells, budget=4).fit(X[:120], y[:120])
    assert small.ensemble_architectures_ == [small.best_architecture_]
    assert small.ensemble_models_ == [small.best_model_]


def test_an_explicit_size_is_capped_by_the_candidates(iris):
    search = RandomSearch(**dict(TINY, budget=3), space=SMALL_MLP, ensemble_size=10).fit(*iris)
    assert [str(a) for a in search.ensemble_architectures_] == _ranked(search.results_)
    one = RandomSearch(**TINY, space=SMALL_MLP, ensemble_size=1).fit(*iris)
    assert one.ensemble_architectures_ == [one.best_architecture_]


def test_hardware_objectives_and_constraints_refit_one_network(iris):
    with pytest.raises(ValueError, match="one network is returned .* leave ensemble_size='auto' or 1 \\(got 3\\)"):
        RandomSearch(**TINY, space=SMALL_MLP, ensemble_size=3, constraints={"params": 10**6}).fit(*iris)
    search = RandomSearch(**TINY, space=SMALL_MLP, objectives=("accuracy", "params")).fit(*iris)
    assert search.ensemble_models_ == [search.best_model_]


def test_members_come_from_the_top_rung_of_a_halving_search(iris):
    search = RandomSearch(**dict(TINY, budget=9, epochs=3), min_epochs=1, space=SMALL_MLP, ensemble_size=4).fit(*iris)
    top = _ranked(search.results_, epochs=3)
    assert len(top) == 3  # rungs of 1 and 3 epochs: three brackets of 3, one of each at the top
    assert [str(a) for a in search.ensemble_architectures_] == top


def test_another_size_continues_a_search_without_training_again(iris):
    search = RandomSearch(**TINY, space=SMALL_MLP, ensemble_size=1, warm_start=True).fit(*iris)
    results = dict(search.results_)
    search.set_params(ensemble_size=3).fit(*iris)
    assert search.results_ == results  # the same search: only the refit differs
    assert [str(a) for a in search.ensemble_architectures_] == _ranked(results)[:3]
    assert np.allclose(search.predict_proba(iris[0]).sum(axis=1), 1.0)
