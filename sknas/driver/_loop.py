"""The one ask → evaluate (in parallel) → tell loop, for estimators and benchmarks alike."""

from __future__ import annotations

import contextlib
import math
import signal
import threading
import warnings
from typing import Any, Iterator, Sequence

from .._parallel import parallel_map
from ..evaluation import EvaluationResult
from ..spaces import Architecture
from ._callbacks import notify
from ._state import Checkpoint, SearchState

History = list[tuple[Architecture, EvaluationResult]]


@contextlib.contextmanager
def interrupts_deferred() -> Iterator[None]:
    """Hold Ctrl-C back while the block runs, then deliver it (in the main thread; elsewhere
    signals cannot be caught and the block runs as it is).

    The hand-over of a finished batch (tell the strategy, store its state, extend the
    history, write the checkpoint) must not be cut in half: the results would be missing
    from the interrupted search, or the state would not match its history.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: received.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if received and callable(previous):
            previous(signal.SIGINT, None)  # Python's default handler raises KeyboardInterrupt


def resume(strategy, state: SearchState) -> History:
    """Bring a freshly set-up ``strategy`` to where ``state`` left it; return the told history.

    The stored results are told again, then ``strategy.load_state_dict`` restores what the
    history cannot give (the generator's state, learned parameters, pool growth).

    Parameters
    ----------
    strategy : Strategy
        A bound strategy, freshly set up, that has been told nothing yet.
    state : SearchState
        The state of an earlier run of the same search.

    Returns
    -------
    history : list of (Architecture, EvaluationResult)
        The results told to ``strategy`` (the first ``state.n_told`` of ``state.results``).
    """
    space = strategy.space
    history = [(space.parse(a), r) for a, r in state.results[: state.n_told]]
    if history:
        strategy.tell([a for a, _ in history], [r for _, r in history])
    if state.strategy is not None:
        strategy.load_state_dict(state.strategy)
    return history


def run_search(
    strategy,
    evaluator,
    *,
    budget: int,
    batch_size: int = 1,
    n_jobs: int | None = None,
    state: SearchState | None = None,
    checkpoint: Checkpoint | None = None,
    callbacks: Sequence[Any] = (),
    search: Any = None,
) -> History:
    """Evaluate what ``strategy`` asks for until ``budget`` results exist; return them all, in order.

    Each round asks the strategy for ``batch_size`` architectures at once (fewer at the end
    of the budget), evaluates them over ``n_jobs`` workers, and tells it the results.

    Parameters
    ----------
    strategy : Strategy
        A bound strategy (``spec.setup(...)``), fresh: when ``state`` holds results, they are
        told to it again and its stored state is loaded (:func:`resume`).
    evaluator : object
        ``evaluator.evaluate(arch) -> EvaluationResult``: real training or a benchmark lookup.
        Picklable when ``n_jobs`` asks for processes. One with ``evaluate_batch(archs, n_jobs)``
        (a list of results, in order) evaluates each batch through it, the batch as a whole
        (e.g. successive halving among its architectures): its results are kept once told.
    budget : int
        Evaluations to reach (those in ``state`` count).
    batch_size : int, default=1
        Architectures asked at once. It is part of the search's definition for strategies
        whose choices depend on it (``strategy.batch_invariant`` False): a state written with
        another batch size is refused.
    n_jobs : int or None, default=None
        Workers that evaluate a batch (:func:`sknas._parallel.parallel_map`).
    state : SearchState or None, default=None
        What an earlier run of the same search finished; updated after every evaluation.
    checkpoint : Checkpoint or None, default=None
        An open checkpoint: ``state`` is written to it after every evaluation.
    callbacks : sequence, default=()
        Objects with hooks (:class:`sknas.driver.Callback`); ``on_search_begin``,
        ``on_propose_begin``/``_end`` and ``on_candidate_end`` are called here (a True
        return of the latter stops the search after the batch in flight). ``on_search_end``
        is the caller's to call, once it has used the history.
    search : object, default=None
        Passed to the callbacks as their first argument (the estimator being fitted).

    Returns
    -------
    history : list of (Architecture, EvaluationResult)
        Every evaluation of the search, a resumed one's included. A ``KeyboardInterrupt``
        ends the loop with every finished result kept (re-raised when none succeeded).
    """
    state = SearchState() if state is None else state
    state.check_batch_size(batch_size, strategy.batch_invariant)
    state.batch_size = batch_size
    history = resume(strategy, state)
    in_flight = dict(state.results[state.n_told :])  # finished results of a batch cut short

    def save(write: bool = True) -> None:
        state.results = [(str(a), r) for a, r in history] + list(in_flight.items())
        state.n_told = len(history)
        if checkpoint is not None and write:
            checkpoint.write(state)

    best = max([r.objective for _, r in history if r.ok], default=-math.inf)
    notify(callbacks, "on_search_begin", search, budget=budget, n_done=len(history))
    stop = False
    try:
        while len(history) < budget and not stop:
            n = min(batch_size, budget - len(history))
            notify(callbacks, "on_propose_begin", search, n=n)
            archs = strategy.ask(n)
            notify(callbacks, "on_propose_end", search, architectures=archs)
            if not archs:
                break  # the space is exhausted
            to_evaluate = [a for a in archs if str(a) not in in_flight]
            if hasattr(evaluator, "evaluate_batch"):
                # its results come together and are kept together (saved once told, below), so a
                # resumed search never evaluates part of a batch alone (a smaller halving bracket)
                results = evaluator.evaluate_batch(to_evaluate, n_jobs)
                in_flight.update(zip(map(str, to_evaluate), results))
            else:
                for arch, result in zip(to_evaluate, parallel_map(evaluator.evaluate, to_evaluate, n_jobs)):
                    in_flight[str(arch)] = result
                    if checkpoint is not None:
                        save()
            with interrupts_deferred():
                results = [in_flight.pop(str(arch)) for arch in archs]
                strategy.tell(archs, results)
                state.strategy = strategy.state_dict()
                history += zip(archs, results)
                if checkpoint is not None:
                    save()
            for i, (arch, result) in enumerate(zip(archs, results)):
                if result.ok:
                    best = max(best, result.objective)
                stop = notify(callbacks, "on_candidate_end", search, architecture=arch, result=result,
                              n_done=len(history) - len(archs) + i + 1, budget=budget, best=best) or stop
    except KeyboardInterrupt:
        # the state keeps the results of the batch cut short as untold, for an exact resume
        save()
        history += [(strategy.space.parse(a), r) for a, r in in_flight.items()]
        if not any(r.ok for _, r in history):
            raise
        where = "" if checkpoint is None else f"; run it again to resume from {str(checkpoint.path)!r}"
        warnings.warn(
            f"search interrupted after {len(history)} of {budget} evaluations; going on with the "
            f"best architecture so far (interrupt again to abort){where}",
            RuntimeWarning,
            stacklevel=2,
        )
        return history
    save(write=False)  # the checkpoint holds it already
    return history
