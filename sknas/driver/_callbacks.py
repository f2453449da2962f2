"""Callbacks: code that runs as a search begins, chooses, evaluates, ends and refits its winner.

The progress bar and the per-candidate log of ``verbose`` are callbacks too
(:class:`ProgressBar`, :class:`PrintLog`). Hooks take keyword arguments; a callback's hook
receives those it names (all of them when it takes ``**kwargs``), so new information never
breaks a user's callback.
"""

from __future__ import annotations

import inspect
import math
import time
from typing import Any, Callable, Sequence

from tqdm.auto import tqdm

EVENTS = (
    "on_search_begin", "on_propose_begin", "on_propose_end", "on_candidate_end", "on_search_end",
    "on_refit_begin", "on_refit_epoch_end", "on_refit_end",
)


class Callback:
    """Base class of search callbacks; every hook does nothing unless overridden.

    Pass instances in ``callbacks=[...]`` to any search estimator (or to
    :func:`sknas.driver.run_search`). Any object with some of these methods works too: the
    ones it lacks are skipped. Each hook gets the estimator being fitted (None outside an
    estimator) and keyword arguments; write ``**kwargs`` to accept those added later.

    Examples
    --------
    >>> from sknas import Callback
    >>> class PrintFailures(Callback):
    ...     def on_candidate_end(self, search, architecture=None, result=None, **kwargs):
    ...         if not result.ok:
    ...             print(architecture, result.error)
    """

    def on_search_begin(self, search, **kwargs) -> None:
        """Called once before the first candidate is chosen (after a resume, too).

        Parameters
        ----------
        search : BaseSearch or None
            The estimator being fitted (None outside an estimator).
        **kwargs
            ``budget`` (evaluations the search makes) and ``n_done`` (evaluations already
            done, when resuming).
        """

    def on_propose_begin(self, search, **kwargs) -> None:
        """Called before the strategy chooses the next ``n`` candidates; a surrogate may be fitted meanwhile.

        Parameters
        ----------
        search : BaseSearch or None
            The estimator being fitted (None outside an estimator).
        **kwargs
            ``n`` (how many candidates the strategy is asked for).
        """

    def on_propose_end(self, search, **kwargs) -> None:
        """Called once the strategy has chosen.

        Parameters
        ----------
        search : BaseSearch or None
            The estimator being fitted (None outside an estimator).
        **kwargs
            ``architectures`` (the candidates chosen, empty when the space is exhausted).
        """

    def on_candidate_end(self, search, architecture=None, result=None, **kwargs) -> bool | None:
        """Called after each evaluation, once its result is checkpointed.

        Parameters
        ----------
        search : BaseSearch or None
            The estimator being fitted.
        architecture : Architecture
            The candidate just evaluated.
        result : EvaluationResult
            Its result (``result.ok`` is False for a failed candidate).
        **kwargs
            ``n_done`` (evaluations done, this one included), ``budget``, ``best`` (the
            best objective so far).

        Returns
        -------
        stop : bool or None
            True ends the search after the candidates in flight; the estimator is then
            refitted on the best architecture found so far.
        """

    def on_search_end(self, search, **kwargs) -> None:
        """Called once after the last evaluation, before the winner is refitted.

        In an estimator ``results_`` and ``best_architecture_`` are set by then.

        Parameters
        ----------
        search : BaseSearch or None
            The estimator being fitted (None outside an estimator).
        **kwargs
            Information that later versions may pass; none is passed at present.
        """

    def on_refit_begin(self, search, **kwargs) -> None:
        """Called before the winner is refitted.

        Parameters
        ----------
        search : BaseSearch or None
            The estimator being fitted (None outside an estimator).
        **kwargs
            ``architectures`` (the architectures refitted) and ``epochs`` (the epochs each is
            trained for).
        """

    def on_refit_epoch_end(self, search, **kwargs) -> None:
        """Called after each epoch of the refit.

        Parameters
        ----------
        search : BaseSearch or None
            The estimator being fitted (None outside an estimator).
        **kwargs
            ``epoch`` (the epoch just done, from 1) and ``loss`` (its mean training loss).
        """

    def on_refit_end(self, search, **kwargs) -> None:
        """Called once the refit is done.

        Parameters
        ----------
        search : BaseSearch or None
            The estimator being fitted (None outside an estimator).
        **kwargs
            Information that later versions may pass; none is passed at present.
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
    >>> search = RandomSearch(space="mlp", budget=50, epochs=1, final_epochs=1, random_state=0,
    ...                       callbacks=[EarlyStopping(patience=2)]).fit(X[:200], y[:200])
    >>> len(search.results_["architecture"]) < 50
    True
    """

    def __init__(self, patience: int = 10, min_delta: float = 0.0):
        self.patience = patience
        self.min_delta = min_delta

    def on_search_begin(self, search, **kwargs) -> None:
        if not isinstance(self.patience, int) or self.patience < 1:
            raise ValueError(f"EarlyStopping patience must be an integer >= 1, got {self.patience!r}")
        self.best_ = -math.inf
        self.n_without_improvement_ = 0
        self.stopped_ = False

    def on_candidate_end(self, search, architecture=None, result=None, **kwargs) -> bool:
        if result.ok and result.objective > self.best_ + self.min_delta:
            self.best_ = result.objective
            self.n_without_improvement_ = 0
        else:
            self.n_without_improvement_ += 1
        self.stopped_ = self.n_without_improvement_ >= self.patience
        return self.stopped_


class TimeLimit(Callback):
    """End a search when its next candidates and the refit would not finish within ``seconds``.

    After each candidate it projects the time of the next ``batch_size`` candidates (the
    wall time per candidate so far, the strategy's own work and the parallelism included)
    and of the refit (the best candidate's training time times ``refit_scale``, for each of
    the ``refit_models`` networks the refit would train were the search to end after that
    batch); when
    the clock since ``start`` plus both would pass ``seconds``, the search ends after the
    batch in flight. At least one batch is always trained. The estimators' ``max_time``
    adds one.

    Parameters
    ----------
    seconds : float
        Wall-clock seconds for the search and the refit, counted from ``start``. The
        estimators' ``max_time`` also shortens a refit that would not end in time
        (:meth:`refit_epochs`).
    start : float or None, default=None
        ``time.perf_counter()`` when the clock started (e.g. the start of ``fit``, before
        any proxies are computed); None: at ``on_search_begin``.
    refit_scale : float, default=1.0
        A network's refit time as a multiple of the best candidate's training time (final
        epochs over epochs, times all samples over training samples).
    batch_size : int, default=1
        Candidates trained at once.
    refit_models : int or callable, default=1
        The networks the refit trains one after the other (an ensemble's members), or a
        function of the number of candidates that succeeded that gives it (the estimators
        pass their ``ensemble_size``'s rule: ``"auto"`` averages a quarter of them).

    Attributes
    ----------
    stopped_ : bool
        Whether this callback ended the latest search.
    projected_s_ : float
        At the latest candidate, the projected time of the search and refit had the search
        gone on for one more batch.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sknas import RandomSearch
    >>> X, y = load_digits(return_X_y=True)
    >>> search = RandomSearch(space="mlp", budget=50, epochs=1, final_epochs=1, max_time=0.001,
    ...                       random_state=0).fit(X[:200], y[:200])
    >>> len(search.results_["architecture"])  # one batch is always trained; then time is up
    1
    """

    def __init__(self, seconds: float, start: float | None = None, refit_scale: float = 1.0, batch_size: int = 1,
                 refit_models: int | Callable[[int], int] = 1):
        self.seconds = seconds
        self.start = start
        self.refit_scale = refit_scale
        self.batch_size = batch_size
        self.refit_models = refit_models

    def on_search_begin(self, search, **kwargs) -> None:
        self.search_start_ = time.perf_counter()
        self.clock_start_ = self.search_start_ if self.start is None else self.start
        self.n_ = 0
        self.n_succeeded_ = 0
        self.best_ = -math.inf
        self.best_cost_s_ = 0.0
        self.projected_s_ = 0.0
        self.stopped_ = False

    def on_candidate_end(self, search, architecture=None, result=None, **kwargs) -> bool:
        self.n_ += 1
        self.n_succeeded_ += bool(result.ok)
        if result.ok and result.objective > self.best_:
            self.best_, self.best_cost_s_ = result.objective, result.cost_s
        now = time.perf_counter()
        per_candidate = (now - self.search_start_) / self.n_
        models = self.refit_models
        if callable(models):  # the refit after one more batch
            models = models(self.n_succeeded_ + self.batch_size)
        self.projected_s_ = (now - self.clock_start_ + self.batch_size * per_candidate
                             + models * self.refit_scale * self.best_cost_s_)
        self.stopped_ = self.projected_s_ > self.seconds
        return self.stopped_

    def refit_epochs(self, final_epochs: int, n_models: int = 1) -> int:
        """The most refit epochs, up to ``final_epochs``, that end within the limit (at least 1).

        A refit's time per epoch is projected from the best candidate's training time (its
        ``cost_s`` × ``refit_scale`` / ``final_epochs``); with no candidate timed in this
        search (all resumed), ``final_epochs``.

        Parameters
        ----------
        final_epochs : int
            The epochs of a full refit.
        n_models : int, default=1
            The networks refitted one after the other (an ensemble's or a Pareto front's
            members).

        Returns
        -------
        epochs : int
            From 1 to ``final_epochs``.
        """
        per_epoch = n_models * self.best_cost_s_ * self.refit_scale / final_epochs
        if per_epoch <= 0:
            return final_epochs
        left = self.seconds - (time.perf_counter() - self.clock_start_)
        return int(min(final_epochs, max(1, math.floor(left / per_epoch))))


class ProgressBar(Callback):
    """A tqdm bar of the evaluations (the best objective beside it), then one of the refit.

    While the strategy chooses (a surrogate may take seconds) the bar says so.

    Parameters
    ----------
    desc : str, default="search"
        The bar's label.
    """

    def __init__(self, desc: str = "search"):
        self.desc = desc
        self._bar = None
        self._best = -math.inf

    def _close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def on_search_begin(self, search, budget=0, n_done=0, **kwargs) -> None:
        self._close()
        self._best = -math.inf
        self._bar = tqdm(total=budget, initial=min(n_done, budget), desc=self.desc)

    def on_propose_begin(self, search, n=1, **kwargs) -> None:
        if self._bar is not None:
            self._bar.set_postfix_str(f"choosing the next {n}..." if n > 1 else "choosing the next...")

    def on_candidate_end(self, search, architecture=None, result=None, **kwargs) -> None:
        if self._bar is None:
            return
        if result.ok:
            self._best = max(self._best, result.objective)
        self._bar.update(1)
        self._bar.set_postfix_str(f"best={self._best:.4f}", refresh=False)

    def on_search_end(self, search, **kwargs) -> None:
        self._close()

    def on_refit_begin(self, search, architectures=(), epochs=1, **kwargs) -> None:
        self._close()
        self._bar = tqdm(total=max(1, len(architectures)) * int(epochs), desc=f"{self.desc}: refit", unit="epoch")

    def on_refit_epoch_end(self, search, loss=math.nan, **kwargs) -> None:
        if self._bar is not None:
            self._bar.update(1)
            self._bar.set_postfix_str(f"loss={loss:.4f}", refresh=False)

    def on_refit_end(self, search, **kwargs) -> None:
        self._close()


class PrintLog(Callback):
    """One line per evaluated candidate: its place, architecture, objective and time."""

    def on_candidate_end(self, search, architecture=None, result=None, n_done=0, budget=0, **kwargs) -> None:
        outcome = f"{result.objective:.4f}" if result.ok else f"failed ({result.error})"
        tqdm.write(f"[{n_done}/{budget}] {architecture}: {outcome} in {result.cost_s:.1f}s")


def default_callbacks(verbose: int, desc: str = "search") -> list[Callback]:
    """What ``verbose`` shows: a progress bar from 1, a line per candidate from 2.

    Parameters
    ----------
    verbose : int
        The verbosity: 0 shows nothing, 1 a progress bar, 2 also a line per candidate.
    desc : str, default="search"
        The progress bar's label.

    Returns
    -------
    callbacks : list of Callback
        The callbacks that show it (empty for ``verbose=0``).
    """
    callbacks: list[Callback] = []
    if verbose >= 1:
        callbacks.append(ProgressBar(desc))
    if verbose >= 2:
        callbacks.append(PrintLog())
    return callbacks


def _accepted(method, info: dict[str, Any]) -> dict[str, Any]:
    """The entries of ``info`` that ``method`` takes (all when it takes ``**kwargs``)."""
    try:
        parameters = inspect.signature(method).parameters
    except (TypeError, ValueError):
        return info
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
        return info
    return {name: value for name, value in info.items() if name in parameters}


def notify(callbacks: Sequence[Any] | None, event: str, search: Any = None, **info: Any) -> bool:
    """Call ``event`` on every callback that has it; True when any asks the search to stop.

    Parameters
    ----------
    callbacks : sequence of Callback or None
        The callbacks; objects without the hook are skipped, None means none.
    event : str
        The hook's name, one of ``EVENTS`` (e.g. ``"on_candidate_end"``).
    search : BaseSearch or None, default=None
        The estimator being fitted, passed as the hook's first argument.
    **info
        Keyword arguments of the hook; each callback receives those its hook names (all of
        them when it takes ``**kwargs``).

    Returns
    -------
    stop : bool
        Whether any callback returned a true value, asking the search to stop.
    """
    stop = False
    for callback in callbacks or ():
        method = getattr(callback, event, None)
        if method is not None and method(search, **_accepted(method, info)):
            stop = True
    return stop
