"""Where a search's time went: the strategy's own work against the training it chose."""

from __future__ import annotations

import time


class ProposalTimer:
    """A driver callback that adds up the seconds the strategy spends choosing (``ask``)."""

    def __init__(self):
        self.elapsed_s = 0.0
        self._start: float | None = None

    def on_propose_begin(self, search, **kwargs) -> None:
        self._start = time.perf_counter()

    def on_propose_end(self, search, **kwargs) -> None:
        if self._start is not None:
            self.elapsed_s += time.perf_counter() - self._start
            self._start = None


def search_timings(history, *, setup_s: float, propose_s: float, search_s: float, proxies_s: float,
                   refit_s: float) -> dict[str, float]:
    """The ``search_timings_`` of a fitted search (seconds; see ``BaseSearch``).

    ``overhead_s`` is what the strategy spent outside training: setting up (scoring the
    initial pool, pre-training a surrogate) and choosing, proxies of new candidates included;
    ``proxies_s`` is the part of it spent computing proxies. ``training_s`` adds up the
    candidates' own training times (with ``n_jobs`` workers they overlap, so it can exceed the
    search's wall time); ``refit_s`` is the final refit.
    """
    return {
        "search_s": float(search_s),
        "setup_s": float(setup_s),
        "propose_s": float(propose_s),
        "overhead_s": float(setup_s + propose_s),
        "proxies_s": float(proxies_s),
        "training_s": float(sum(result.cost_s for _, result in history)),
        "refit_s": float(refit_s),
    }
