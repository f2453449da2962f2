"""The TransNAS-Bench-101 micro (cell) search space."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from ._base import Architecture, ArchitectureGraph, parse_naslib_tuple
from ._tnb101 import TNB101Space
from ._tnb101_network import MICRO_EDGES, MICRO_OPS, TNB101MicroNetwork

N_NODES = 4
N_EDGES = len(MICRO_EDGES)
N_OPS = len(MICRO_OPS)

#: Everything before the cell in a micro string: the benchmark's 64 channels and skeleton.
MICRO_PREFIX = "64-41414-"
MICRO_FORM = "64-41414-a_bc_def"
OP_CODES = "0 none, 1 skip_connect, 2 conv 1x1, 3 conv 3x3"


@dataclass(frozen=True)
class TNB101MicroArchitecture(Architecture):
    """A TransNAS-Bench-101 micro cell: the op code of each of its six edges.

    Parameters
    ----------
    ops : tuple of int
        Op codes (0 none, 1 skip_connect, 2 conv 1x1, 3 conv 3x3) of the edges
        ``1<-0, 2<-0, 2<-1, 3<-0, 3<-1, 3<-2``, the order of NASLib's op tuple.

    Notes
    -----
    ``str(arch)`` is the benchmark's identifier ``64-41414-a_bc_def`` whatever the channels or
    depth of the space that builds it.
    """

    ops: tuple[int, ...]

    def __str__(self) -> str:
        codes = [str(op) for op in self.ops]
        return MICRO_PREFIX + "_".join(["".join(codes[:1]), "".join(codes[1:3]), "".join(codes[3:])])


class TNB101MicroSpace(TNB101Space):
    """The TransNAS-Bench-101 micro space: 4 nodes, 6 edges, 4 operations, 4,096 cells.

    Every cell of a network shares one architecture. The network is the benchmark's: a stem,
    the module skeleton ``41414`` (code 4: the first cell halves the resolution and doubles the
    channels; code 1: plain) of ``blocks_per_module`` cells each, global average pooling and a
    linear head. In a cell, node j sums op(node i) over i < j; the edges leaving node 0 carry
    the stride and the change of channels (``skip_connect`` then is a factorized reduction).

    Parameters
    ----------
    channels : int, default=64
        Channels after the stem; each code-4 module doubles them.
    blocks_per_module : int, default=2
        Cells per module.
    stem_stride : {None, 1, 2, 4}, default=None
        Stride of the stem; None chooses 4 (the benchmark's) for images of at least 64 pixels
        a side and 1 for smaller ones.

    Examples
    --------
    >>> import torch
    >>> from sknas.spaces import TNB101MicroSpace
    >>> space = TNB101MicroSpace(channels=8, blocks_per_module=1)
    >>> arch = space.parse("64-41414-3_13_302")
    >>> arch.ops, arch == space.from_naslib("(3, 1, 3, 3, 0, 2)")
    ((3, 1, 3, 3, 0, 2), True)
    >>> space.build(arch, input_shape=(3, 8, 8), n_outputs=10)(torch.zeros(2, 3, 8, 8)).shape
    torch.Size([2, 10])
    """

    name = "tnb101-micro"
    ops = MICRO_OPS
    edges = MICRO_EDGES

    # -- strings ---------------------------------------------------------------------------

    def parse(self, string: str) -> TNB101MicroArchitecture:
        expected = f"expected the form {MICRO_FORM!r} with op codes {OP_CODES}"
        if not isinstance(string, str):
            raise ValueError(  # noqa: TRY004 (SearchSpace.parse promises ValueError)
                f"a micro architecture string is a str like '64-41414-3_13_302', got {string!r}"
            )
        text = string.strip()
        if not text.startswith(MICRO_PREFIX):
            hint = " (a macro string: parse it with TNB101MacroSpace)" if text.endswith("-basic") else ""
            raise ValueError(
                f"cannot parse {string!r}{hint}: a TransNAS-Bench-101 micro string starts with "
                f"{MICRO_PREFIX!r} (the benchmark's channels and skeleton, whatever the space's "
                f"configuration); {expected}"
            )
        groups = text[len(MICRO_PREFIX):].split("_")
        if [len(g) for g in groups] != [1, 2, 3]:
            raise ValueError(
                f"cannot parse {string!r}: a cell has {N_EDGES} edges in three '_'-separated groups "
                f"(node 1 takes 1 edge, node 2 takes 2, node 3 takes 3), found groups "
                f"{groups}; {expected}"
            )
        return TNB101MicroArchitecture(self._check_ops("".join(groups), string))

    def from_naslib(self, text: str) -> TNB101MicroArchitecture:
        """The architecture of a NASLib op tuple ``"(a, b, c, d, e, f)"`` (the ``arch`` column).

        Parameters
        ----------
        text : str
            The NASLib op tuple: one op code 0..3 per edge.

        Returns
        -------
        TNB101MicroArchitecture
            The cell the tuple describes.

        Raises
        ------
        ValueError
            If the text is not a tuple of six op codes 0..3.
        """
        codes = parse_naslib_tuple(text, "micro op tuple", "(3, 1, 3, 3, 0, 2)")
        if len(codes) != N_EDGES:
            raise ValueError(
                f"cannot parse {text!r}: a NASLib micro op tuple has {N_EDGES} op codes, one per "
                f"edge, found {len(codes)}"
            )
        return TNB101MicroArchitecture(self._check_ops(codes, text))

    @staticmethod
    def _check_ops(codes: Sequence, source: str) -> tuple[int, ...]:
        ops = []
        for edge, code in enumerate(codes):
            if str(code) not in ("0", "1", "2", "3"):
                raise ValueError(
                    f"cannot parse {source!r}: unknown op code {code!r} on edge {edge} "
                    f"({MICRO_EDGES[edge][1]} -> {MICRO_EDGES[edge][0]}); op codes are {OP_CODES}"
                )
            ops.append(int(code))
        return tuple(ops)

    # -- sampling and neighbourhoods -------------------------------------------------------

    def sample(self, rng: np.random.Generator) -> TNB101MicroArchitecture:
        return TNB101MicroArchitecture(tuple(int(i) for i in rng.integers(N_OPS, size=N_EDGES)))

    def neighbours(self, arch: TNB101MicroArchitecture) -> list[TNB101MicroArchitecture]:
        """The 18 cells that differ from ``arch`` on one edge.

        Parameters
        ----------
        arch : TNB101MicroArchitecture
            A cell of this space.

        Returns
        -------
        list of TNB101MicroArchitecture
            The neighbours of ``arch``, edge by edge.
        """
        return [
            TNB101MicroArchitecture(arch.ops[:edge] + (op,) + arch.ops[edge + 1 :])
            for edge, current in enumerate(arch.ops)
            for op in range(N_OPS)
            if op != current
        ]

    def distance(self, a: TNB101MicroArchitecture, b: TNB101MicroArchitecture) -> int:
        """Hamming distance of the op codes: the number of edges that differ.

        Parameters
        ----------
        a : TNB101MicroArchitecture
            A cell of this space.
        b : TNB101MicroArchitecture
            Another cell of this space.

        Returns
        -------
        int
            The distance, from 0 (equal cells) to 6.
        """
        return sum(x != y for x, y in zip(a.ops, b.ops))

    def enumerate(self) -> Iterator[TNB101MicroArchitecture]:
        """All 4,096 cells, the first edge varying slowest through the op codes 0..3."""
        for ops in itertools.product(range(N_OPS), repeat=N_EDGES):
            yield TNB101MicroArchitecture(ops)

    def canonical(self, arch: TNB101MicroArchitecture) -> TNB101MicroArchitecture:
        """``arch`` itself: each benchmark entry is its own architecture.

        Cells that compute the same function (e.g. differing only on edges whose output is
        never used) have separate entries, trained separately, in TransNAS-Bench-101.

        Parameters
        ----------
        arch : TNB101MicroArchitecture
            A cell of this space.

        Returns
        -------
        TNB101MicroArchitecture
            ``arch``.
        """
        return arch

    # -- encodings -------------------------------------------------------------------------

    def choice_sizes(self) -> list[int]:
        """One decision per edge: which of the 4 op codes."""
        return [N_OPS] * N_EDGES

    def from_choices(self, choices: Sequence[int]) -> TNB101MicroArchitecture:
        codes = [int(c) for c in choices]
        if len(codes) != N_EDGES or not all(0 <= c < N_OPS for c in codes):
            raise ValueError(
                f"a micro cell takes {N_EDGES} choices, each in 0..{N_OPS - 1}, got {list(choices)}"
            )
        return TNB101MicroArchitecture(tuple(codes))

    def to_choices(self, arch: TNB101MicroArchitecture) -> list[int]:
        return list(arch.ops)

    def encode(self, arch: TNB101MicroArchitecture) -> np.ndarray:
        """One-hot of each edge's op code, shape ``(6 * 4,)``.

        Parameters
        ----------
        arch : TNB101MicroArchitecture
            A cell of this space.

        Returns
        -------
        ndarray of shape (24,)
            The one-hot codes of the six edges, one after the other.
        """
        out = np.zeros((N_EDGES, N_OPS), dtype=np.float32)
        out[np.arange(N_EDGES), list(arch.ops)] = 1.0
        return out.ravel()

    def to_graph(self, arch: TNB101MicroArchitecture) -> ArchitectureGraph:
        """The cell as a graph of its 4 nodes.

        Node features: the mask of the node's predecessors, its index scaled to [0, 1], and
        counts of its incoming operations by op code. Edges: the operations other than
        ``none``, typed by their op code (4 edge types, ``none`` never used).

        Parameters
        ----------
        arch : TNB101MicroArchitecture
            A cell of this space.

        Returns
        -------
        ArchitectureGraph
            The graph of the cell, with 4 nodes and 4 edge types.
        """
        adjacency = np.zeros((N_NODES, N_NODES), dtype=np.float32)
        edge_ops = np.full((N_NODES, N_NODES), -1, dtype=np.int64)
        op_counts = np.zeros((N_NODES, N_OPS), dtype=np.float32)
        for (target, source), op in zip(MICRO_EDGES, arch.ops):
            op_counts[target, op] += 1
            if op != 0:
                adjacency[target, source] = 1.0
                edge_ops[target, source] = op
        position = (np.arange(N_NODES, dtype=np.float32) / (N_NODES - 1))[:, None]
        node_features = np.concatenate([adjacency, position, op_counts], axis=1)
        return ArchitectureGraph(node_features, adjacency, edge_ops, N_OPS)

    # -- networks --------------------------------------------------------------------------

    def _network(self, arch: TNB101MicroArchitecture) -> tuple[type, tuple[int, ...]]:
        return TNB101MicroNetwork, arch.ops
