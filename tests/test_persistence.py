"""Tests of sknas.save and sknas.load, and of pickling a fitted search (sknas/search/_persistence.py)."""

from __future__ import annotations

import json
import pickle
import warnings

import joblib
import numpy as np
import pytest
import torch

import sknas
from sknas import EarlyStopping, EvolutionSearch, RandomSearch
from sknas.spaces import MLPSpace

from _helpers import SMALL_CELLS
from test_search import TINY


# -- save and load -------------------------------------------------------------------------


def test_save_and_load_keep_predictions_and_the_search(digits, tmp_path):
    X, y = digits
    labels = np.array(["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"])[y]
    search = EvolutionSearch(**TINY, population_size=2, tournament_size=1, space=SMALL_CELLS, image_shape=(8, 8),
                             random_state=np.random.RandomState(0), callbacks=[EarlyStopping(5)]).fit(X, labels)
    path = sknas.save(search, tmp_path / "search.pt")
    with pytest.warns(UserWarning, match=r"\['random_state'\] were not saved"):
        loaded = sknas.load(path)
    assert loaded.callbacks is None and loaded.random_state is None
    assert type(loaded) is EvolutionSearch
    np.testing.assert_array_equal(loaded.predict_proba(X), search.predict_proba(X))
    np.testing.assert_array_equal(loaded.predict(X), search.predict(X))
    assert loaded.results_ == search.results_
    assert loaded.precision_ == search.precision_
    assert loaded.max_shift_ == search.max_shift_ and loaded.max_shift == "auto"
    assert str(loaded.best_architecture_) == str(search.best_architecture_)
    assert loaded.space_.get_config() == SMALL_CELLS.get_config()
    assert loaded.get_params()["image_shape"] == (8, 8)
    # the stored search state lets a loaded estimator continue its search
    loaded.set_params(warm_start=True, budget=4).fit(X, labels)
    assert loaded.results_["architecture"][:3] == search.results_["architecture"]


def test_load_runs_no_code_from_the_file(tmp_path):
    class Payload:
        def __reduce__(self):
            return (print, ("this must never run",))

    path = tmp_path / "evil.pt"
    with open(path, "wb") as handle:
        pickle.dump({"metadata": Payload()}, handle, protocol=2)
    with pytest.raises(ValueError, match="is not a file written by sknas.save"):
        sknas.load(path)
    torch.save({"metadata": json.dumps({"format": "other"})}, tmp_path / "other.pt")
    with pytest.raises(ValueError, match="not a sknas.save file"):
        sknas.load(tmp_path / "other.pt")


def test_a_fitted_search_pickles_with_joblib(iris, tmp_path):
    search = RandomSearch(**dict(TINY, budget=2), random_state=0, callbacks=[EarlyStopping()]).fit(*iris)
    joblib.dump(search, tmp_path / "search.joblib")
    copy = joblib.load(tmp_path / "search.joblib")
    np.testing.assert_array_equal(copy.predict_proba(iris[0]), search.predict_proba(iris[0]))


def test_files_saved_before_ensembles_and_the_linear_shortcut_load(iris, tmp_path):
    # such a file: one network, and an MLPSpace configuration without linear_shortcut
    search = RandomSearch(**dict(TINY, budget=2), space=MLPSpace(linear_shortcut=False), ensemble_size=1,
                          random_state=0).fit(*iris)
    payload = torch.load(sknas.save(search, tmp_path / "new.pt"), weights_only=True)
    metadata = json.loads(payload["metadata"])
    del metadata["fitted"]["ensemble_architectures_"], payload["ensemble_networks"]
    for stored in (metadata["fitted"]["space_"], metadata["params"]["space"]):
        config = stored["config"]["__dict__"]
        config[:] = [pair for pair in config if pair[0] != "linear_shortcut"]
    payload["metadata"] = json.dumps(metadata)
    torch.save(payload, tmp_path / "old.pt")
    loaded = sknas.load(tmp_path / "old.pt")
    assert loaded.space_.linear_shortcut is False and loaded.space.linear_shortcut is False
    assert loaded.ensemble_architectures_ == [search.best_architecture_]
    np.testing.assert_array_equal(loaded.predict_proba(iris[0]), search.predict_proba(iris[0]))


def test_save_and_load_keep_every_member_of_an_ensemble(iris, tmp_path):
    search = RandomSearch(**dict(TINY, budget=3), ensemble_size=3, random_state=0).fit(*iris)
    assert len(search.ensemble_models_) == 3
    loaded = sknas.load(sknas.save(search, tmp_path / "search.pt"))
    assert loaded.ensemble_architectures_ == search.ensemble_architectures_
    for mine, theirs in zip(search.ensemble_models_, loaded.ensemble_models_):
        for a, b in zip(mine.state_dict().values(), theirs.state_dict().values()):
            torch.testing.assert_close(a, b, rtol=0, atol=0)
    np.testing.assert_array_equal(loaded.predict_proba(iris[0]), search.predict_proba(iris[0]))


@pytest.fixture(scope="module")
def saved(iris, tmp_path_factory):
    """A small fitted search saved with a checkpoint path, and a way to rewrite its metadata."""
    folder = tmp_path_factory.mktemp("saved")
    space = MLPSpace(depths=(1,), widths=(8, 16), activations=("relu",), dropouts=(0.0,), norms=("none",))
    search = RandomSearch(**dict(TINY, budget=2), space=space, ensemble_size=2, random_state=0,
                          checkpoint=str(folder / "search.json")).fit(*iris)
    path = sknas.save(search, folder / "search.pt")

    def rewrite(edit, name="edited.pt"):
        payload = torch.load(path, weights_only=True)
        metadata = json.loads(payload["metadata"])
        edit(metadata, payload)
        payload["metadata"] = json.dumps(metadata)
        torch.save(payload, folder / name)
        return folder / name

    return path, rewrite


def test_load_does_not_restore_a_checkpoint_path_from_the_file(saved):
    path, _ = saved
    with pytest.warns(UserWarning, match=r"checkpoint path '.*search.json' was not restored \(checkpoint=None\)"):
        loaded = sknas.load(path)
    assert loaded.checkpoint is None


def test_a_file_written_before_max_shift_loads_as_trained_without_shifts(saved):
    _, rewrite = saved

    def drop_max_shift(metadata, payload):
        del metadata["params"]["max_shift"], metadata["fitted"]["max_shift_"]

    with pytest.warns(UserWarning, match="checkpoint path"):
        loaded = sknas.load(rewrite(drop_max_shift))
    assert loaded.max_shift == 0 and loaded.max_shift_ == 0


def _set(keys, value):
    def edit(metadata, payload):
        *parents, last = keys
        target = metadata
        for key in parents:
            target = target[key]
        if value is KeyError:
            del target[last]
        else:
            target[last] = value
    return edit


def _first_member_only(metadata, payload):
    fitted = metadata["fitted"]
    fitted["ensemble_architectures_"] = fitted["ensemble_architectures_"][:1]


@pytest.mark.parametrize("edit, message", [
    (_set(["fitted", "n_outputs_"], KeyError), "fitted lacks 'n_outputs_'"),
    (_set(["fitted", "n_features_in_"], "4"), r"fitted\['n_features_in_'\] is a str, not int"),
    (_set(["fitted", "task_"], "magic"), "unknown task 'magic'"),
    (_set(["fitted", "precision_"], "float8"), "precision_ is 'float8', not 'float32' or 'bfloat16'"),
    (_set(["fitted", "max_shift_"], -2), "max_shift_ is -2, not an integer >= 0"),
    (_set(["fitted", "input_shape_"], [2, 2]), r"input_shape_ \[2, 2\] is not \(n_features,\) or \(C, H, W\)"),
    (_set(["params", "not_a_parameter"], 1), r"RandomSearch has no parameters \['not_a_parameter'\]"),
    (_set(["params", "space"], {"__space__": "Evil", "config": {}}), "unknown space 'Evil'"),
    (_set(["params", "image_shape"], {"__evolved_proxy__": "[1"}), "not the JSON of an evolved proxy"),
    (_set(["params", "image_shape"], {"__pickle__": "x"}), r"unknown tagged value \['__pickle__'\]"),
    (_set(["fitted", "classes_", "dtype"], "<U100000000"), "classes_ has the dtype '<U100000000'"),
    (_set(["fitted", "classes_", "values"], [0, 1]), "classes_ must hold the 3 class labels"),
    (_set(["fitted", "results_", "objective"], [0.5]), "results_ must be lists of equal length"),
    (_set(["fitted", "search_state_", "n_told"], 99), "search_state_: n_told must be an integer from 0 to the 2"),
    (_set(["fitted", "best_architecture_"], "mlp:99,relu,dropout=0,norm=none"), "best_architecture_: .* not in this MLPSpace"),
    (_set(["fitted", "ensemble_architectures_"], [1]), "ensemble_architectures_ must be a list of strings, best_architecture_ first"),
    (_first_member_only, "ensemble_architectures_ names 1 networks, but the weights of 2 are stored"),
    (_set(["fitted", "ensemble_architectures_", 1], "mlp:99,relu,dropout=0,norm=none"), "ensemble_architectures_: .* not in this MLPSpace"),
])
def test_load_says_what_is_wrong_with_edited_metadata(saved, edit, message):
    _, rewrite = saved
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (the checkpoint path)
        with pytest.raises(ValueError, match=f"is not a valid sknas estimator file: {message}"):
            sknas.load(rewrite(edit))


def _space(name, **config):
    """A space as a saved file stores it."""
    encoded = [[k, {"__tuple__": list(v)} if isinstance(v, (list, tuple)) else v] for k, v in config.items()]
    return {"__space__": name, "config": {"__dict__": encoded}}


@pytest.mark.parametrize("space, message", [
    (_space("CellSpace", channels=10**9, cells_per_stage=1),
     "CellSpace's channels holds 1000000000; a file may give it numbers from 1 to 4096"),
    (_space("CellSpace", channels=16, cells_per_stage=10**8), "CellSpace's cells_per_stage holds 100000000"),
    (_space("MLPSpace", widths=[8, 10**9]), "MLPSpace's widths holds 1000000000"),
    (_space("MLPSpace", depths=list(range(1, 5000))), "MLPSpace's depths lists 4999 choices, more than 1024"),
    (_space("MLPSpace", layers=3), r"MLPSpace has no arguments \['layers'\]"),
    (_space("CellSpace", channels="999999999"), "CellSpace's channels holds '999999999'; a file may give it numbers"),
    (_space("MLPSpace", activations=[1]), "MLPSpace's activations holds 1; a file may give it names"),
])
def test_load_refuses_absurd_spaces_before_building_them(saved, space, message):
    _, rewrite = saved
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError, match=f"not a valid sknas estimator file: {message}"):
            sknas.load(rewrite(_set(["fitted", "space_"], space)))


def test_load_builds_no_network_larger_than_the_weights_it_holds(saved):
    _, rewrite = saved

    def wider(metadata, payload):  # a space within bounds, asking a 65536-wide layer of 10^8 features
        metadata["fitted"]["space_"] = _space("MLPSpace", depths=[1], widths=[65536], activations=["relu"],
                                              dropouts=[0.0], norms=["none"])
        metadata["fitted"]["best_architecture_"] = "mlp:65536,relu,dropout=0.0,norm=none"
        metadata["fitted"]["ensemble_architectures_"] = ["mlp:65536,relu,dropout=0.0,norm=none"]
        payload["ensemble_networks"] = []
        metadata["fitted"]["n_features_in_"] = 10**8
        metadata["fitted"]["input_shape_"] = [10**8]

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # (that network would take 26 GB: it is only built on the meta device, and refused)
        with pytest.raises(ValueError, match="the weights stored are not those of the network of mlp:65536"):
            sknas.load(rewrite(wider))
        with pytest.raises(ValueError, match="n_features_in_ is 1000000000, not from 1 to 100,000,000"):
            sknas.load(rewrite(_set(["fitted", "n_features_in_"], 10**9)))
