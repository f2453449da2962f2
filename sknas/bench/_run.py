"""Running a strategy on a tabular benchmark over many seeds: the research harness."""

from __future__ import annotations

import functools
import time
from typing import Callable, Iterable

import numpy as np
from tqdm.auto import tqdm

from .._parallel import parallel_map
from ..driver import run_search
from ..hardware import TableProfiler
from ..strategies import Strategy, make_strategy
from ._nb201 import NB201Benchmark
from ._table_benchmark import TableBenchmark
from ._tables import DATASETS
from ._tnb101 import SPACES as TNB101_SPACES
from ._tnb101 import TASKS, TNB101Benchmark


def setup_on(spec: Strategy, benchmark: TableBenchmark, rng: np.random.Generator, budget: int,
             **context) -> Strategy:
    """``spec`` bound to ``benchmark``: its pool (the whole space) and, when the strategy weighs
    proxies (``spec.proxies``), the benchmark's values of those it has (see
    :meth:`TableBenchmark.available_proxies`).

    Parameters
    ----------
    spec : Strategy
        The unbound strategy.
    benchmark : TableBenchmark
        The benchmark whose space and pool the strategy searches.
    rng : numpy.random.Generator
        The only source of randomness of the bound strategy.
    budget : int
        The number of queries of the search.
    **context
        Further keyword arguments of :meth:`Strategy.setup`, such as ``costs`` and ``bounds``.

    Returns
    -------
    Strategy
        A copy of ``spec`` bound to the benchmark, ready to ``ask``.
    """
    context.update(pool=benchmark.pool, budget=budget)
    names = proxies_on(spec, benchmark)
    if names is not None:
        context.update(proxy_scores=benchmark.proxy_scorer(names).score(benchmark.pool), proxy_names=names)
    return spec.setup(benchmark.space, rng, **context)


def proxies_on(spec: Strategy, benchmark: TableBenchmark) -> tuple[str, ...] | None:
    """The proxies ``spec`` weighs on ``benchmark``; None for a strategy that weighs none."""
    return None if spec.proxies is None else benchmark.available_proxies(spec.proxies)


def resolve_strategy(strategy: str | Strategy, *, multi_objective: bool = False) -> tuple[str, Strategy]:
    """The name and the spec of a registered name, or of a spec (named by its class)."""
    if isinstance(strategy, Strategy):
        return type(strategy).__name__, strategy
    return strategy, make_strategy(strategy, multi_objective=multi_objective)


#: Benchmarks by their command-line name: the benchmark class and its arguments.
BENCHMARKS: dict[str, tuple[type, tuple]] = {
    **{f"nb201-{dataset}": (NB201Benchmark, (dataset,)) for dataset in DATASETS},
    **{f"tnb101-{space}-{task}": (TNB101Benchmark, (space, task)) for space in TNB101_SPACES for task in TASKS},
}


def make_benchmark(name: str, protocol: str = "paper") -> TableBenchmark:
    """The benchmark of a command-line name such as ``"nb201-cifar10"`` or ``"tnb101-micro-jigsaw"``.

    ``protocol`` is NAS-Bench-201's (``"paper"`` or ``"own"``); the other benchmarks have one.

    Parameters
    ----------
    name : str
        The command-line name of the benchmark, a key of ``BENCHMARKS``.
    protocol : {"paper", "own"}, default="paper"
        NAS-Bench-201's protocol; the other benchmarks take only ``"paper"``.

    Returns
    -------
    TableBenchmark
        The benchmark, read from the tables shipped with sknas.

    Raises
    ------
    ValueError
        If the name is unknown, or a benchmark other than NAS-Bench-201 is asked for with the
        protocol ``"own"``.
    """
    if name not in BENCHMARKS:
        raise ValueError(f"unknown benchmark {name!r}; use one of {', '.join(BENCHMARKS)}")
    cls, args = BENCHMARKS[name]
    if cls is NB201Benchmark:
        return cls(*args, protocol)
    if protocol != "paper":
        raise ValueError(f"the protocol {protocol!r} is NAS-Bench-201's; {name} has only one protocol")
    return cls(*args)


def run_one(
    strategy: str | Strategy, benchmark: TableBenchmark, budget: int, seed: int,
    profiler: TableProfiler | None = None, batch_size: int = 1,
) -> dict:
    """One search of ``budget`` queries with one seed, through the driver users run; the
    figures of DESIGN.md's ``runs``.

    The strategy asks ``batch_size`` architectures at a time. The record holds the
    architecture the run ends with (the best queried by the objective), its objective, its
    ``rank`` in the pool (1 = best), the benchmark's further figures of it (NAS-Bench-201's
    ``test_accuracy``), and after each query the best-so-far objective, rank and figures.
    With a ``profiler``, the run also reports the hardware costs of that architecture.

    Parameters
    ----------
    strategy : str or Strategy
        A registered strategy name, or an unbound strategy.
    benchmark : TableBenchmark
        The benchmark to search.
    budget : int
        The number of queries of the search.
    seed : int
        Seeds the random generator of the strategy.
    profiler : TableProfiler or None, default=None
        Reports the hardware costs of the architecture the run ends with; None reports none.
    batch_size : int, default=1
        The number of architectures the strategy is asked for at a time.

    Returns
    -------
    dict
        The record of the run: ``seed``, ``best_arch``, ``objective``, the benchmark's further
        figures, ``rank``, ``n_queries``, ``queries_to_best``, ``search_cost_s``, ``wall_s``, the
        ``best_so_far_*`` lists and, with a profiler, ``hardware``.
    """
    start = time.perf_counter()
    _, spec = resolve_strategy(strategy)
    searcher = setup_on(spec, benchmark, np.random.default_rng(seed), budget)
    history = run_search(searcher, benchmark.evaluator(), budget=budget, batch_size=batch_size)
    target = benchmark.objective(benchmark.best_objective_arch())
    metrics = benchmark.metric_names
    best_arch, best_objective, queries_to_best, cost = None, -np.inf, None, 0.0
    so_far: dict[str, list] = {key: [] for key in ("objective", "rank", *metrics)}
    for query, (arch, result) in enumerate(history, start=1):
        if not result.ok:
            continue
        cost += result.cost_s
        if result.objective > best_objective:
            best_arch, best_objective = arch, result.objective
        if queries_to_best is None and result.objective >= target:
            queries_to_best = query
        so_far["objective"].append(best_objective)
        so_far["rank"].append(benchmark.rank(best_arch))
        for name in metrics:
            so_far[name].append(benchmark.metric(name, best_arch))
    found = best_arch is not None
    record = {
        "seed": int(seed),
        "best_arch": str(best_arch) if found else None,
        "objective": float(best_objective) if found else None,
        **{name: benchmark.metric(name, best_arch) if found else None for name in metrics},
        "rank": benchmark.rank(best_arch) if found else None,
        "n_queries": len(history),
        "queries_to_best": queries_to_best,
        "search_cost_s": cost if benchmark.has_cost else None,
        "wall_s": time.perf_counter() - start,
        **{f"best_so_far_{key}": values for key, values in so_far.items()},
    }
    if profiler is not None and found:
        try:
            record["hardware"] = profiler.profile(best_arch)
        except KeyError:  # a user's table may not cover every cell: null, not a crash
            record["hardware"] = dict.fromkeys(profiler.columns)
    return record


def over_seeds(run_seed: Callable[[int], dict], seeds: list[int], n_jobs: int | None, desc: str,
               verbose: int = 0, on_run: Callable[[dict], None] | None = None) -> list[dict]:
    """``run_seed(seed)`` for every seed, in order, over ``n_jobs`` processes (each with its share
    of the cores for torch's threads), with a progress bar when ``verbose``; ``on_run(record)`` is
    called with each run as soon as it is there (in seed order), e.g. to save it."""
    runs = []
    for record in tqdm(parallel_map(run_seed, seeds, n_jobs), total=len(seeds), desc=desc, disable=verbose < 1):
        if on_run is not None:
            on_run(record)
        runs.append(record)
    return runs


def _statistics(values: list) -> dict:
    """Mean, std, min and max of the values that are not None (all None when there are none)."""
    values = np.array([v for v in values if v is not None], dtype=np.float64)
    if not len(values):
        return dict.fromkeys(("mean", "std", "min", "max"))
    return {"mean": float(values.mean()), "std": float(values.std()),
            "min": float(values.min()), "max": float(values.max())}


def _summary(runs: list[dict], metrics: tuple[str, ...]) -> dict:
    keys = ("objective", *metrics, "rank", "n_queries", "queries_to_best", "search_cost_s", "wall_s")
    summary = {key: _statistics([r[key] for r in runs]) for key in keys}
    summary["queries_to_best"]["found"] = sum(r["queries_to_best"] is not None for r in runs)
    columns = list(dict.fromkeys(c for r in runs for c in r.get("hardware", {})))
    if columns:
        summary["hardware"] = {
            column: _statistics([r.get("hardware", {}).get(column) for r in runs]) for column in columns
        }
    return summary


def run(
    strategy: str | Strategy,
    benchmark: TableBenchmark | str,
    budget: int | None = None,
    seeds: Iterable[int] = range(30),
    *,
    protocol: str = "paper",
    profiler: TableProfiler | None = None,
    batch_size: int = 1,
    n_jobs: int | None = None,
    verbose: int = 0,
    on_run: Callable[[dict], None] | None = None,
) -> dict:
    """Run ``strategy`` on ``benchmark`` once per seed; the JSON-ready record of DESIGN.md.

    Parameters
    ----------
    strategy : str or Strategy
        A name registered in :data:`sknas.strategies.STRATEGIES` (``"random"``,
        ``"evolution"``, ``"ponas"``...), or a strategy spec.
    benchmark : TableBenchmark or str
        A benchmark (:class:`NB201Benchmark`, :class:`TNB101Benchmark`, or any
        :class:`TableBenchmark`, e.g. from a CSV file), or the command-line name of a shipped
        one such as ``"nb201-cifar10"`` or ``"tnb101-macro-jigsaw"``.
    budget : int or None, default=None
        Queries per run; None takes the benchmark's ``default_budget`` (20 on NAS-Bench-201
        and tables, 100 on TransNAS-Bench-101, as its papers query).
    seeds : iterable of int, default=range(30)
        One run per seed; each seeds the strategy's generator.
    protocol : {"paper", "own"}, default="paper"
        NAS-Bench-201's protocol, used when ``benchmark`` is a name.
    profiler : TableProfiler or None, default=None
        Hardware costs to report for the cell each run ends with (``hardware`` in each run
        and in the summary), e.g. ``benchmark.profiler(["edgegpu_latency"])``.
    batch_size : int, default=1
        Architectures the strategy asks at once (one surrogate fit per batch).
    n_jobs : int or None, default=None
        Seeds run in parallel with joblib; None means 1.
    verbose : int, default=0
        1 shows a progress bar of the runs done.
    on_run : callable or None, default=None
        ``on_run(run)`` with each run's record as soon as it is done (in seed order), e.g.
        to save the runs of a long benchmark as they finish.

    Returns
    -------
    record : dict
        ``strategy``, ``benchmark``, ``dataset``, ``protocol`` (None but on NAS-Bench-201),
        ``budget``, ``batch_size``, ``proxies`` (those the strategy weighed, or None),
        ``proxy_source``, ``runs`` (one per seed: seed, best_arch, objective, the benchmark's
        figures such as test_accuracy, rank, n_queries, queries_to_best, search_cost_s (None
        when the table records no training time), wall_s, and best_so_far_objective,
        best_so_far_rank and best_so_far_<figure> after each successful query) and
        ``summary`` (mean, std, min and max of each figure; ``queries_to_best`` also counts
        the runs that ``found`` the pool's best architecture).

    Examples
    --------
    >>> from sknas.bench import run
    >>> record = run("random", "nb201-cifar10", budget=5, seeds=[0, 1])
    >>> [r["n_queries"] for r in record["runs"]]
    [5, 5]
    """
    name, spec = resolve_strategy(strategy)
    bench = make_benchmark(benchmark, protocol) if isinstance(benchmark, str) else benchmark
    budget = bench.default_budget if budget is None else budget
    if isinstance(budget, bool) or not isinstance(budget, (int, np.integer)) or budget < 1:
        raise ValueError(f"budget must be an integer >= 1, got {budget!r}")
    seeds = [int(s) for s in seeds]
    if not seeds:
        raise ValueError("no seeds given; pass at least one, e.g. seeds=range(30)")
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be an integer >= 1, got {batch_size!r}")
    runs = over_seeds(functools.partial(run_one, spec, bench, budget, profiler=profiler, batch_size=int(batch_size)),
                      seeds, n_jobs, f"{name} runs", verbose, on_run)
    proxies = proxies_on(spec, bench)
    return {
        "strategy": name,
        "benchmark": bench.name,
        "dataset": getattr(bench, "dataset", bench.name),
        "protocol": getattr(bench, "protocol", None),
        "budget": int(budget),
        "batch_size": int(batch_size),
        "proxies": None if proxies is None else list(proxies),
        "proxy_source": bench.proxy_source,
        "runs": runs,
        "summary": _summary(runs, bench.metric_names),
    }
