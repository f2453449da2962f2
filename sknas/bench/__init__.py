"""Tabular benchmarks: NAS-Bench-201 and TransNAS-Bench-101 (with NAS-Bench-Suite-Zero's proxies)
inside the package, and any table a researcher brings (:meth:`TableBenchmark.from_csv`).

A benchmark plugs into the same ask → evaluate → tell loop as real training: its evaluator
looks the objective up, its proxy scorer reads the published proxy values. ``run`` compares
strategies over many seeds through the driver users run (:func:`sknas.driver.run_search`);
``python -m sknas bench`` is its command line. The tables and their provenance are in
``sknas/bench/data`` (see ``SOURCES.md`` there).
"""

from ._fronts import plot_fronts, run_fronts, true_front
from ._nb201 import PROTOCOLS, NB201Benchmark
from ._report import (
    PUBLISHED,
    PUBLISHED_TNB101_RANKS,
    markdown_table,
    plot_best_so_far,
    published_ranks,
    published_ranks_table,
    published_table,
)
from ._run import BENCHMARKS, make_benchmark, run, run_one, setup_on
from ._table_benchmark import TableBenchmark
from ._table_parts import PoolSpace, TableProxyScorer, TabularEvaluator
from ._tables import DATASETS, read_table
from ._tnb101 import TASKS as TNB101_TASKS
from ._tnb101 import TNB101Benchmark

__all__ = [
    "BENCHMARKS",
    "DATASETS",
    "NB201Benchmark",
    "PROTOCOLS",
    "PUBLISHED",
    "PUBLISHED_TNB101_RANKS",
    "PoolSpace",
    "TNB101Benchmark",
    "TNB101_TASKS",
    "TableBenchmark",
    "TableProxyScorer",
    "TabularEvaluator",
    "make_benchmark",
    "markdown_table",
    "plot_best_so_far",
    "plot_fronts",
    "published_ranks",
    "published_ranks_table",
    "published_table",
    "read_table",
    "run",
    "run_fronts",
    "run_one",
    "setup_on",
    "true_front",
]
