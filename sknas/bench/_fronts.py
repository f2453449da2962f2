"""Multi-objective runs on a tabular benchmark: accuracy against hardware costs, scored by hypervolume."""

from __future__ import annotations

import functools
import os
import time
from typing import Callable, Iterable, Sequence

import numpy as np

from ..driver import run_search
from ..hardware import TableProfiler, hypervolume_ratio, pareto_mask, reference_point
from ..strategies import Strategy
from ._nb201 import NB201Benchmark
from ._run import _statistics, make_benchmark, over_seeds, resolve_strategy, setup_on

Costs = Callable[[object], Sequence[float]]

#: Share of the true front's range added beyond its worst point to make the reference point.
REFERENCE_MARGIN = 0.1


def _cost_function(profiler: TableProfiler) -> Costs:
    return lambda arch: list(profiler.profile(arch).values())


def _feasible(points: np.ndarray, bounds: np.ndarray | None) -> np.ndarray:
    """Rows of ``(−objective, costs…)`` whose costs meet the bounds."""
    if bounds is None:
        return np.ones(len(points), dtype=bool)
    return (points[:, 1:] <= bounds).all(axis=1)


def true_front(benchmark: NB201Benchmark, profiler: TableProfiler, bounds=None) -> dict:
    """The benchmark pool's Pareto front of (−objective, costs) among the feasible cells, by enumeration.

    Parameters
    ----------
    benchmark : NB201Benchmark
        The benchmark whose pool is enumerated.
    profiler : TableProfiler
        Reports the hardware costs of each cell, the objectives after the accuracy.
    bounds : sequence of float or None, default=None
        An upper bound per cost; cells above it are infeasible and never on the front.

    Returns
    -------
    front : dict
        ``archs`` and ``points`` (rows ``(−objective, cost…)``) of the front, and the
        ``reference`` point of every hypervolume: the front's worst value of each objective
        plus ``REFERENCE_MARGIN`` of its range.

    Raises
    ------
    ValueError
        If no cell of the pool meets the bounds.
    """
    costs = _cost_function(profiler)
    points = np.array([[-benchmark.objective(a), *costs(a)] for a in benchmark.pool])
    bounds = None if bounds is None else np.asarray(bounds, dtype=np.float64)
    feasible = np.flatnonzero(_feasible(points, bounds))
    if not len(feasible):
        raise ValueError("no cell of the benchmark meets the bounds; loosen the constraints")
    on_front = feasible[pareto_mask(points[feasible])]
    front = points[on_front]
    reference = reference_point(front, REFERENCE_MARGIN)
    return {"archs": [benchmark.pool[i] for i in on_front], "points": front, "reference": reference}


def _usable(points: np.ndarray, bounds) -> np.ndarray:
    """Rows of evaluated ``points`` that trained and meet the bounds."""
    return np.isfinite(points).all(axis=1) & _feasible(points, None if bounds is None else np.asarray(bounds))


def _evaluated_front(points: np.ndarray, bounds) -> np.ndarray:
    """Rows of ``points`` on the front of the usable (trained, feasible) ones."""
    rows = np.flatnonzero(_usable(points, bounds))
    return rows[pareto_mask(points[rows])] if len(rows) else rows


def run_front_one(
    strategy: str | Strategy, benchmark: NB201Benchmark, budget: int, seed: int, profiler: TableProfiler,
    truth: dict, bounds=None, report_at: Sequence[int] = (), batch_size: int = 1,
) -> dict:
    """One multi-objective search; the evaluated front and its hypervolume ratio to ``truth``.

    ``report_at`` lists smaller query counts at which the ratio of the front found so far is
    also reported (``hypervolume_ratio_at``).
    """
    start = time.perf_counter()
    costs = _cost_function(profiler)
    _, spec = resolve_strategy(strategy, multi_objective=True)
    searcher = setup_on(spec, benchmark, np.random.default_rng(seed), budget, costs=costs, bounds=bounds)
    history = run_search(searcher, benchmark.evaluator(), budget=budget, batch_size=batch_size)
    archs = [arch for arch, _ in history]
    points = np.array([[-result.objective if result.ok else np.inf, *costs(arch)] for arch, result in history])

    def ratio(front_rows: np.ndarray) -> float:
        if not len(front_rows):
            return 0.0
        return hypervolume_ratio(points[front_rows], truth["points"], truth["reference"])

    front_rows = _evaluated_front(points, bounds)
    return {
        "seed": int(seed),
        "n_queries": len(archs),
        "n_feasible": int(_usable(points, bounds).sum()),
        "front": [[str(archs[i]), -float(points[i, 0]), *map(float, points[i, 1:])] for i in front_rows],
        "hypervolume_ratio": ratio(front_rows),
        "hypervolume_ratio_at": {
            str(q): ratio(_evaluated_front(points[:q], bounds)) for q in report_at if q < len(archs)
        },
        "wall_s": time.perf_counter() - start,
    }


def run_fronts(
    strategy: str | Strategy,
    benchmark: NB201Benchmark | str,
    columns: Sequence[str],
    budget: int = 100,
    seeds: Iterable[int] = range(10),
    *,
    bounds: Sequence[float] | None = None,
    protocol: str = "paper",
    profiler: TableProfiler | None = None,
    report_at: Sequence[int] = (),
    batch_size: int = 1,
    n_jobs: int | None = None,
    verbose: int = 0,
    on_run: Callable[[dict], None] | None = None,
) -> dict:
    """Run a multi-objective ``strategy`` once per seed: the queried objective against hardware ``columns``.

    Parameters
    ----------
    strategy : str or Strategy
        A name registered for multi-objective searches (``"random"``, ``"nsga2"``,
        ``"ponas"``: see :func:`sknas.strategies.strategy_names`), or a spec.
    benchmark : NB201Benchmark or str
    columns : sequence of str
        HW-NAS-Bench columns to minimise, e.g. ``["edgegpu_latency"]``.
    budget : int, default=100
    seeds : iterable of int, default=range(10)
    bounds : sequence of float or None, default=None
        An upper bound per column; cells above it are infeasible and never on a front.
    protocol : {"paper", "own"}, default="paper"
    profiler : TableProfiler or None, default=None
        Where the ``columns`` are read (e.g. a user's CSV keyed by ``arch_str``, whose
        columns must be ``columns``); None reads HW-NAS-Bench's table of the data set.
    report_at : sequence of int, default=()
        Smaller query counts at which each run also reports the ratio of the front found
        so far (``hypervolume_ratio_at``; the same as a run of that budget when the
        strategy does not depend on ``budget``, as no registered multi-objective strategy does on
        a benchmark).
    batch_size : int, default=1
        Cells the strategy asks at once.
    n_jobs : int or None, default=None
        Seeds run in parallel.
    verbose : int, default=0
    on_run : callable or None, default=None
        ``on_run(run)`` with each run's record as soon as it is done (in seed order).

    Returns
    -------
    record : dict
        ``strategy``, ``benchmark``, ``protocol``, ``budget``, ``objectives``, ``bounds``,
        ``true_front`` (arch, objective, costs), ``reference``, ``runs`` (seed, n_queries,
        n_feasible, front, hypervolume_ratio, hypervolume_ratio_at, wall_s) and ``summary``
        (statistics of ``hypervolume_ratio`` and ``wall_s``).

    Examples
    --------
    >>> from sknas.bench import run_fronts
    >>> record = run_fronts("nsga2", "nb201-cifar10", ["edgegpu_latency"], budget=20, seeds=[0])
    >>> 0 < record["runs"][0]["hypervolume_ratio"] <= 1
    True
    """
    name, spec = resolve_strategy(strategy, multi_objective=True)
    bench = make_benchmark(benchmark, protocol) if isinstance(benchmark, str) else benchmark
    if profiler is None:
        if not hasattr(bench, "profiler"):
            raise ValueError(f"the benchmark {bench.name!r} ships no hardware table; pass "
                             "profiler=sknas.hardware.TableProfiler(CSV keyed by its architecture strings)")
        profiler = bench.profiler(list(columns))
    elif list(profiler.columns) != list(columns):
        raise ValueError(f"the profiler reports {list(profiler.columns)}, not the columns {list(columns)}")
    truth = true_front(bench, profiler, bounds)
    seeds = [int(s) for s in seeds]
    run_seed = functools.partial(run_front_one, spec, bench, budget, profiler=profiler, truth=truth,
                                 bounds=bounds, report_at=tuple(int(q) for q in report_at),
                                 batch_size=int(batch_size))
    runs = over_seeds(run_seed, seeds, n_jobs, f"{name} fronts", verbose, on_run)
    return {
        "strategy": name,
        "benchmark": getattr(bench, "dataset", bench.name),
        "protocol": getattr(bench, "protocol", None),
        "budget": int(budget),
        "objectives": ["accuracy", *columns],
        "bounds": None if bounds is None else [float(b) for b in bounds],
        "true_front": [[str(a), -float(p[0]), *map(float, p[1:])] for a, p in zip(truth["archs"], truth["points"])],
        "reference": truth["reference"].tolist(),
        "runs": runs,
        "summary": {key: _statistics([r[key] for r in runs]) for key in ("hypervolume_ratio", "wall_s")},
    }


def plot_fronts(records: Sequence[dict], path: str | os.PathLike | None = None, seed: int | None = None):
    """Plot the true front and each record's evaluated front of one seed (2 objectives).

    Parameters
    ----------
    records : sequence of dict
        Records of :func:`run_fronts` on the same benchmark and columns.
    path : str or path-like or None, default=None
        Where to save the figure; None only returns it.
    seed : int or None, default=None
        The run to draw; None takes each record's first.

    Returns
    -------
    figure : matplotlib.figure.Figure
        The figure: the queried objective against the first cost, the true front as a step
        line and each record's front as points.
    """
    import matplotlib.pyplot as plt

    figure, ax = plt.subplots(figsize=(6, 4.5))
    true = np.array([row[1:3] for row in records[0]["true_front"]])
    order = np.argsort(true[:, 1])
    ax.step(true[order, 1], true[order, 0], where="post", color="black", label="true front")
    for record in records:
        run = next(r for r in record["runs"] if seed is None or r["seed"] == seed)
        front = np.array([row[1:3] for row in run["front"]]).reshape(-1, 2)
        ax.scatter(front[:, 1], front[:, 0], s=20,
                   label=f"{record['strategy']} (HV ratio {run['hypervolume_ratio']:.3f})")
    ax.set_xlabel(records[0]["objectives"][1])
    ax.set_ylabel("queried objective (validation accuracy, %)")
    ax.set_title(f"{records[0]['benchmark']}, budget {records[0]['budget']}, seed {run['seed']}")
    ax.legend(loc="lower right")
    figure.tight_layout()
    if path is not None:
        figure.savefig(path, dpi=120)
    return figure
