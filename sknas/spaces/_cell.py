"""The NAS-Bench-201 cell search space."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import cached_property
from typing import Iterator, Sequence

import numpy as np

from ._base import Architecture, ArchitectureGraph, SearchSpace, check_image_shape, parse_naslib_tuple
from ._cell_network import EDGES, OPS, CellNetwork

N_NODES = 4

#: NASLib's NAS-Bench-201 op indices (``OP_NAMES``: Identity, Zero, ReLUConvBN3x3, ReLUConvBN1x1,
#: AvgPool1x1) and, for each of its edges ``(1,2), (1,3), (1,4), (2,3), (2,4), (3,4)`` (1-based
#: nodes), the position of that edge in the NAS-Bench-201 string.
NASLIB_OPS = ("skip_connect", "none", "nor_conv_3x3", "nor_conv_1x1", "avg_pool_3x3")
NASLIB_EDGE_POSITIONS = (0, 1, 3, 2, 4, 5)


@dataclass(frozen=True)
class CellArchitecture(Architecture):
    """A NAS-Bench-201 cell: the operation on each of its six edges.

    Parameters
    ----------
    ops : tuple of str
        Operations of the edges ``1<-0, 2<-0, 2<-1, 3<-0, 3<-1, 3<-2``.
    """

    ops: tuple[str, ...]

    def __str__(self) -> str:
        parts = []
        edge = 0
        for target in range(1, N_NODES):
            parts.append(
                "|" + "|".join(f"{self.ops[edge + s]}~{s}" for s in range(target)) + "|"
            )
            edge += target
        return "+".join(parts)


class CellSpace(SearchSpace):
    """The NAS-Bench-201 cell space: 4 nodes, 6 edges, 5 operations, 15,625 cells.

    Every cell of a network shares one architecture; the network is the NAS-Bench-201 macro
    skeleton (stem, three stages of ``cells_per_stage`` cells joined by residual reduction
    blocks, global pooling, linear head). Architecture strings are those of NAS-Bench-201,
    ``|op~0|+|op~0|op~1|+|op~0|op~1|op~2|``, so benchmark tables key on them.

    Parameters
    ----------
    channels : int, default=16
        Channels of the first stage; each reduction doubles them.
    cells_per_stage : int, default=5
        Cells per stage. NAS-Bench-201 uses 16 channels and 5 cells per stage.

    Examples
    --------
    >>> import torch
    >>> from sknas.spaces import CellSpace
    >>> space = CellSpace(channels=8, cells_per_stage=1)
    >>> arch = space.parse("|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|"
    ...                    "+|none~0|avg_pool_3x3~1|nor_conv_3x3~2|")
    >>> str(space.canonical(arch)) == str(arch)
    True
    >>> space.build(arch, input_shape=(1, 8, 8), n_outputs=10)(torch.zeros(2, 1, 8, 8)).shape
    torch.Size([2, 10])
    """

    name = "cell"
    ops = OPS
    edges = EDGES
    min_image_size = 8

    def __init__(self, channels: int = 16, cells_per_stage: int = 5):
        if int(channels) < 1 or int(cells_per_stage) < 1:
            raise ValueError(
                f"CellSpace needs channels >= 1 and cells_per_stage >= 1, got "
                f"channels={channels}, cells_per_stage={cells_per_stage}"
            )
        self.channels = int(channels)
        self.cells_per_stage = int(cells_per_stage)

    # -- strings ---------------------------------------------------------------------------

    def parse(self, string: str) -> CellArchitecture:
        example = "|op~0|+|op~0|op~1|+|op~0|op~1|op~2|"
        if not isinstance(string, str):
            raise ValueError(f"a cell architecture string is a str like {example!r}, got {string!r}")
        nodes = string.strip().split("+")
        if len(nodes) != N_NODES - 1:
            raise ValueError(
                f"cannot parse {string!r}: a cell has {N_NODES - 1} nodes separated by '+', "
                f"found {len(nodes)}; expected the form {example!r}"
            )
        ops: list[str] = []
        for target, node in enumerate(nodes, start=1):
            if not (node.startswith("|") and node.endswith("|")):
                raise ValueError(
                    f"cannot parse {string!r}: node {target} {node!r} must start and end with '|'"
                )
            items = node[1:-1].split("|")
            if len(items) != target:
                raise ValueError(
                    f"cannot parse {string!r}: node {target} must have {target} incoming edges, "
                    f"found {len(items)} in {node!r}"
                )
            for source, item in enumerate(items):
                op, sep, src = item.partition("~")
                if not sep or src != str(source):
                    raise ValueError(
                        f"cannot parse {string!r}: edge {item!r} of node {target} should read "
                        f"'op~{source}'"
                    )
                if op not in OPS:
                    raise ValueError(
                        f"cannot parse {string!r}: unknown operation {op!r}; "
                        f"known operations are {', '.join(OPS)}"
                    )
                ops.append(op)
        return CellArchitecture(tuple(ops))

    def from_naslib(self, text: str) -> CellArchitecture:
        """The cell of a NASLib op-index tuple such as ``"(2, 3, 0, 1, 4, 2)"``.

        NASLib orders the edges ``1->2, 1->3, 1->4, 2->3, 2->4, 3->4`` and numbers the ops
        skip_connect 0, none 1, nor_conv_3x3 2, nor_conv_1x1 3, avg_pool_3x3 4.

        Parameters
        ----------
        text : str
            The NASLib op-index tuple, six integers in 0..4 in NASLib's edge order.

        Returns
        -------
        CellArchitecture
            The cell the tuple describes.

        Raises
        ------
        ValueError
            If the text is not a tuple of six op indices 0..4.
        """
        codes = parse_naslib_tuple(text, "NAS-Bench-201 op tuple", "(2, 3, 0, 1, 4, 2)")
        if len(codes) != len(EDGES) or not all(0 <= c < len(NASLIB_OPS) for c in codes):
            raise ValueError(
                f"cannot parse {text!r}: a NASLib NAS-Bench-201 op tuple has {len(EDGES)} op indices in 0..4 "
                f"({', '.join(f'{i} {op}' for i, op in enumerate(NASLIB_OPS))})"
            )
        ops = [""] * len(EDGES)
        for position, code in zip(NASLIB_EDGE_POSITIONS, codes):
            ops[position] = NASLIB_OPS[code]
        return CellArchitecture(tuple(ops))

    # -- sampling and neighbourhoods -------------------------------------------------------

    def sample(self, rng: np.random.Generator) -> CellArchitecture:
        return CellArchitecture(tuple(OPS[i] for i in rng.integers(len(OPS), size=len(EDGES))))

    def neighbours(self, arch: CellArchitecture) -> list[CellArchitecture]:
        out = []
        for edge, current in enumerate(arch.ops):
            for op in OPS:
                if op != current:
                    out.append(CellArchitecture(arch.ops[:edge] + (op,) + arch.ops[edge + 1 :]))
        return out

    def distance(self, a: CellArchitecture, b: CellArchitecture) -> int:
        return sum(x != y for x, y in zip(a.ops, b.ops))

    def enumerate(self) -> Iterator[CellArchitecture]:
        """All 15,625 cells, the first edge varying slowest through ``OPS``."""
        for ops in itertools.product(OPS, repeat=len(EDGES)):
            yield CellArchitecture(ops)

    # -- encodings -------------------------------------------------------------------------

    def choice_sizes(self) -> list[int]:
        """One decision per edge: which of the 5 operations."""
        return [len(OPS)] * len(EDGES)

    def from_choices(self, choices: Sequence[int]) -> CellArchitecture:
        return CellArchitecture(tuple(OPS[int(c)] for c in choices))

    def to_choices(self, arch: CellArchitecture) -> list[int]:
        return [OPS.index(op) for op in arch.ops]

    def encode(self, arch: CellArchitecture) -> np.ndarray:
        """One-hot of each edge's operation, shape ``(6 * 5,)``.

        Parameters
        ----------
        arch : CellArchitecture
            A cell of this space.

        Returns
        -------
        ndarray of shape (30,)
            The one-hot codes of the six edges, one after the other.
        """
        out = np.zeros((len(EDGES), len(OPS)), dtype=np.float32)
        out[np.arange(len(EDGES)), [OPS.index(op) for op in arch.ops]] = 1.0
        return out.ravel()

    def to_graph(self, arch: CellArchitecture) -> ArchitectureGraph:
        """The cell as a graph of its 4 nodes.

        Node features: the mask of the node's predecessors, its index scaled to [0, 1], and
        counts of its incoming operations by type. Edges: the operations other than
        ``none``, typed by their index into ``OPS``.

        Parameters
        ----------
        arch : CellArchitecture
            A cell of this space.

        Returns
        -------
        ArchitectureGraph
            The graph of the cell, with 4 nodes and 5 edge types.
        """
        adjacency = np.zeros((N_NODES, N_NODES), dtype=np.float32)
        edge_ops = np.full((N_NODES, N_NODES), -1, dtype=np.int64)
        op_counts = np.zeros((N_NODES, len(OPS)), dtype=np.float32)
        for (target, source), op in zip(EDGES, arch.ops):
            k = OPS.index(op)
            edge_ops[target, source] = k
            op_counts[target, k] += 1
            if op != "none":
                adjacency[target, source] = 1.0
        position = (np.arange(N_NODES, dtype=np.float32) / (N_NODES - 1))[:, None]
        node_features = np.concatenate([adjacency, position, op_counts], axis=1)
        edge_ops[adjacency == 0] = -1
        return ArchitectureGraph(node_features, adjacency, edge_ops, len(OPS))

    # -- isomorphism -----------------------------------------------------------------------

    @staticmethod
    def function_key(arch: CellArchitecture) -> str:
        """A string equal for two cells exactly when they compute the same function.

        Each node is the sorted multiset of the terms it sums; ``skip_connect`` passes all the
        terms of its input through (sums are flattened, so a chain of skips collapses),
        ``none`` and any operation on an all-zero node contribute nothing, so dead branches
        and symmetric intermediate nodes collapse.

        Parameters
        ----------
        arch : CellArchitecture
            A cell of this space.

        Returns
        -------
        str
            The function key of the cell: the terms its output node sums, or ``"0"`` when it
            computes zero.
        """
        nodes: list[list[str]] = [["x"]]
        for target in range(1, N_NODES):
            terms: list[str] = []
            for (t, source), op in zip(EDGES, arch.ops):
                if t != target or op == "none" or not nodes[source]:
                    continue
                if op == "skip_connect":
                    terms.extend(nodes[source])
                else:
                    terms.append(f"{op}({'+'.join(nodes[source])})")
            nodes.append(sorted(terms))
        return "+".join(nodes[-1]) or "0"

    @cached_property
    def _representatives(self) -> dict[str, CellArchitecture]:
        reps: dict[str, CellArchitecture] = {}
        for arch in self.enumerate():
            reps.setdefault(self.function_key(arch), arch)
        return reps

    def canonical(self, arch: CellArchitecture) -> CellArchitecture:
        """The first cell of ``enumerate()`` that computes the same function as ``arch``.

        Parameters
        ----------
        arch : CellArchitecture
            A cell of this space.

        Returns
        -------
        CellArchitecture
            The representative of the class of ``arch``.
        """
        return self._representatives[self.function_key(arch)]

    # -- networks --------------------------------------------------------------------------

    def check_input_shape(self, input_shape: Sequence[int]) -> None:
        check_image_shape(self, input_shape)

    def build(
        self, arch: CellArchitecture, input_shape: Sequence[int], n_outputs: int
    ) -> CellNetwork:
        self.check_input_shape(input_shape)
        return CellNetwork(
            arch.ops,
            in_channels=int(input_shape[0]),
            n_outputs=int(n_outputs),
            channels=self.channels,
            cells_per_stage=self.cells_per_stage,
        )
