"""Hardware costs of architectures (parameters, FLOPs, latency, energy) and Pareto fronts."""

from ._pareto import hypervolume, hypervolume_improvement, hypervolume_ratio, pareto_mask, reference_point
from ._profilers import METRICS, NetworkProfiler, count_params, measure_latency
from ._table import TableProfiler

__all__ = [
    "METRICS",
    "NetworkProfiler",
    "TableProfiler",
    "count_params",
    "hypervolume",
    "hypervolume_improvement",
    "hypervolume_ratio",
    "measure_latency",
    "pareto_mask",
    "reference_point",
]
