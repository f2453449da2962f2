"""Tests of search callbacks, Ctrl-C interrupts and injected faults (sknas/driver/_callbacks.py)."""

from __future__ import annotations

import numpy as np
import pytest

import sknas
from sknas import EarlyStopping, POnasSearch, RandomSearch, ZeroCostSearch
from sknas.proxies._base import PROXIES, Proxy

from _helpers import InterruptAt, interrupted_fit
from test_search import TINY


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
