"""Hardware costs of architectures: parameters, FLOPs, latency, energy."""

from ._profilers import METRICS, NetworkProfiler, count_params, measure_latency
from ._table import TableProfiler

__all__ = ["METRICS", "NetworkProfiler", "TableProfiler", "count_params", "measure_latency"]
