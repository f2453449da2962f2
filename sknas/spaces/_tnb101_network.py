"""The TransNAS-Bench-101 networks as torch modules.

Layer for layer the networks of Duan et al. (CVPR 2021): a stem, a sequence of modules of
``blocks_per_module`` blocks, global average pooling and a linear head. A module's code says
what its first block changes: 1 nothing, 2 doubles the channels, 3 halves the resolution, 4
does both (``channels x2 if code is even``, ``stride 2 if code > 2``, as the reference code
reads it). The micro network runs the fixed module sequence ``41414`` of one searched cell; the
macro network runs a searched module sequence of ResNet basic blocks.

With the default configuration (64 channels, 2 blocks per module, the stride-4 stem) the
parameters, their shapes and the outputs equal those of the reference ``MacroNet``, quirks
included (see :class:`BasicBlock`). Unlike the original they accept any channel count, any number of input channels and any
image of at least 8x8 pixels: every strided path rounds up (``(h + 1) // 2``), as a stride-2
3x3 convolution with padding 1 does, so odd sizes line up.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import nn

from ._cell_network import EDGES, ReLUConvBN, run_cell

#: Operations of a micro cell's edges, by op code.
MICRO_OPS = ("none", "skip_connect", "conv_1x1", "conv_3x3")

#: ``(target node, source node)`` of each edge of a micro cell, in the order of its string.
MICRO_EDGES = EDGES

#: The module codes of the micro network's fixed skeleton.
MICRO_SKELETON = (4, 1, 4, 1, 4)

def module_change(code: int) -> tuple[int, int]:
    """``(channel factor, stride)`` of the first block of a module with this code (1..4)."""
    return (2 if code % 2 == 0 else 1), (2 if code > 2 else 1)


class ShapedZero(nn.Module):
    """The ``none`` operation: zeros shaped like the output of a conv of this stride.

    Parameters
    ----------
    c_out : int
        Channels of the output.
    stride : int
        1 or 2; with 2 the output has ``(h + 1) // 2`` rows and ``(w + 1) // 2`` columns.
    """

    def __init__(self, c_out: int, stride: int):
        super().__init__()
        self.c_out = c_out
        self.stride = stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, _, h, w = x.shape
        s = self.stride
        return x.new_zeros((n, self.c_out, (h + s - 1) // s, (w + s - 1) // s))


class FactorizedReduce(nn.Module):
    """``skip_connect`` across a change of stride or channels: ReLU, two 1x1 convs (the second
    on the input shifted by one pixel) concatenated, batch normalisation."""

    def __init__(self, c_in: int, c_out: int, stride: int):
        super().__init__()
        self.relu = nn.ReLU(inplace=False)
        halves = (c_out // 2, c_out - c_out // 2)
        self.convs = nn.ModuleList(nn.Conv2d(c_in, c, 1, stride=stride, bias=False) for c in halves)
        # Pad right and bottom so the shifted input keeps the size of the unshifted one.
        self.pad = nn.ConstantPad2d((0, 1, 0, 1), 0.0)
        self.bn = nn.BatchNorm2d(c_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.relu(x)
        shifted = self.pad(x)[:, :, 1:, 1:]
        return self.bn(torch.cat([self.convs[0](x), self.convs[1](shifted)], dim=1))


def make_micro_op(code: int, c_in: int, c_out: int, stride: int) -> nn.Module:
    """The module of one micro-cell edge of op code ``code`` (0..3, see ``MICRO_OPS``)."""
    if code == 0:
        return ShapedZero(c_out, stride)
    if code == 1:
        if stride == 1 and c_in == c_out:
            return nn.Identity()
        return FactorizedReduce(c_in, c_out, stride)
    if code == 2:
        return ReLUConvBN(c_in, c_out, 1, stride, 0)
    if code == 3:
        return ReLUConvBN(c_in, c_out, 3, stride, 1)
    raise ValueError(
        f"unknown micro-cell op code {code!r}; expected 0..3 ({', '.join(MICRO_OPS)})"
    )


class MicroCell(nn.Module):
    """A TransNAS-Bench-101 micro cell: node j sums op_ij(node i) over its predecessors i < j.

    The edges leaving node 0 carry the cell's stride and change of channels; the others map
    ``c_out`` channels to ``c_out`` at stride 1.
    """

    def __init__(self, ops: Sequence[int], c_in: int, c_out: int, stride: int):
        super().__init__()
        self.ops = nn.ModuleList(
            make_micro_op(op, c_in, c_out, stride) if source == 0 else make_micro_op(op, c_out, c_out, 1)
            for (_, source), op in zip(MICRO_EDGES, ops)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return run_cell(x, self.ops)


class BasicBlock(nn.Module):
    """A ResNet basic block: ReLU-conv3x3-BN twice, plus the input or, when the stride or the
    channels change, a 1x1 conv + BN of it.

    The shortcut's batch norm is a standard one. The reference code passes ``affine,
    track_running_stats`` positionally to ``BatchNorm2d``, where they land on ``eps=1`` and
    ``momentum=1`` (NASLib's copy does the same): a slip, not a design, that would keep only the
    last batch's statistics for inference. The parameters are the same either way.
    """

    def __init__(self, c_in: int, c_out: int, stride: int):
        super().__init__()
        self.conv_a = ReLUConvBN(c_in, c_out, 3, stride, 1)
        self.conv_b = ReLUConvBN(c_out, c_out, 3, 1, 1)
        self.shortcut: nn.Module = nn.Identity()
        if stride != 1 or c_in != c_out:
            self.shortcut = nn.Sequential(
                nn.Conv2d(c_in, c_out, 1, stride=stride, bias=False),
                nn.BatchNorm2d(c_out),
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.shortcut(x) + self.conv_b(self.conv_a(x))


def make_stem(in_channels: int, channels: int, stride: int) -> nn.Sequential:
    """The stem: with stride 4 the reference's (conv3x3 stride 2 to ``channels // 2``, BN,
    ReLU-conv3x3-BN stride 2 to ``channels``); with stride 2 the same with the second conv at
    stride 1; with stride 1 a conv3x3 + BN to ``channels``."""
    if stride == 1:
        return nn.Sequential(
            nn.Conv2d(in_channels, channels, 3, padding=1, bias=False), nn.BatchNorm2d(channels)
        )
    if stride not in (2, 4):
        raise ValueError(f"the stem stride must be 1, 2 or 4, got {stride!r}")
    half = max(1, channels // 2)
    return nn.Sequential(
        nn.Conv2d(in_channels, half, 3, stride=2, padding=1, bias=False),
        nn.BatchNorm2d(half),
        ReLUConvBN(half, channels, 3, stride // 2, 1),
    )


class TNB101Network(nn.Module):
    """Stem, one module of blocks per module code, global average pooling, linear head.

    Parameters
    ----------
    module_codes : sequence of int
        One code (1..4) per module: what its first block changes (see :func:`module_change`).
    make_block : callable
        ``make_block(c_in, c_out, stride)`` builds one block (a micro cell or a basic block).
    in_channels : int
        Channels of the input images.
    n_outputs : int
        Size of the output (number of classes, or of regression targets).
    channels : int, default=64
        Channels after the stem.
    blocks_per_module : int, default=2
        Blocks in each module; only the first changes stride or channels.
    stem_stride : int, default=4
        Stride of the stem: 1, 2 or 4.
    """

    def __init__(
        self,
        module_codes: Sequence[int],
        make_block: Callable[[int, int, int], nn.Module],
        in_channels: int,
        n_outputs: int,
        channels: int = 64,
        blocks_per_module: int = 2,
        stem_stride: int = 4,
    ):
        super().__init__()
        self.stem = make_stem(in_channels, channels, stem_stride)
        modules: list[nn.Module] = []
        c = channels
        for code in module_codes:
            factor, stride = module_change(int(code))
            blocks = [make_block(c, c * factor, stride)]
            c *= factor
            blocks += [make_block(c, c, 1) for _ in range(1, blocks_per_module)]
            modules.append(nn.Sequential(*blocks))
        self.layers = nn.Sequential(*modules)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(c, n_outputs)
        self.out_channels = c
        self._kaiming_init()

    def _kaiming_init(self) -> None:
        # The reference's initialisation; the linear head keeps torch's default.
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The feature map before global pooling, shape ``(n, out_channels, h', w')``."""
        return self.layers(self.stem(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(torch.flatten(self.pool(self.features(x)), 1))


class TNB101MicroNetwork(TNB101Network):
    """The micro network: the skeleton ``41414`` of one micro cell, shared by every block.

    Parameters
    ----------
    ops : sequence of int
        The six edge op codes of the cell (0..3, see ``MICRO_OPS``).
    in_channels, n_outputs, channels, blocks_per_module, stem_stride
        As for :class:`TNB101Network`.
    """

    def __init__(
        self,
        ops: Sequence[int],
        in_channels: int,
        n_outputs: int,
        channels: int = 64,
        blocks_per_module: int = 2,
        stem_stride: int = 4,
    ):
        ops = tuple(int(op) for op in ops)
        super().__init__(
            MICRO_SKELETON,
            lambda c_in, c_out, stride: MicroCell(ops, c_in, c_out, stride),
            in_channels,
            n_outputs,
            channels=channels,
            blocks_per_module=blocks_per_module,
            stem_stride=stem_stride,
        )


class TNB101MacroNetwork(TNB101Network):
    """The macro network: one module of ResNet basic blocks per block code.

    Parameters
    ----------
    blocks : sequence of int
        The module codes (1..4), one module per code.
    in_channels, n_outputs, channels, blocks_per_module, stem_stride
        As for :class:`TNB101Network`.
    """

    def __init__(
        self,
        blocks: Sequence[int],
        in_channels: int,
        n_outputs: int,
        channels: int = 64,
        blocks_per_module: int = 2,
        stem_stride: int = 4,
    ):
        super().__init__(
            tuple(int(b) for b in blocks),
            BasicBlock,
            in_channels,
            n_outputs,
            channels=channels,
            blocks_per_module=blocks_per_module,
            stem_stride=stem_stride,
        )
