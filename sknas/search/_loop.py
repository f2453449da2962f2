"""The ask/evaluate/tell loop: parallel evaluation, checkpoints, callbacks, progress, Ctrl-C."""

from __future__ import annotations

import os
import warnings
from typing import Iterator, Sequence

import joblib
import numpy as np
import torch
from tqdm.auto import tqdm

from ..evaluation import EvaluationResult, TrainingEvaluator
from ..spaces import Architecture
from ..strategies import Strategy
from ._callbacks import notify
from ._checkpoint import SearchState, write_state


def evaluate_with_threads(evaluator: TrainingEvaluator, arch: Architecture, n_threads: int) -> EvaluationResult:
    """``evaluator.evaluate(arch)`` with torch limited to ``n_threads`` threads meanwhile."""
    previous = torch.get_num_threads()
    torch.set_num_threads(n_threads)
    try:
        return evaluator.evaluate(arch)
    finally:
        torch.set_num_threads(previous)


def evaluate_all(
    evaluator: TrainingEvaluator, archs: Sequence[Architecture], n_jobs: int | None
) -> Iterator[tuple[Architecture, EvaluationResult]]:
    """Evaluate ``archs``, yielding each result in order as soon as it is there.

    With more than one job they run through ``joblib.Parallel`` (so under
    ``joblib.parallel_backend("dask")`` on a Dask cluster's workers), each with
    ``cpu_count // n_jobs`` torch threads, so parallel candidates do not oversubscribe the cores.
    """
    n_parallel = min(joblib.effective_n_jobs(n_jobs), len(archs))
    if n_parallel <= 1:
        for arch in archs:
            yield arch, evaluator.evaluate(arch)
        return
    n_threads = max(1, joblib.cpu_count() // n_parallel)
    results = joblib.Parallel(n_jobs=n_jobs, return_as="generator")(
        joblib.delayed(evaluate_with_threads)(evaluator, arch, n_threads) for arch in archs
    )
    yield from zip(archs, results)


def run_search(
    search,
    strategy: Strategy,
    evaluator: TrainingEvaluator,
    state: SearchState,
    *,
    checkpoint: str | os.PathLike | None = None,
) -> list[tuple[Architecture, EvaluationResult]]:
    """Evaluate what ``strategy`` asks for until ``search.budget`` results exist; return them all.

    ``state`` holds what an earlier run of the same search finished (its strategy state is
    already loaded into ``strategy``); it is updated after every evaluation and written to
    ``checkpoint`` when given. Results of a batch cut short are reused when the restored
    strategy asks for the same architectures again, so nothing is trained twice. A
    ``KeyboardInterrupt`` ends the search with every finished result kept (re-raised when
    none succeeded), as does a callback's ``on_candidate_end`` returning True.
    """
    space = evaluator.space
    history = [(space.parse(a), r) for a, r in state.results[: state.n_told]]
    pending = dict(state.results[state.n_told :])  # finished results of an unfinished batch
    budget = search.budget
    n_parallel = joblib.effective_n_jobs(search.n_jobs)
    callbacks = search.callbacks

    def save() -> None:
        state.results = [(str(a), r) for a, r in history] + list(pending.items())
        state.n_told = len(history)
        if checkpoint is not None:
            write_state(checkpoint, state)

    best = max([r.objective for _, r in history if r.ok], default=-np.inf)
    notify(callbacks, "on_search_begin", search)
    stop = False
    bar = tqdm(total=budget, initial=min(len(history), budget), desc=type(search).__name__,
               disable=search.verbose < 1)
    try:
        while len(history) < budget and not stop:
            archs = strategy.ask(min(n_parallel, budget - len(history)))
            if not archs:
                break  # the space is exhausted
            to_train = [a for a in archs if str(a) not in pending]
            for arch, result in evaluate_all(evaluator, to_train, search.n_jobs):
                pending[str(arch)] = result
                save()
            results = [pending.pop(str(arch)) for arch in archs]
            strategy.tell(archs, results)
            state.strategy = strategy.state_dict()
            history += zip(archs, results)
            save()
            for arch, result in zip(archs, results):
                if result.ok:
                    best = max(best, result.objective)
                if search.verbose >= 2:
                    outcome = f"{result.objective:.4f}" if result.ok else f"failed ({result.error})"
                    tqdm.write(f"[{len(history)}/{budget}] {arch}: {outcome} in {result.cost_s:.1f}s")
                stop = notify(callbacks, "on_candidate_end", search, arch, result) or stop
            bar.update(len(archs))
            bar.set_postfix(best=f"{best:.4f}")
    except KeyboardInterrupt:
        history += [(space.parse(a), r) for a, r in pending.items()]
        if not any(r.ok for _, r in history):
            raise
        warnings.warn(
            f"search interrupted after {len(history)} of {budget} evaluations; going on with the "
            "best architecture so far (interrupt again to abort the final refit)"
            + ("" if checkpoint is None else f"; fit again to resume from {str(checkpoint)!r}"),
            RuntimeWarning,
            stacklevel=3,
        )
    finally:
        bar.close()
    return history
