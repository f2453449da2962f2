"""Tests of search callbacks, Ctrl-C interrupts and injected faults (sknas/driver/_callbacks.py)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import sknas
from sknas import EarlyStopping, POnasSearch, RandomSearch, TimeLimit, ZeroCostSearch
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


def test_time_limit_stops_when_the_next_candidate_and_the_refit_would_not_fit(monkeypatch):
    clock = [1.0]
    monkeypatch.setattr(sknas.driver._callbacks.time, "perf_counter", lambda: clock[0])
    limit = TimeLimit(10.0, start=0.0, refit_scale=2.0)
    limit.on_search_begin(None)  # the search starts 1 s after the clock
    ok = sknas.EvaluationResult
    decisions = []
    for now, objective, cost in [(3.0, 0.5, 1.5), (5.0, 0.4, 1.0), (7.0, 0.9, 0.5), (7.5, 0.1, 9.0)]:
        clock[0] = now
        decisions.append(limit.on_candidate_end(None, None, ok(objective, cost)))
    # 3 + 2 (a candidate) + 2 x 1.5 (the refit of the best) = 8; then 5 + 2 + 3 = 10; 7 + 2 + 1 = 10;
    # 7.5 + 6.5 / 4 + 1 = 10.125 > 10
    assert decisions == [False, False, False, True] and limit.stopped_
    assert limit.projected_s_ == pytest.approx(10.125)
    batched = TimeLimit(10.0, start=0.0, batch_size=4)
    clock[0] = 0.0
    batched.on_search_begin(None)
    clock[0] = 2.0  # 2 s per candidate: the next 4 would end at 10 s, the refit after it
    assert batched.on_candidate_end(None, None, ok(0.5, 1.0))
    ensemble = TimeLimit(10.0, start=0.0, refit_scale=2.0, refit_models=3)
    clock[0] = 0.0
    ensemble.on_search_begin(None)
    clock[0] = 1.0  # 1 + 1 (a candidate) + 3 networks x 2 x 1 s = 8; a fourth network would pass 10
    assert not ensemble.on_candidate_end(None, None, ok(0.5, 1.0)) and ensemble.projected_s_ == pytest.approx(8.0)
    # a rule of the candidates that succeeded (ensemble_size="auto"): the refit after the next one
    asked = []
    growing = TimeLimit(100.0, start=0.0, refit_scale=2.0, refit_models=lambda n: asked.append(n) or n // 2)
    clock[0] = 0.0
    growing.on_search_begin(None)
    for now, result in [(1.0, ok(0.5, 1.0)), (2.0, sknas.EvaluationResult.failed("boom", 1.0)), (3.0, ok(0.6, 1.0))]:
        clock[0] = now
        growing.on_candidate_end(None, None, result)
    assert asked == [2, 2, 3]  # the failed candidate does not count
    assert growing.projected_s_ == pytest.approx(3.0 + 1.0 + 1 * 2.0 * 1.0)


@pytest.mark.parametrize("n_jobs", [None, 2])
def test_max_time_trains_at_least_one_batch_then_stops(iris, n_jobs):
    X, y = iris
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        short = RandomSearch(**dict(TINY, budget=6), max_time=1e-6, n_jobs=n_jobs, random_state=0).fit(X, y)
    assert len(short.results_["architecture"]) == (n_jobs or 1)
    assert not [w for w in caught if "fewer than budget" in str(w.message)]  # stopped as asked
    assert hasattr(short, "best_model_")
    long = RandomSearch(**dict(TINY, budget=3), max_time=3600.0, random_state=0).fit(X, y)
    assert len(long.results_["architecture"]) == 3


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


def test_time_limit_shortens_a_refit_that_would_not_end_in_time(monkeypatch):
    clock = [0.0]
    monkeypatch.setattr(sknas.driver._callbacks.time, "perf_counter", lambda: clock[0])
    limit = TimeLimit(10.0, start=0.0, refit_scale=2.0)  # a refit of 20 epochs: 2 x the best's 3 s
    limit.on_search_begin(None)
    clock[0] = 6.0
    limit.on_candidate_end(None, None, sknas.EvaluationResult(0.9, 3.0))
    assert limit.refit_epochs(20) == 13  # 4 s left at 0.3 s an epoch
    assert limit.refit_epochs(20, n_models=2) == 6
    clock[0] = 12.0
    assert limit.refit_epochs(20) == 1  # out of time: one epoch, not none
    clock[0] = 0.0
    assert limit.refit_epochs(20) == 20  # time enough: the full refit


def test_max_time_refits_for_fewer_epochs_with_a_warning(iris):
    with pytest.warns(UserWarning, match=r"refitted for 1 of final_epochs=50 epochs"):
        search = RandomSearch(**dict(TINY, budget=3, final_epochs=50), max_time=1e-6, random_state=0).fit(*iris)
    assert search.refit_epochs_ == 1
    assert RandomSearch(**TINY, random_state=0).fit(*iris).refit_epochs_ == TINY["final_epochs"]
