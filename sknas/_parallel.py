"""One parallel map for the package: candidates, seeds and proxy chunks all run through it."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Callable, Iterable, Iterator, TypeVar

import joblib
import torch

Item = TypeVar("Item")
Value = TypeVar("Value")


def threads_per_worker(n_workers: int) -> int:
    """Torch threads each of ``n_workers`` parallel workers gets: its share of the cores.

    Parallel workers that each used every core would oversubscribe them and stall in
    OpenMP barriers whenever another worker holds a core.
    """
    return max(1, joblib.cpu_count() // max(1, int(n_workers)))


@contextmanager
def torch_threads(n_threads: int) -> Iterator[None]:
    """Run the block on ``n_threads`` torch threads, then go back to the previous number."""
    previous = torch.get_num_threads()
    torch.set_num_threads(n_threads)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def _with_threads(function: Callable[[Item], Value], item: Item, n_threads: int) -> Value:
    with torch_threads(n_threads):
        return function(item)


def parallel_map(
    function: Callable[[Item], Value], items: Iterable[Item], n_jobs: int | None = None
) -> Iterator[Value]:
    """``function(item)`` for every item, yielded in order as soon as each is there.

    With more than one job the calls run through ``joblib.Parallel`` (so under
    ``joblib.parallel_config(backend="dask")`` on a Dask cluster's workers), each with
    :func:`threads_per_worker` torch threads; with one job they run here, unchanged.

    Parameters
    ----------
    function : callable
        Must be picklable when ``n_jobs`` asks for processes.
    items : iterable
    n_jobs : int or None, default=None
        joblib's ``n_jobs``: None means 1, -1 every core.
    """
    items = list(items)
    n_workers = min(joblib.effective_n_jobs(n_jobs), len(items))
    if n_workers <= 1:
        for item in items:
            yield function(item)
        return
    n_threads = threads_per_worker(n_workers)
    yield from joblib.Parallel(n_jobs=n_jobs, return_as="generator")(
        joblib.delayed(_with_threads)(function, item, n_threads) for item in items
    )
