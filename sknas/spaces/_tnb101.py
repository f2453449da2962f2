"""What the two TransNAS-Bench-101 search spaces share: the network configuration and the input
check.

The spaces themselves live in ``_tnb101_micro.py`` (the cell space) and ``_tnb101_macro.py``
(the block-sequence space).
"""

from __future__ import annotations

from collections.abc import Sequence

from ._base import SearchSpace, check_image_shape

#: Images with a shorter side of at least this many pixels get the reference's stride-4 stem
#: when ``stem_stride=None``; smaller ones get a stride-1 stem.
STRIDE_4_MIN_SIZE = 64


class TNB101Space(SearchSpace):
    """Base of the TransNAS-Bench-101 spaces: the configuration of their networks.

    Parameters
    ----------
    channels : int, default=64
        Channels after the stem (the benchmark's 64).
    blocks_per_module : int, default=2
        Cells or blocks per module of the network (the benchmark's 2); only the first of a
        module changes the stride or the channels.
    stem_stride : {None, 1, 2, 4}, default=None
        Stride of the stem. None chooses 4, the benchmark's stem, for images whose shorter
        side is at least 64 pixels, and 1 for smaller ones, so 8x8 images work.
    """

    min_image_size = 8

    def __init__(self, channels: int = 64, blocks_per_module: int = 2, stem_stride: int | None = None):
        cls = type(self).__name__
        if int(channels) < 1 or int(blocks_per_module) < 1:
            raise ValueError(
                f"{cls} needs channels >= 1 and blocks_per_module >= 1, got channels={channels}, "
                f"blocks_per_module={blocks_per_module}"
            )
        if stem_stride is not None and stem_stride not in (1, 2, 4):
            raise ValueError(
                f"{cls} takes stem_stride=None (4 for images of at least {STRIDE_4_MIN_SIZE} "
                f"pixels, else 1), 1, 2 or 4, got {stem_stride!r}"
            )
        self.channels = int(channels)
        self.blocks_per_module = int(blocks_per_module)
        self.stem_stride = None if stem_stride is None else int(stem_stride)

    def resolve_stem_stride(self, input_shape: Sequence[int]) -> int:
        """The stem stride networks for images of ``input_shape`` get (see ``stem_stride``).

        Parameters
        ----------
        input_shape : sequence of int
            The shape ``(channels, height, width)`` of one image.

        Returns
        -------
        int
            ``stem_stride`` when it is set; otherwise 4 for images whose shorter side is at
            least 64 pixels and 1 for smaller ones.
        """
        if self.stem_stride is not None:
            return self.stem_stride
        return 4 if min(int(s) for s in input_shape[1:]) >= STRIDE_4_MIN_SIZE else 1

    def check_input_shape(self, input_shape: Sequence[int]) -> None:
        check_image_shape(self, input_shape)

    def build(self, arch, input_shape: Sequence[int], n_outputs: int):
        """The network of ``arch`` for images of ``input_shape``: stem, modules, global pooling
        and a linear head (:meth:`_network` names the class and the architecture's codes).

        Parameters
        ----------
        arch : Architecture
            An architecture of this space.
        input_shape : sequence of int
            The shape ``(channels, height, width)`` of one image.
        n_outputs : int
            The number of outputs of the network (classes, or regression targets).

        Returns
        -------
        torch.nn.Module
            The untrained network.

        Raises
        ------
        ValueError
            If the images are too small, or ``arch`` is not an architecture of this space.
        """
        self.check_input_shape(input_shape)
        self._check_buildable(arch)
        network, codes = self._network(arch)
        return network(
            codes,
            in_channels=int(input_shape[0]),
            n_outputs=int(n_outputs),
            channels=self.channels,
            blocks_per_module=self.blocks_per_module,
            stem_stride=self.resolve_stem_stride(input_shape),
        )

    def _network(self, arch) -> tuple[type, tuple[int, ...]]:
        """The network class of the space and the codes of ``arch`` it is built from."""
        raise NotImplementedError

    def _check_buildable(self, arch: object) -> None:
        if arch not in self:
            raise ValueError(
                f"cannot build {arch!r}: it is not an architecture of the {self.name} space; "
                f"parse one with space.parse(...) or draw one with space.sample(rng)"
            )
