"""Long searches in production: checkpoint and resume, warm start, callbacks, interrupts, parallel
evaluation (joblib, Dask), export to TorchScript / ONNX, save and load, injected faults."""

from __future__ import annotations

import json
import pickle
import warnings

import joblib
import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits, load_iris
from sklearn.exceptions import NotFittedError

import sknas
from sknas import EarlyStopping, EvolutionSearch, POnasSearch, RandomSearch, ZeroCostSearch
from sknas.evaluation import TrainingEvaluator
from sknas.proxies._base import PROXIES, Proxy
from sknas.driver import Checkpoint
from sknas.spaces import CellSpace, MLPSpace

from test_search import ESTIMATORS, TINY, make_search

SMALL_CELLS = CellSpace(channels=4, cells_per_stage=1)


@pytest.fixture(scope="module")
def iris():
    return load_iris(return_X_y=True)


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:150], y[:150]


@pytest.fixture
def trained(monkeypatch):
    """The architectures the evaluators train, in order (in this process)."""
    calls: list[str] = []
    evaluate = TrainingEvaluator.evaluate

    def spy(self, arch):
        calls.append(str(arch))
        return evaluate(self, arch)

    monkeypatch.setattr(TrainingEvaluator, "evaluate", spy)
    return calls


class InterruptAt:
    """A callback that presses Ctrl-C after the ``n``-th evaluation."""

    def __init__(self, n):
        self.n, self.seen = n, 0

    def on_candidate_end(self, search, architecture, result):
        self.seen += 1
        if self.seen == self.n:
            raise KeyboardInterrupt


def interrupted_fit(search, X, y):
    with pytest.warns(RuntimeWarning, match="search interrupted after"):
        return search.fit(X, y)


# -- checkpoint and resume -----------------------------------------------------------------


def test_the_checkpoint_holds_every_result_as_it_arrives(iris, tmp_path):
    path = tmp_path / "search.json"
    sizes = []

    class ReadCheckpoint:
        def on_candidate_end(self, search, architecture, result):
            state = json.loads(path.read_text())
            sizes.append(len(state["results"]))
            assert state["results"][-1][0] == str(architecture)

    search = RandomSearch(**TINY, random_state=0, checkpoint=path, callbacks=[ReadCheckpoint()]).fit(*iris)
    assert sizes == [1, 2, 3]
    state = json.loads(path.read_text())
    assert [a for a, _ in state["results"]] == search.results_["architecture"]
    assert [r["objective"] for _, r in state["results"]] == search.results_["objective"]


@pytest.mark.parametrize("cls, extra", ESTIMATORS)
def test_an_interrupted_search_resumes_as_if_never_stopped(cls, extra, iris, tmp_path, trained):
    uninterrupted = make_search(cls, extra, random_state=0).fit(*iris)
    path = tmp_path / "search.json"
    first = interrupted_fit(make_search(cls, extra, random_state=0, checkpoint=path,
                                        callbacks=[InterruptAt(2)]), *iris)
    assert len(first.results_["architecture"]) == 2
    trained.clear()
    resumed = make_search(cls, extra, random_state=0, checkpoint=path).fit(*iris)
    assert resumed.results_["architecture"] == uninterrupted.results_["architecture"]
    assert resumed.results_["objective"] == uninterrupted.results_["objective"]
    assert trained == uninterrupted.results_["architecture"][2:]  # nothing trained twice
    assert resumed.results_["fit_time_s"][:2] == first.results_["fit_time_s"]
    assert str(resumed.best_architecture_) == str(uninterrupted.best_architecture_)


def test_a_search_killed_at_any_write_resumes_without_training_twice(iris, tmp_path, monkeypatch):
    """Every state the checkpoint ever held (mid-batch ones too) resumes to the same search."""
    snapshots = []
    write = Checkpoint.write

    def recording_write(checkpoint, state, **options):
        write(checkpoint, state, **options)
        snapshots.append(checkpoint.path.read_text())

    monkeypatch.setattr(Checkpoint, "write", recording_write)
    params = dict(TINY, budget=4, n_jobs=2, random_state=0, population_size=2, tournament_size=1)
    path = tmp_path / "search.json"
    reference = EvolutionSearch(**params, checkpoint=path).fit(*iris)
    # the empty state before any work, then two batches of two: a write per result, one after each tell
    assert len(snapshots) == 7
    for snapshot in snapshots[:-1]:
        path.write_text(snapshot)
        done = {arch: result["cost_s"] for arch, result in json.loads(snapshot)["results"]}
        resumed = EvolutionSearch(**params, checkpoint=path).fit(*iris)
        assert resumed.results_["architecture"] == reference.results_["architecture"]
        assert resumed.results_["objective"] == reference.results_["objective"]
        # the workers are other processes: a result kept, not retrained, keeps its fit time
        for arch, fit_time in zip(resumed.results_["architecture"], resumed.results_["fit_time_s"]):
            assert (fit_time == done[arch]) if arch in done else fit_time != reference.results_[
                "fit_time_s"][reference.results_["architecture"].index(arch)]


def test_a_larger_budget_continues_a_finished_checkpoint(iris, tmp_path, trained):
    path = tmp_path / "search.json"
    RandomSearch(**TINY, random_state=0, checkpoint=path).fit(*iris)
    trained.clear()
    longer = RandomSearch(**dict(TINY, budget=5), random_state=0, checkpoint=path).fit(*iris)
    assert trained == longer.results_["architecture"][3:]
    fresh = RandomSearch(**dict(TINY, budget=5), random_state=0).fit(*iris)
    assert longer.results_["architecture"] == fresh.results_["architecture"]


def test_an_unseeded_search_resumes_with_its_own_seed(iris, tmp_path):
    path = tmp_path / "search.json"
    first = interrupted_fit(RandomSearch(**TINY, checkpoint=path, callbacks=[InterruptAt(1)]), *iris)
    resumed = RandomSearch(**TINY, checkpoint=path).fit(*iris)
    assert resumed.results_["architecture"][:1] == first.results_["architecture"]
    assert resumed.search_state_.seed == first.search_state_.seed


def test_a_checkpoint_of_another_search_is_refused(iris, tmp_path):
    path = tmp_path / "search.json"
    RandomSearch(**TINY, random_state=0, checkpoint=path).fit(*iris)
    X, y = iris
    with pytest.raises(ValueError, match="other data or parameters; delete it"):
        RandomSearch(**TINY, random_state=0, checkpoint=path).fit(X[:100], y[:100])
    with pytest.raises(ValueError, match="other data or parameters"):
        RandomSearch(**dict(TINY, epochs=4), random_state=0, checkpoint=path).fit(X, y)
    path.write_text("{not json")
    with pytest.raises(ValueError, match="cannot be read as a sknas search state"):
        RandomSearch(**TINY, random_state=0, checkpoint=path).fit(X, y)


def test_checkpoint_must_be_a_path_in_a_folder_that_exists(iris, tmp_path):
    with pytest.raises(ValueError, match=r"'checkpoint' parameter .* an instance of 'str', an instance of 'os.PathLike' or None\. Got 3"):
        RandomSearch(**TINY, checkpoint=3).fit(*iris)
    with pytest.raises(ValueError, match="does not exist; create it first"):
        RandomSearch(**TINY, checkpoint=tmp_path / "missing" / "search.json").fit(*iris)


def test_a_checkpoint_folder_keeps_one_file_per_search_in_cross_validation(iris, tmp_path, trained):
    from sklearn.model_selection import GridSearchCV, KFold, cross_val_score

    X, y = iris
    folder = tmp_path / "searches"
    folder.mkdir()
    cv = KFold(3, shuffle=True, random_state=0)
    search = RandomSearch(**TINY, random_state=0, task="classification", checkpoint=folder)
    scores = cross_val_score(search, X, y, cv=cv)
    assert np.isfinite(scores).all() and len(list(folder.glob("RandomSearch-*.json"))) == 3
    trained.clear()
    assert (cross_val_score(search, X, y, cv=cv) == scores).all()  # each fold resumed its own search
    assert trained == []
    grid = GridSearchCV(search, {"epochs": [2, 3]}, cv=cv).fit(X, y)
    assert np.isfinite(grid.cv_results_["mean_test_score"]).all()
    assert len(list(folder.glob("RandomSearch-*.json"))) == 3 + 3 + 1  # the 3-epoch folds were there; the refit


def test_an_unwritable_checkpoint_is_refused_before_any_training(iris, tmp_path, trained):
    path = tmp_path / "search.json"
    (tmp_path / ".search.json.lock").mkdir()
    with pytest.raises(ValueError, match="cannot write checkpoint .*search.json"):
        RandomSearch(**TINY, random_state=0, checkpoint=path).fit(*iris)
    assert trained == []


def test_an_adaptive_search_resumes_only_with_its_n_jobs(iris, tmp_path, trained):
    path = tmp_path / "search.json"
    params = dict(TINY, population_size=2, tournament_size=1, random_state=0, checkpoint=path)
    EvolutionSearch(**params).fit(*iris)
    trained.clear()
    with pytest.raises(ValueError, match="resume it with n_jobs=1"):
        EvolutionSearch(**params, n_jobs=2).fit(*iris)
    assert trained == []
    RandomSearch(**TINY, random_state=0, checkpoint=path.with_name("random.json")).fit(*iris)
    RandomSearch(**dict(TINY, budget=4), random_state=0, n_jobs=2, checkpoint=path.with_name("random.json")).fit(*iris)


# -- warm start ----------------------------------------------------------------------------


def test_warm_start_continues_the_previous_search(iris, trained):
    search = EvolutionSearch(**TINY, population_size=2, tournament_size=1, random_state=0, warm_start=True).fit(*iris)
    trained.clear()
    search.set_params(budget=5).fit(*iris)
    assert trained == search.results_["architecture"][3:]
    fresh = EvolutionSearch(**dict(TINY, budget=5), population_size=2, tournament_size=1, random_state=0).fit(*iris)
    assert search.results_["architecture"] == fresh.results_["architecture"]


def test_warm_start_on_other_data_starts_again(iris):
    X, y = iris
    search = RandomSearch(**TINY, random_state=0, warm_start=True).fit(X, y)
    with pytest.warns(UserWarning, match="starting a new search"):
        search.fit(X[:100], y[:100])
    assert len(search.results_["architecture"]) == 3


def test_without_warm_start_fit_starts_again(iris, trained):
    search = RandomSearch(**TINY, random_state=0).fit(*iris)
    trained.clear()
    search.fit(*iris)
    assert len(trained) == 3


# -- callbacks and interrupts --------------------------------------------------------------


def test_callbacks_see_every_event_in_order(iris):
    events = []

    class Recorder(sknas.Callback):
        def on_search_begin(self, search):
            events.append("begin")

        def on_candidate_end(self, search, architecture, result):
            events.append(("candidate", str(architecture), result.ok))

        def on_search_end(self, search):
            events.append(("end", len(search.results_["architecture"])))

    search = RandomSearch(**TINY, random_state=0, callbacks=[Recorder()]).fit(*iris)
    assert events[0] == "begin" and events[-1] == ("end", 3)
    assert [e[1] for e in events[1:-1]] == search.results_["architecture"]


def test_a_callback_that_returns_true_ends_the_search(iris):
    class StopAfterTwo:
        def on_candidate_end(self, search, architecture, result):
            return True

    search = RandomSearch(**dict(TINY, budget=10), random_state=0, callbacks=[StopAfterTwo()]).fit(*iris)
    assert len(search.results_["architecture"]) == 1
    assert hasattr(search, "best_model_")


def test_early_stopping_waits_patience_candidates_without_improvement():
    stop = EarlyStopping(patience=2)
    stop.on_search_begin(None)
    ok = sknas.EvaluationResult
    decisions = [stop.on_candidate_end(None, None, ok(v, 0.0)) for v in (0.5, 0.7, 0.6, 0.7)]
    assert decisions == [False, False, False, True] and stop.best_ == 0.7
    failed = EarlyStopping(patience=1)
    failed.on_search_begin(None)
    assert failed.on_candidate_end(None, None, ok.failed("boom"))
    with pytest.raises(ValueError, match="patience must be an integer >= 1"):
        EarlyStopping(patience=0).on_search_begin(None)


def test_callbacks_must_be_a_list(iris):
    with pytest.raises(ValueError, match=r"'callbacks' parameter of RandomSearch must be an instance of 'list', an instance of 'tuple' or None"):
        RandomSearch(**TINY, callbacks=EarlyStopping()).fit(*iris)


def test_ctrl_c_keeps_every_finished_result(iris):
    search = interrupted_fit(RandomSearch(**dict(TINY, budget=10), random_state=0,
                                          callbacks=[InterruptAt(2)]), *iris)
    assert len(search.results_["architecture"]) == 2
    assert search.predict(iris[0][:3]).shape == (3,)


def test_ctrl_c_before_any_success_is_raised(iris):
    class Interrupt:
        def on_candidate_end(self, search, architecture, result):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        RandomSearch(**TINY, random_state=0, learning_rate=1e30, optimizer="sgd",
                     callbacks=[Interrupt()]).fit(*iris)


# -- injected faults -----------------------------------------------------------------------


def test_a_failing_proxy_is_nan_and_the_search_goes_on(iris, monkeypatch):
    def broken(context):
        raise RuntimeError("proxy broke")

    monkeypatch.setitem(PROXIES, "broken", Proxy("broken", broken, frozenset(), "always raises"))
    for cls in (ZeroCostSearch, POnasSearch):
        search = cls(**TINY, n_candidates=6, proxies=("synflow", "broken"), random_state=0).fit(*iris)
        assert np.isnan(search.results_["proxy_broken"]).all()
        assert np.isfinite(search.results_["proxy_synflow"]).all()
        assert search.results_["status"] == ["ok"] * 3


# -- parallel evaluation -------------------------------------------------------------------


def test_parallel_workers_get_a_share_of_the_threads(monkeypatch, iris):
    seen = []
    evaluate = TrainingEvaluator.evaluate
    monkeypatch.setattr(TrainingEvaluator, "evaluate",
                        lambda self, arch: seen.append(torch.get_num_threads()) or evaluate(self, arch))
    before = torch.get_num_threads()
    with joblib.parallel_backend("threading", n_jobs=2):
        RandomSearch(**dict(TINY, budget=2), n_jobs=2, random_state=0).fit(*iris)
    assert seen == [max(1, joblib.cpu_count() // 2)] * 2
    assert torch.get_num_threads() == before


def test_a_dask_cluster_runs_the_same_search(iris):
    distributed = pytest.importorskip("distributed")
    serial = RandomSearch(**dict(TINY, budget=4), random_state=0).fit(*iris)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, distributed.Client(cluster):
        with joblib.parallel_backend("dask"):
            parallel = RandomSearch(**dict(TINY, budget=4), n_jobs=-1, random_state=0).fit(*iris)
    assert parallel.results_["architecture"] == serial.results_["architecture"]
    assert parallel.results_["objective"] == serial.results_["objective"]


# -- export --------------------------------------------------------------------------------


def fitted_searches(iris, digits):
    X, y = digits
    yield "tabular", RandomSearch(**dict(TINY, budget=1), random_state=0).fit(*iris), iris[0]
    yield "image rows", RandomSearch(**dict(TINY, budget=1), space=SMALL_CELLS, image_shape=(8, 8),
                                     random_state=0).fit(X, y), X
    images = X.reshape(-1, 1, 8, 8)
    yield "4-D images", RandomSearch(**dict(TINY, budget=1), space=SMALL_CELLS,
                                     random_state=0).fit(images, y), images
    rng = np.random.default_rng(0)
    Xr = rng.normal(size=(120, 4))
    yr = Xr @ np.array([3.0, -1.0, 0.0, 2.0]) + 50.0
    yield "regression", RandomSearch(**dict(TINY, budget=1), task="regression", random_state=0).fit(Xr, yr), Xr


def expected_outputs(search, X):
    return search.predict_proba(X) if search.task_ == "classification" else search.predict(X)


def test_torchscript_export_matches_predict_proba(iris, digits, tmp_path):
    for name, search, X in fitted_searches(iris, digits):
        path = search.export(tmp_path / f"{name}.pt")
        extra = {"sknas.json": ""}
        module = torch.jit.load(str(path), _extra_files=extra)
        with torch.no_grad():
            outputs = module(torch.as_tensor(X, dtype=torch.float32)).numpy()
        np.testing.assert_allclose(outputs, expected_outputs(search, X), rtol=1e-5, atol=1e-5, err_msg=name)
        assert json.loads(extra["sknas.json"])["architecture"] == str(search.best_architecture_)


def test_onnx_export_matches_predict_proba(iris, digits, tmp_path):
    onnxruntime = pytest.importorskip("onnxruntime")
    pytest.importorskip("onnxscript")
    onnx = pytest.importorskip("onnx")
    for name, search, X in fitted_searches(iris, digits):
        path = search.export(tmp_path / f"{name}.onnx", format="onnx")
        session = onnxruntime.InferenceSession(str(path))
        for rows in (slice(None), slice(0, 1)):  # the batch size is dynamic
            outputs = session.run(None, {"X": np.asarray(X[rows], dtype=np.float32)})[0]
            np.testing.assert_allclose(outputs, expected_outputs(search, X[rows]), rtol=1e-5, atol=1e-5,
                                       err_msg=name)
        metadata = {p.key: p.value for p in onnx.load(str(path)).metadata_props}
        assert json.loads(metadata["sknas"])["task"] == search.task_


def test_export_checks_its_format(iris, tmp_path):
    search = RandomSearch(**dict(TINY, budget=1), random_state=0).fit(*iris)
    with pytest.raises(ValueError, match="unknown export format 'pickle'; use 'torchscript' or 'onnx'"):
        search.export(tmp_path / "model", format="pickle")
    with pytest.raises(NotFittedError):
        RandomSearch().export(tmp_path / "model")


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


@pytest.fixture(scope="module")
def saved(iris, tmp_path_factory):
    """A small fitted search saved with a checkpoint path, and a way to rewrite its metadata."""
    folder = tmp_path_factory.mktemp("saved")
    space = MLPSpace(depths=(1,), widths=(8, 16), activations=("relu",), dropouts=(0.0,), norms=("none",))
    search = RandomSearch(**dict(TINY, budget=2), space=space, random_state=0,
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


@pytest.mark.parametrize("edit, message", [
    (_set(["fitted", "n_outputs_"], KeyError), "fitted lacks 'n_outputs_'"),
    (_set(["fitted", "n_features_in_"], "4"), r"fitted\['n_features_in_'\] is a str, not int"),
    (_set(["fitted", "task_"], "magic"), "unknown task 'magic'"),
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
        metadata["fitted"]["n_features_in_"] = 10**8
        metadata["fitted"]["input_shape_"] = [10**8]

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # (that network would take 26 GB: it is only built on the meta device, and refused)
        with pytest.raises(ValueError, match="the weights stored are not those of the network of mlp:65536"):
            sknas.load(rewrite(wider))
        with pytest.raises(ValueError, match="n_features_in_ is 1000000000, not from 1 to 100,000,000"):
            sknas.load(rewrite(_set(["fitted", "n_features_in_"], 10**9)))


# -- plot ----------------------------------------------------------------------------------


def test_plot_search_draws_every_evaluation_and_the_best_so_far(iris):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    class BrokenSecond(MLPSpace):
        def build(self, arch, input_shape, n_outputs):
            if arch.widths[0] == 16:
                raise RuntimeError("broken")
            return super().build(arch, input_shape, n_outputs)

    search = RandomSearch(**dict(TINY, budget=2), space=BrokenSecond(widths=(8, 16), depths=(1,), activations=("relu",),
                                                          dropouts=(0.0,), norms=("none",)),
                          random_state=0).fit(*iris)
    fig, ax = plt.subplots()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert sknas.plot_search(search, ax=ax) is ax
    candidates, failed = ax.collections
    assert len(candidates.get_offsets()) == 1 and len(failed.get_offsets()) == 1
    best = ax.lines[0].get_ydata()
    assert max(best) == search.best_score_
    plt.close(fig)
