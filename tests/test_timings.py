"""search_timings_: where a fitted search's time went (sknas/search/_timings.py)."""

import numpy as np
import pytest

import sknas
from sknas import POnasSearch, RandomSearch
from sknas.search._timings import ProposalTimer, search_timings


def _check(timings, results):
    assert set(timings) == {"search_s", "setup_s", "propose_s", "overhead_s", "proxies_s", "training_s", "refit_s"}
    assert all(value >= 0 for value in timings.values())
    assert timings["overhead_s"] == pytest.approx(timings["setup_s"] + timings["propose_s"])
    assert timings["proxies_s"] <= timings["overhead_s"]
    assert timings["training_s"] == pytest.approx(float(np.sum(results["fit_time_s"])))
    assert timings["overhead_s"] + timings["training_s"] <= timings["search_s"] * 1.01 + 0.05  # one worker


def test_random_search_spends_almost_nothing_outside_training(digits):
    search = RandomSearch(budget=2, epochs=1, final_epochs=1, random_state=0).fit(*digits)
    _check(search.search_timings_, search.results_)
    assert search.search_timings_["proxies_s"] == 0.0 and search.search_timings_["refit_s"] > 0


def test_ponas_reports_its_proxies_inside_its_overhead(digits, tmp_path):
    search = POnasSearch(budget=3, n_candidates=8, epochs=1, final_epochs=1, proxies=("synflow", "nwot"),
                         image_shape=(8, 8), random_state=0).fit(*digits)
    _check(search.search_timings_, search.results_)
    assert search.search_timings_["proxies_s"] > 0 and search.search_timings_["setup_s"] > 0
    path = sknas.save(search, tmp_path / "search")
    assert sknas.load(path).search_timings_ == search.search_timings_


def test_proposal_timer_adds_up_the_proposals():
    timer = ProposalTimer()
    timer.on_propose_end(None)  # an end without a beginning adds nothing
    for _ in range(2):
        timer.on_propose_begin(None, n=1)
        timer.on_propose_end(None, architectures=[])
    assert timer.elapsed_s >= 0 and timer._start is None
    assert search_timings([], setup_s=1.0, propose_s=2.0, search_s=4.0, proxies_s=0.5, refit_s=1.0)["overhead_s"] == 3.0
