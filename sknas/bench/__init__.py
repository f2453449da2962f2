"""Tabular benchmarks: NAS-Bench-201 (with NAS-Bench-Suite-Zero's proxies) inside the package.

A benchmark plugs into the same ask → evaluate → tell loop as real training: its evaluator
looks the objective up, its proxy scorer reads the published proxy values. ``run`` compares
strategies over many seeds; ``python -m sknas bench`` is its command line. The tables and
their provenance are in ``sknas/bench/data`` (see ``SOURCES.md`` there).
"""

from ._fronts import FRONT_STRATEGIES, plot_fronts, run_fronts, true_front
from ._nb201 import PROTOCOLS, NB201Benchmark, PoolSpace, TableProxyScorer, TabularEvaluator
from ._report import PUBLISHED, markdown_table, plot_best_so_far, published_table
from ._run import BENCHMARKS, STRATEGIES, make_benchmark, run, run_one
from ._tables import DATASETS, read_table

__all__ = [
    "BENCHMARKS",
    "DATASETS",
    "FRONT_STRATEGIES",
    "NB201Benchmark",
    "PROTOCOLS",
    "PUBLISHED",
    "PoolSpace",
    "STRATEGIES",
    "TableProxyScorer",
    "TabularEvaluator",
    "make_benchmark",
    "markdown_table",
    "plot_best_so_far",
    "plot_fronts",
    "published_table",
    "read_table",
    "run",
    "run_fronts",
    "run_one",
    "true_front",
]
