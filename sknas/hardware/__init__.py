"""Hardware costs of architectures: parameters, FLOPs, latency, energy."""

from ._table import TableProfiler

__all__ = ["TableProfiler"]
