"""The DARTS evaluation network as torch modules.

Layer for layer the network of Liu, Simonyan & Yang (ICLR 2019) that trains a searched genotype:
a 3x3 conv stem with ``3 * channels`` outputs, ``layers`` cells of which those at ``layers // 3``
and ``2 * layers // 3`` are reduction cells (stride 2, channels doubled), global average pooling
and a linear head; an optional auxiliary head after the second reduction, and drop-path on every
operation but the identity. Each cell preprocesses its two inputs to ``C`` channels (a
factorised reduction for an input one reduction behind), sums two operations per intermediate
node and concatenates its four intermediate nodes. With DARTS V2, 36 channels, 20 layers and 10
classes on 3x32x32 images the parameter count (auxiliary head excluded) is DARTS's 3.35 M.

Unlike the original it accepts any channel count and any image of at least 8x8 pixels: the
factorised reduction pads its shifted branch, so odd sizes line up with the strided operations
(both round up), and the auxiliary head pools adaptively to 2x2 instead of assuming 8x8.
"""

from __future__ import annotations

from typing import Sequence

import torch
from torch import nn

from ._cell_network import ReLUConvBN
from ._tnb101_network import FactorizedReduce

#: The operations of the DARTS space, numbered 1..7 in PO-NAS's genotype matrix.
DARTS_OPS = (
    "max_pool_3x3",
    "avg_pool_3x3",
    "skip_connect",
    "sep_conv_3x3",
    "sep_conv_5x5",
    "dil_conv_3x3",
    "dil_conv_5x5",
)


class DilConv(nn.Sequential):
    """ReLU, a dilated depthwise convolution, a pointwise convolution, batch normalisation."""

    def __init__(self, channels: int, kernel_size: int, stride: int, padding: int, dilation: int):
        super().__init__(
            nn.ReLU(inplace=False),
            nn.Conv2d(channels, channels, kernel_size, stride=stride, padding=padding,
                      dilation=dilation, groups=channels, bias=False),
            nn.Conv2d(channels, channels, 1, bias=False),
            nn.BatchNorm2d(channels),
        )


class SepConv(nn.Sequential):
    """Two depthwise-separable convolutions in a row (the first one strided), DARTS's ``sep_conv``."""

    def __init__(self, channels: int, kernel_size: int, stride: int, padding: int):
        super().__init__(
            DilConv(channels, kernel_size, stride, padding, dilation=1),
            DilConv(channels, kernel_size, 1, padding, dilation=1),
        )


def make_darts_op(name: str, channels: int, stride: int) -> nn.Module:
    """The module of one DARTS operation on ``channels`` channels."""
    if name == "max_pool_3x3":
        return nn.MaxPool2d(3, stride=stride, padding=1)
    if name == "avg_pool_3x3":
        return nn.AvgPool2d(3, stride=stride, padding=1, count_include_pad=False)
    if name == "skip_connect":
        return nn.Identity() if stride == 1 else FactorizedReduce(channels, channels, 2)
    if name in ("sep_conv_3x3", "sep_conv_5x5"):
        k = int(name[-1])
        return SepConv(channels, k, stride, k // 2)
    if name in ("dil_conv_3x3", "dil_conv_5x5"):
        k = int(name[-1])
        return DilConv(channels, k, stride, padding=k - 1, dilation=2)
    raise ValueError(f"unknown DARTS operation {name!r}; expected one of {', '.join(DARTS_OPS)}")


def drop_path(x: torch.Tensor, drop_prob: float) -> torch.Tensor:
    """Zero whole samples with probability ``drop_prob`` and rescale the rest (DARTS's drop-path)."""
    keep = 1.0 - drop_prob
    mask = torch.empty(x.shape[0], 1, 1, 1, device=x.device, dtype=x.dtype).bernoulli_(keep)
    return x / keep * mask


class DartsCell(nn.Module):
    """One cell: four intermediate nodes, each the sum of two operations on earlier nodes.

    ``edges`` holds ``(op, input)`` for the two inputs of each node in turn (inputs 0 and 1 are
    the outputs of the two previous cells); the output concatenates the four intermediate nodes.
    """

    def __init__(self, edges: Sequence[tuple[str, int]], c_prev_prev: int, c_prev: int, channels: int,
                 reduction: bool, reduction_prev: bool):
        super().__init__()
        if reduction_prev:
            self.preprocess0: nn.Module = FactorizedReduce(c_prev_prev, channels, 2)
        else:
            self.preprocess0 = ReLUConvBN(c_prev_prev, channels, 1, 1, 0)
        self.preprocess1 = ReLUConvBN(c_prev, channels, 1, 1, 0)
        self.inputs = [int(i) for _, i in edges]
        self.ops = nn.ModuleList(
            make_darts_op(op, channels, 2 if reduction and i < 2 else 1) for op, i in edges
        )
        self.n_nodes = len(self.ops) // 2

    def forward(self, s0: torch.Tensor, s1: torch.Tensor, drop_prob: float) -> torch.Tensor:
        states = [self.preprocess0(s0), self.preprocess1(s1)]
        for node in range(self.n_nodes):
            total = 0
            for k in (2 * node, 2 * node + 1):
                op = self.ops[k]
                h = op(states[self.inputs[k]])
                if self.training and drop_prob > 0.0 and not isinstance(op, nn.Identity):
                    h = drop_path(h, drop_prob)
                total = total + h
            states.append(total)
        return torch.cat(states[2:], dim=1)


class AuxiliaryHead(nn.Module):
    """DARTS's auxiliary classifier, pooling adaptively to 2x2 so any resolution works."""

    def __init__(self, channels: int, n_outputs: int):
        super().__init__()
        self.features = nn.Sequential(
            nn.ReLU(inplace=False),
            nn.AdaptiveAvgPool2d(2),
            nn.Conv2d(channels, 128, 1, bias=False),
            nn.BatchNorm2d(128),
            nn.ReLU(inplace=False),
            nn.Conv2d(128, 768, 2, bias=False),
            nn.BatchNorm2d(768),
            nn.ReLU(inplace=False),
        )
        self.classifier = nn.Linear(768, n_outputs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x).flatten(1))


class DartsNetwork(nn.Module):
    """The DARTS network of a genotype (see the module docstring).

    Parameters
    ----------
    normal, reduce : sequence of (str, int)
        The ``(op, input)`` pairs of the normal and the reduction cell, two per node.
    in_channels, n_outputs : int
        Image channels and output logits.
    channels : int
        ``C`` of the first cells; each reduction doubles it.
    layers : int
        Number of cells.
    auxiliary_weight : float
        When positive, an auxiliary head after the second reduction cell; in training mode the
        network keeps its logits in ``auxiliary_output`` and the training loop adds their loss
        times this weight (DARTS uses 0.4).
    drop_path : float
        The final drop-path probability; it grows linearly from 0 over training (the training
        loop calls :meth:`set_training_progress`).
    """

    def __init__(self, normal, reduce, in_channels: int, n_outputs: int, channels: int, layers: int,
                 auxiliary_weight: float = 0.0, drop_path: float = 0.0):
        super().__init__()
        c_curr = 3 * channels
        self.stem = nn.Sequential(nn.Conv2d(in_channels, c_curr, 3, padding=1, bias=False), nn.BatchNorm2d(c_curr))
        c_prev_prev, c_prev, c_curr = c_curr, c_curr, channels
        self.cells = nn.ModuleList()
        reduction_prev = False
        reductions = (layers // 3, 2 * layers // 3)
        self.auxiliary_after = reductions[1] if auxiliary_weight > 0 else -1
        c_auxiliary = 0
        for i in range(layers):
            reduction = i in reductions
            c_curr = 2 * c_curr if reduction else c_curr
            cell = DartsCell(reduce if reduction else normal, c_prev_prev, c_prev, c_curr, reduction, reduction_prev)
            self.cells.append(cell)
            reduction_prev = reduction
            c_prev_prev, c_prev = c_prev, cell.n_nodes * c_curr
            if i == self.auxiliary_after:
                c_auxiliary = c_prev
        self.auxiliary_head = AuxiliaryHead(c_auxiliary, n_outputs) if self.auxiliary_after >= 0 else None
        self.auxiliary_weight = float(auxiliary_weight)
        self.drop_path = float(drop_path)
        self.drop_prob = 0.0
        self.auxiliary_output: torch.Tensor | None = None
        self.global_pooling = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(c_prev, n_outputs)

    def set_training_progress(self, fraction: float) -> None:
        """Set drop-path's probability for the part of training done (DARTS: linear from 0)."""
        self.drop_prob = self.drop_path * float(fraction)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s0 = s1 = self.stem(x)
        self.auxiliary_output = None
        for i, cell in enumerate(self.cells):
            s0, s1 = s1, cell(s0, s1, self.drop_prob)
            if i == self.auxiliary_after and self.training:  # -1 without an auxiliary head
                self.auxiliary_output = self.auxiliary_head(s1)
        return self.classifier(self.global_pooling(s1).flatten(1))
