"""``flops`` (NAS-Bench-Suite-Zero): floating-point operations of one forward pass, in millions."""

from __future__ import annotations

import copy
import math
from typing import Sequence

import torch
from torch import nn

from ._base import ACTIVATIONS, NORMALISATIONS, register

_POOLS = (nn.modules.pooling._AvgPoolNd, nn.modules.pooling._MaxPoolNd)
_ADAPTIVE_POOLS = (nn.modules.pooling._AdaptiveAvgPoolNd, nn.modules.pooling._AdaptiveMaxPoolNd)


def _module_flops(module: nn.Module, inputs: torch.Tensor, output: torch.Tensor) -> int:
    """Operations of one call, counted as NAS-Bench-201's profiler does (one per multiply-add)."""
    if isinstance(module, nn.modules.conv._ConvNd):
        positions = output[0, 0].numel()
        bias = module.out_channels * positions if module.bias is not None else 0
        return module.weight.numel() * positions + bias
    if isinstance(module, nn.Linear):
        rows = output[0].numel() // module.out_features
        bias = module.out_features if module.bias is not None else 0
        return rows * (module.in_features * module.out_features + bias)
    if isinstance(module, NORMALISATIONS):
        affine = getattr(module, "affine", False) or getattr(module, "elementwise_affine", False)
        return inputs[0].numel() * (2 if affine else 1)
    if isinstance(module, ACTIVATIONS):
        return inputs[0].numel()
    if isinstance(module, _POOLS):
        kernel = module.kernel_size
        kernel_size = math.prod(kernel) if isinstance(kernel, tuple) else kernel ** (output.dim() - 2)
        return kernel_size * output[0].numel()
    if isinstance(module, _ADAPTIVE_POOLS):
        return inputs[0].numel()
    return 0


def count_flops(module: nn.Module, input_shape: Sequence[int]) -> int:
    """Floating-point operations of ``module`` on one input of ``input_shape`` (no batch axis).

    Counts a multiply-add as one operation for convolutions and linear layers (plus their
    biases), two per element for affine normalisation, one per element for activations and
    adaptive pooling, and the kernel size per output of pooling. On NAS-Bench-201 cells this
    reproduces NAS-Bench-Suite-Zero's ``flops`` column up to a constant 1,078 operations.

    Parameters
    ----------
    module : torch.nn.Module
        The network; a copy in eval mode is run, so the network itself is not modified.
    input_shape : sequence of int
        The shape of one input sample, without the batch axis (e.g. ``(3, 32, 32)``).

    Returns
    -------
    flops : int
        The operations of one forward pass on one sample.

    Examples
    --------
    >>> from torch import nn
    >>> count_flops(nn.Linear(10, 4), (10,))
    44
    """
    total = 0

    def hook(m, args, output):
        nonlocal total
        total += _module_flops(m, args[0], output)

    net = copy.deepcopy(module).eval()
    handles = [m.register_forward_hook(hook) for m in net.modules()]
    try:
        device = next(net.parameters(), torch.empty(0)).device
        with torch.no_grad():
            net(torch.zeros((1, *input_shape), device=device))
    finally:
        for handle in handles:
            handle.remove()
    return total


@register("flops", "forward-pass floating-point operations for one sample, in millions")
def flops(context) -> float:
    """Operations of one forward pass of one sample, in millions (see :func:`count_flops`)."""
    return count_flops(context.module, tuple(context.X.shape[1:])) / 1e6
