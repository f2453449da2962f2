"""The NAS-Bench-201 macro skeleton as torch modules.

Layer for layer the network of Dong & Yang (ICLR 2020): a 3x3 conv stem, three stages of
``cells_per_stage`` cells separated by residual reduction blocks, then BN-ReLU, global average
pooling and a linear head. With 16 channels, 5 cells per stage, 3x32x32 input and 10 classes
its parameter count equals the ``params`` column of NAS-Bench-201 exactly. Unlike the original
it accepts any channel count and any image of at least 8x8 pixels: the shortcut pooling of the
reduction blocks rounds up, as the strided convolution does, so odd sizes (7x7 after two
halvings of MNIST) line up.
"""

from __future__ import annotations

from typing import Sequence

import torch
from torch import nn

#: Operations on the six edges of a cell, in the NAS-Bench-201 order.
OPS = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")

#: ``(target node, source node)`` of each edge, in the order of the architecture string.
EDGES = ((1, 0), (2, 0), (2, 1), (3, 0), (3, 1), (3, 2))


class ReLUConvBN(nn.Sequential):
    """ReLU, convolution without bias, batch normalisation."""

    def __init__(self, c_in: int, c_out: int, kernel_size: int, stride: int, padding: int):
        super().__init__(
            nn.ReLU(inplace=False),
            nn.Conv2d(c_in, c_out, kernel_size, stride=stride, padding=padding, bias=False),
            nn.BatchNorm2d(c_out),
        )


class Zero(nn.Module):
    """The ``none`` operation: an output of zeros shaped like the input."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mul(0.0)


def make_op(name: str, channels: int) -> nn.Module:
    """The module of one cell operation (stride 1, same channels in and out)."""
    if name == "none":
        return Zero()
    if name == "skip_connect":
        return nn.Identity()
    if name == "nor_conv_1x1":
        return ReLUConvBN(channels, channels, 1, 1, 0)
    if name == "nor_conv_3x3":
        return ReLUConvBN(channels, channels, 3, 1, 1)
    if name == "avg_pool_3x3":
        return nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False)
    raise ValueError(f"unknown cell operation {name!r}; expected one of {', '.join(OPS)}")


def run_cell(x: torch.Tensor, ops: Sequence[nn.Module]) -> torch.Tensor:
    """The output node of a 4-node cell whose edges (in :data:`EDGES` order) apply ``ops``: node j
    sums op_ij(node i) over its predecessors i < j."""
    nodes: list[torch.Tensor] = [x]
    # EDGES is sorted by target node, so every source is complete before it is read.
    for (target, source), op in zip(EDGES, ops):
        out = op(nodes[source])
        if target == len(nodes):
            nodes.append(out)
        else:
            nodes[target] = nodes[target] + out
    return nodes[-1]


class Cell(nn.Module):
    """A NAS-Bench-201 cell: node j sums op_ij(node i) over its predecessors i < j."""

    def __init__(self, ops: Sequence[str], channels: int):
        super().__init__()
        self.ops = nn.ModuleList(make_op(op, channels) for op in ops)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return run_cell(x, self.ops)


class ResidualReduction(nn.Module):
    """The reduction block between stages: a stride-2 residual block doubling channels."""

    def __init__(self, c_in: int, c_out: int):
        super().__init__()
        self.conv_a = ReLUConvBN(c_in, c_out, 3, 2, 1)
        self.conv_b = ReLUConvBN(c_out, c_out, 3, 1, 1)
        self.shortcut = nn.Sequential(
            nn.AvgPool2d(2, stride=2, ceil_mode=True, count_include_pad=False),
            nn.Conv2d(c_in, c_out, 1, bias=False),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.shortcut(x) + self.conv_b(self.conv_a(x))


class CellNetwork(nn.Module):
    """Stem, three stages of cells with reductions between them, pooling and a linear head.

    Parameters
    ----------
    ops : sequence of str
        The six edge operations of the cell, shared by every cell of the network.
    in_channels : int
        Channels of the input images.
    n_outputs : int
        Size of the output (number of classes, or of regression targets).
    channels : int, default=16
        Channels of the first stage; each reduction doubles them.
    cells_per_stage : int, default=5
        Cells in each of the three stages.
    """

    def __init__(
        self,
        ops: Sequence[str],
        in_channels: int,
        n_outputs: int,
        channels: int = 16,
        cells_per_stage: int = 5,
    ):
        super().__init__()
        self.stem = nn.Sequential(
            nn.Conv2d(in_channels, channels, 3, padding=1, bias=False), nn.BatchNorm2d(channels)
        )
        layers: list[nn.Module] = []
        c = channels
        for stage in range(3):
            if stage > 0:
                layers.append(ResidualReduction(c, 2 * c))
                c *= 2
            layers.extend(Cell(ops, c) for _ in range(cells_per_stage))
        self.cells = nn.Sequential(*layers)
        self.head_act = nn.Sequential(nn.BatchNorm2d(c), nn.ReLU())
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(c, n_outputs)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The feature map before global pooling, shape ``(n, channels * 4, h, w)``."""
        return self.head_act(self.cells(self.stem(x)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(torch.flatten(self.pool(self.features(x)), 1))
