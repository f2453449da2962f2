"""Hardware costs of built networks: parameters, FLOPs, and latency measured on this machine."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
from torch import nn
from torch.utils import benchmark

from ..evaluation._training import build_network, resolve_device
from ..proxies import count_flops
from ..spaces import Architecture, SearchSpace

#: What ``NetworkProfiler`` measures: trainable parameters and operations of one forward pass
#: of one sample (counts, not millions), and the median forward latency in milliseconds.
METRICS = ("params", "flops", "latency_ms")


def count_params(module: nn.Module) -> int:
    """Trainable parameters of ``module``.

    Parameters
    ----------
    module : torch.nn.Module
        The network.

    Returns
    -------
    n_params : int
        The number of elements of its parameters that require gradients.

    Examples
    --------
    >>> from torch import nn
    >>> count_params(nn.Linear(10, 4))
    44
    """
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


def measure_latency(
    module: nn.Module,
    input_shape: Sequence[int],
    *,
    batch_size: int = 1,
    device: str | torch.device = "cpu",
    warmup: int = 10,
    repeats: int = 20,
    number: int = 5,
) -> float:
    """Median wall time of one forward pass of ``module`` in eval mode, in milliseconds.

    ``warmup`` passes run first and are not timed; then ``repeats`` measurements, each the
    mean of ``number`` passes, are taken with ``torch.utils.benchmark.Timer`` (which
    synchronises CUDA and uses the current number of torch threads); the median is returned.

    Parameters
    ----------
    module : torch.nn.Module
    input_shape : tuple of int
        Shape of one sample (no batch axis).
    batch_size : int, default=1
    device : str or torch.device, default="cpu"
    warmup, repeats, number : int, default=10, 20, 5

    Examples
    --------
    >>> from torch import nn
    >>> measure_latency(nn.Linear(10, 4), (10,), repeats=3) > 0
    True
    """
    for name, value in (("batch_size", batch_size), ("repeats", repeats), ("number", number)):
        if not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
    device = resolve_device(device)
    module = module.to(device).eval()
    x = torch.randn((batch_size, *input_shape), device=device)
    timer = benchmark.Timer(stmt="module(x)", globals={"module": module, "x": x},
                            num_threads=torch.get_num_threads())
    with torch.no_grad():
        for _ in range(warmup):
            module(x)
        times = [timer.timeit(number).mean for _ in range(repeats)]
    return 1000.0 * float(np.median(times))


class NetworkProfiler:
    """Costs of architectures as built for a task: parameters, FLOPs, latency on this machine.

    Each architecture is built as the search builds it (``space.build`` with the input shape
    and output size of the task), so its costs are those of the network a search would train.

    Parameters
    ----------
    space : SearchSpace
    input_shape : tuple of int
        Shape of one sample, e.g. ``(1, 8, 8)`` or ``(64,)``.
    n_outputs : int
        Classes, or targets.
    metrics : sequence of {"params", "flops", "latency_ms"}, default=METRICS
        What ``profile`` reports.
    batch_size : int, default=1
        Samples per timed forward pass.
    device : str, default="cpu"
        Where latency is measured (``"cpu"``, ``"cuda"``, ``"auto"``).
    warmup, repeats, number : int, default=10, 20, 5
        See :func:`measure_latency`.
    seed : int, default=0
        Seeds the weights of each built network.

    Examples
    --------
    >>> from sknas.spaces import MLPSpace
    >>> from sknas.hardware import NetworkProfiler
    >>> space = MLPSpace()
    >>> profiler = NetworkProfiler(space, (10,), 3, metrics=("params", "flops"))
    >>> profiler.profile(space.parse("mlp:64,relu,dropout=0,norm=none"))
    {'params': 932.0, 'flops': 996.0}
    """

    def __init__(
        self,
        space: SearchSpace,
        input_shape: Sequence[int],
        n_outputs: int,
        metrics: Sequence[str] = METRICS,
        *,
        batch_size: int = 1,
        device: str = "cpu",
        warmup: int = 10,
        repeats: int = 20,
        number: int = 5,
        seed: int = 0,
    ):
        unknown = [m for m in metrics if m not in METRICS]
        if unknown or not metrics:
            raise ValueError(f"unknown metrics {unknown}; choose from {', '.join(METRICS)}")
        self.space = space
        self.input_shape = tuple(int(s) for s in input_shape)
        self.n_outputs = int(n_outputs)
        self.columns = tuple(metrics)
        self.latency = dict(batch_size=batch_size, device=resolve_device(device), warmup=warmup,
                            repeats=repeats, number=number)
        self.seed = int(seed)

    def profile(self, arch: Architecture) -> dict[str, float]:
        """The costs of ``arch``, in the order of ``columns``.

        Parameters
        ----------
        arch : Architecture
            An architecture of ``space``; it is built (with the weights ``seed`` gives) and measured.

        Returns
        -------
        costs : dict of str to float
            One entry per metric of ``columns``: ``params`` and ``flops`` as counts,
            ``latency_ms`` in milliseconds.
        """
        module = build_network(self.space, arch, self.input_shape, self.n_outputs, self.seed)
        costs: dict[str, float] = {}
        for metric in self.columns:
            if metric == "params":
                costs[metric] = float(count_params(module))
            elif metric == "flops":
                costs[metric] = float(count_flops(module, self.input_shape))
            else:
                costs[metric] = measure_latency(module, self.input_shape, **self.latency)
        return costs
