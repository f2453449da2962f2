"""Callbacks: code of the user's that runs as a search begins, after each candidate, and at its end."""

from __future__ import annotations

import math
from typing import Any, Sequence

from ..evaluation import EvaluationResult
from ..spaces import Architecture

EVENTS = ("on_search_begin", "on_candidate_end", "on_search_end")


class Callback:
    """Base class of search callbacks; every method does nothing unless overridden.

    Pass instances in ``callbacks=[...]`` to any search estimator. Any object with some of
    these methods works too: the ones it lacks are skipped.

    Examples
    --------
    >>> from sknas import Callback
    >>> class PrintFailures(Callback):
    ...     def on_candidate_end(self, search, architecture, result):
    ...         if not result.ok:
    ...             print(architecture, result.error)
    """

    def on_search_begin(self, search) -> None:
        """Called once before the first candidate is evaluated (after a resume, too).

        Parameters
        ----------
        search : BaseSearch
            The estimator being fitted.
        """

    def on_candidate_end(self, search, architecture: Architecture, result: EvaluationResult) -> bool | None:
        """Called after each evaluation, once its result is checkpointed.

        Parameters
        ----------
        search : BaseSearch
            The estimator being fitted.
        architecture : Architecture
            The candidate just evaluated.
        result : EvaluationResult
            Its result (``result.ok`` is False for a failed candidate).

        Returns
        -------
        stop : bool or None
            True ends the search after the candidates in flight; the estimator is then
            refitted on the best architecture found so far.
        """

    def on_search_end(self, search) -> None:
        """Called once after the last evaluation, before the winner is refitted.

        Parameters
        ----------
        search : BaseSearch
            The estimator being fitted; ``results_`` and ``best_architecture_`` are set.
        """


class EarlyStopping(Callback):
    """End a search when the best objective has not improved for ``patience`` candidates.

    The count starts with each ``fit`` (a search resumed from a checkpoint counts afresh).

    Parameters
    ----------
    patience : int, default=10
        Candidates evaluated without improvement before the search stops.
    min_delta : float, default=0.0
        A new best counts as an improvement only when it beats the old by more than this.

    Attributes
    ----------
    best_ : float
        The best objective seen in the current search.
    n_without_improvement_ : int
        Candidates evaluated since it was found.
    stopped_ : bool
        Whether this callback ended the latest search.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sknas import EarlyStopping, RandomSearch
    >>> X, y = load_digits(return_X_y=True)
    >>> search = RandomSearch(budget=50, epochs=1, final_epochs=1, random_state=0,
    ...                       callbacks=[EarlyStopping(patience=2)]).fit(X[:200], y[:200])
    >>> len(search.results_["architecture"]) < 50
    True
    """

    def __init__(self, patience: int = 10, min_delta: float = 0.0):
        self.patience = patience
        self.min_delta = min_delta

    def on_search_begin(self, search) -> None:
        if not isinstance(self.patience, int) or self.patience < 1:
            raise ValueError(f"EarlyStopping patience must be an integer >= 1, got {self.patience!r}")
        self.best_ = -math.inf
        self.n_without_improvement_ = 0
        self.stopped_ = False

    def on_candidate_end(self, search, architecture, result) -> bool:
        if result.ok and result.objective > self.best_ + self.min_delta:
            self.best_ = result.objective
            self.n_without_improvement_ = 0
        else:
            self.n_without_improvement_ += 1
        self.stopped_ = self.n_without_improvement_ >= self.patience
        return self.stopped_


def notify(callbacks: Sequence[Any] | None, event: str, *args: Any) -> bool:
    """Call ``event`` on every callback that has it; True when any asks the search to stop."""
    stop = False
    for callback in callbacks or ():
        method = getattr(callback, event, None)
        if method is not None and method(*args):
            stop = True
    return stop
