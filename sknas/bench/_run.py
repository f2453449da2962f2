"""Running a strategy on a tabular benchmark over many seeds: the research harness."""

from __future__ import annotations

import functools
import os
import time
from typing import Callable, Iterable

import joblib
import numpy as np
import torch
from tqdm.auto import tqdm

from ..proxies import PONAS_PROXIES, ZERO_COST_PROXIES, available_proxies, combine_scores
from ..strategies import (
    BayesianOptimisation,
    EvolvedProxyRanking,
    PONAS,
    RandomStrategy,
    RegularizedEvolution,
    Reinforce,
    RoBoT,
    Strategy,
    ZeroCostRanking,
)
from ..hardware import TableProfiler
from ._nb201 import NB201Benchmark


def _zero_cost(benchmark: NB201Benchmark, rng: np.random.Generator, budget: int) -> Strategy:
    scores = benchmark.proxy_scorer(ZERO_COST_PROXIES).score(benchmark.pool)
    return ZeroCostRanking(benchmark.space, rng, benchmark.pool, combine_scores(scores))


def _evolved_proxy(benchmark: NB201Benchmark, rng: np.random.Generator, budget: int) -> Strategy:
    names = available_proxies()
    scores = benchmark.proxy_scorer(names).score(benchmark.pool)
    # half the budget trains random cells to evolve the proxy on, half follows its ranking
    return EvolvedProxyRanking(benchmark.space, rng, benchmark.pool, scores, names, n_warmup=budget // 2)


def _robot(benchmark: NB201Benchmark, rng: np.random.Generator, budget: int) -> Strategy:
    scores = benchmark.proxy_scorer(PONAS_PROXIES).score(benchmark.pool)
    return RoBoT(benchmark.space, rng, benchmark.pool, scores, n_bo_steps=budget)


def _ponas(**options) -> Callable[[NB201Benchmark, np.random.Generator, int], Strategy]:
    def factory(benchmark: NB201Benchmark, rng: np.random.Generator, budget: int) -> Strategy:
        scores = benchmark.proxy_scorer(PONAS_PROXIES).score(benchmark.pool)
        return PONAS(benchmark.space, rng, benchmark.pool, scores, budget=budget, **options)

    return factory


#: Strategies by their command-line name: ``factory(benchmark, rng, budget) -> Strategy``.
STRATEGIES: dict[str, Callable[[NB201Benchmark, np.random.Generator, int], Strategy]] = {
    "random": lambda benchmark, rng, budget: RandomStrategy(benchmark.space, rng),
    # population 10, tournament 5: the setting of the published NAS-Bench-201 runs
    "evolution": lambda benchmark, rng, budget: RegularizedEvolution(benchmark.space, rng, 10, 5),
    "reinforce": lambda benchmark, rng, budget: Reinforce(benchmark.space, rng),
    "zero-cost": _zero_cost,
    "robot": _robot,
    "bo": lambda benchmark, rng, budget: BayesianOptimisation(benchmark.space, rng, pool=benchmark.pool),
    "evolved-proxy": _evolved_proxy,
    "ponas": _ponas(),
    # variants of PO-NAS (greedy by default): local steps from the 11th query, a GP with log-EI
    # or UCB, one global weighting, no pre-training, the reference's start (best mean proxies)
    "ponas-local": _ponas(local_from=10),
    "ponas-ei": _ponas(acquisition="ei"),
    "ponas-ucb": _ponas(acquisition="ucb"),
    "ponas-global": _ponas(per_architecture=False),
    "ponas-no-pretrain": _ponas(pretrain=False),
    "ponas-mean-start": _ponas(start="mean"),
}

#: Benchmarks by their command-line name.
BENCHMARKS = {
    "nb201-cifar10": "cifar10",
    "nb201-cifar100": "cifar100",
    "nb201-ImageNet16-120": "ImageNet16-120",
}


def make_benchmark(name: str, protocol: str = "paper") -> NB201Benchmark:
    """The benchmark of a command-line name such as ``"nb201-cifar10"``."""
    if name not in BENCHMARKS:
        raise ValueError(f"unknown benchmark {name!r}; use one of {', '.join(BENCHMARKS)}")
    return NB201Benchmark(BENCHMARKS[name], protocol)


def run_one(
    strategy: str, benchmark: NB201Benchmark, budget: int, seed: int, profiler: TableProfiler | None = None
) -> dict:
    """One search of ``budget`` queries with one seed; the figures of DESIGN.md's ``runs``.

    With a ``profiler``, the run also reports the hardware costs of the cell it ends with.
    """
    start = time.perf_counter()
    searcher = STRATEGIES[strategy](benchmark, np.random.default_rng(seed), budget)
    evaluator = benchmark.evaluator()
    target = benchmark.objective(benchmark.best_objective_arch())
    queried: list = []
    best_arch, best_objective, queries_to_best, cost = None, -np.inf, None, 0.0
    best_so_far: list[float] = []
    while len(queried) < budget:
        archs = searcher.ask(1)
        if not archs:
            break  # the pool is exhausted
        results = [evaluator.evaluate(arch) for arch in archs]
        searcher.tell(archs, results)
        for arch, result in zip(archs, results):
            queried.append(arch)
            if not result.ok:
                continue
            cost += result.cost_s
            if result.objective > best_objective:
                best_arch, best_objective = arch, result.objective
            if queries_to_best is None and result.objective >= target:
                queries_to_best = len(queried)
            best_so_far.append(benchmark.test_accuracy(best_arch))
    record = {
        "seed": int(seed),
        "best_arch": str(best_arch) if best_arch is not None else None,
        "objective": float(best_objective) if best_arch is not None else None,
        "test_accuracy": benchmark.test_accuracy(best_arch) if best_arch is not None else None,
        "n_queries": len(queried),
        "queries_to_best": queries_to_best,
        "search_cost_s": cost,
        "wall_s": time.perf_counter() - start,
        "best_so_far_test_accuracy": best_so_far,
    }
    if profiler is not None and best_arch is not None:
        try:
            record["hardware"] = profiler.profile(best_arch)
        except KeyError:  # a user's table may not cover every cell: null, not a crash
            record["hardware"] = dict.fromkeys(profiler.columns)
    return record


def _with_threads(threads: int, function: Callable[[int], dict], seed: int) -> dict:
    torch.set_num_threads(threads)
    return function(seed)


def over_seeds(run_seed: Callable[[int], dict], seeds: list[int], n_jobs: int | None, desc: str,
               verbose: int = 0) -> list[dict]:
    """``run_seed(seed)`` for every seed, in order; over ``n_jobs`` processes, each with its share
    of the cores for torch's threads, and a progress bar when ``verbose``."""
    workers = joblib.effective_n_jobs(n_jobs)
    if workers == 1:
        results = (run_seed(seed) for seed in seeds)
    else:
        threads = max(1, (os.cpu_count() or 1) // workers)  # so torch does not oversubscribe the cores
        results = joblib.Parallel(n_jobs=n_jobs, return_as="generator")(
            joblib.delayed(_with_threads)(threads, run_seed, seed) for seed in seeds)
    return list(tqdm(results, total=len(seeds), desc=desc, disable=verbose < 1))


def _statistics(values: list) -> dict:
    """Mean, std, min and max of the values that are not None (all None when there are none)."""
    values = np.array([v for v in values if v is not None], dtype=np.float64)
    if not len(values):
        return dict.fromkeys(("mean", "std", "min", "max"))
    return {"mean": float(values.mean()), "std": float(values.std()),
            "min": float(values.min()), "max": float(values.max())}


def _summary(runs: list[dict]) -> dict:
    keys = ("objective", "test_accuracy", "n_queries", "queries_to_best", "search_cost_s", "wall_s")
    summary = {key: _statistics([r[key] for r in runs]) for key in keys}
    summary["queries_to_best"]["found"] = sum(r["queries_to_best"] is not None for r in runs)
    columns = list(dict.fromkeys(c for r in runs for c in r.get("hardware", {})))
    if columns:
        summary["hardware"] = {
            column: _statistics([r.get("hardware", {}).get(column) for r in runs]) for column in columns
        }
    return summary


def run(
    strategy: str,
    benchmark: NB201Benchmark | str,
    budget: int = 20,
    seeds: Iterable[int] = range(30),
    *,
    protocol: str = "paper",
    profiler: TableProfiler | None = None,
    n_jobs: int | None = None,
    verbose: int = 0,
) -> dict:
    """Run ``strategy`` on ``benchmark`` once per seed; the JSON-ready record of DESIGN.md.

    Parameters
    ----------
    strategy : str
        A name of :data:`STRATEGIES` (``"random"``, ``"evolution"``, ``"zero-cost"``).
    benchmark : NB201Benchmark or str
        A benchmark, or its command-line name such as ``"nb201-cifar10"``.
    budget : int, default=20
        Queries per run.
    seeds : iterable of int, default=range(30)
        One run per seed; each seeds the strategy's generator.
    protocol : {"paper", "own"}, default="paper"
        Used when ``benchmark`` is a name.
    profiler : TableProfiler or None, default=None
        Hardware costs to report for the cell each run ends with (``hardware`` in each run
        and in the summary), e.g. ``benchmark.profiler(["edgegpu_latency"])``.
    n_jobs : int or None, default=None
        Seeds run in parallel with joblib; None means 1.
    verbose : int, default=0
        1 shows a progress bar of the runs done.

    Returns
    -------
    record : dict
        ``strategy``, ``benchmark``, ``dataset``, ``protocol``, ``budget``, ``proxy_source``,
        ``runs`` (one per seed: seed, best_arch, objective, test_accuracy, n_queries,
        queries_to_best, search_cost_s, wall_s, best_so_far_test_accuracy) and ``summary``
        (mean, std, min and max of each figure; ``queries_to_best`` also counts the runs
        that ``found`` the pool's best cell).

    Examples
    --------
    >>> from sknas.bench import run
    >>> record = run("random", "nb201-cifar10", budget=5, seeds=[0, 1])
    >>> [r["n_queries"] for r in record["runs"]]
    [5, 5]
    """
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown strategy {strategy!r}; use one of {', '.join(STRATEGIES)}")
    if isinstance(budget, bool) or not isinstance(budget, (int, np.integer)) or budget < 1:
        raise ValueError(f"budget must be an integer >= 1, got {budget!r}")
    bench = make_benchmark(benchmark, protocol) if isinstance(benchmark, str) else benchmark
    seeds = [int(s) for s in seeds]
    if not seeds:
        raise ValueError("no seeds given; pass at least one, e.g. seeds=range(30)")
    runs = over_seeds(functools.partial(run_one, strategy, bench, budget, profiler=profiler), seeds, n_jobs,
                      f"{strategy} runs", verbose)
    name = next((k for k, v in BENCHMARKS.items() if v == bench.dataset), bench.dataset)
    return {
        "strategy": strategy,
        "benchmark": name,
        "dataset": bench.dataset,
        "protocol": bench.protocol,
        "budget": int(budget),
        "proxy_source": bench.proxy_source,
        "runs": runs,
        "summary": _summary(runs),
    }
