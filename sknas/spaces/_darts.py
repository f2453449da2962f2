"""The DARTS cell search space: a normal and a reduction cell."""

from __future__ import annotations

import ast
import itertools
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ._base import Architecture, ArchitectureGraph, SearchSpace, check_image_shape
from ._darts_edits import Edit, Node, apply_edits, cells_path
from ._darts_genotypes import PUBLISHED_GENOTYPES
from ._darts_network import DARTS_OPS, DartsNetwork

#: Intermediate nodes per cell; node k (0-based) reads two of the k + 2 earlier states.
N_NODES = 4
CELLS = ("normal", "reduce")
CONCAT = list(range(2, 2 + N_NODES))
#: The input pairs node k can read, in a fixed order (the categorical encoding's options).
INPUT_PAIRS = tuple(tuple(itertools.combinations(range(k + 2), 2)) for k in range(N_NODES))
#: The index of node k's first possible edge among a cell's 14 (the edges of node k read 0..k+1).
FIRST_EDGE = tuple(sum(j + 2 for j in range(k)) for k in range(N_NODES + 1))
FORM = "Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ...8 pairs], normal_concat=[2, 3, 4, 5], " \
       "reduce=[...8 pairs], reduce_concat=[2, 3, 4, 5])"

Cell = tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class DartsArchitecture(Architecture):
    """A DARTS genotype: the ``(op, input)`` pairs of the normal and the reduction cell.

    Each cell holds two pairs per intermediate node, node by node; inputs 0 and 1 are the
    outputs of the two previous cells and input ``k + 2`` is intermediate node ``k``. Within a
    node the pairs are sorted by input, so genotypes that differ only in the order of a node's
    two inputs (the same network) are equal.

    Parameters
    ----------
    normal, reduce : tuple of (str, int)
        Eight ``(op, input)`` pairs each.
    """

    normal: Cell
    reduce: Cell

    def __post_init__(self):
        for name in CELLS:
            pairs = tuple((str(op), int(i)) for op, i in getattr(self, name))
            nodes = [tuple(sorted(pairs[2 * k : 2 * k + 2], key=lambda p: p[1])) for k in range(len(pairs) // 2)]
            object.__setattr__(self, name, tuple(itertools.chain.from_iterable(nodes)))

    def __str__(self) -> str:
        return (f"Genotype(normal={list(self.normal)!r}, normal_concat={CONCAT!r}, "
                f"reduce={list(self.reduce)!r}, reduce_concat={CONCAT!r})")

    def nodes(self) -> list[list[Node]]:
        """Each cell as a list of nodes ``{input: op}`` (PO-NAS's genotype matrix, row by row)."""
        return [[{i: op for op, i in getattr(self, name)[2 * k : 2 * k + 2]} for k in range(N_NODES)]
                for name in CELLS]

    @classmethod
    def from_nodes(cls, cells: Sequence[Sequence[Node]]) -> "DartsArchitecture":
        """The genotype of cells given as lists of nodes ``{input: op}``.

        Parameters
        ----------
        cells : sequence of sequence of dict
            The normal and the reduction cell, each a list of its four intermediate nodes, a node
            a dict ``{input: op}`` of its two edges (the inverse of :meth:`nodes`).

        Returns
        -------
        DartsArchitecture
            The genotype of these cells.
        """
        pairs = [tuple((node[i], i) for node in cell for i in sorted(node)) for cell in cells]
        return cls(*pairs)


def _literal(node: ast.expr, what: str, string: str):
    """The value of a literal (or ``range(a, b)``) in a genotype string."""
    try:
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "range":
            return list(range(*(_literal(a, what, string) for a in node.args)))
        return ast.literal_eval(node)
    except (ValueError, TypeError):
        raise ValueError(f"cannot parse {string!r}: {what} must be a literal, got {ast.unparse(node)!r}") from None


def _check_cell(pairs, name: str, string: str) -> Cell:
    """The cell's pairs, or a ValueError naming the node that is wrong and what is expected."""
    if not isinstance(pairs, (list, tuple)) or len(pairs) != 2 * N_NODES:
        count = len(pairs) if isinstance(pairs, (list, tuple)) else "no"
        raise ValueError(
            f"cannot parse {string!r}: the {name} cell needs {2 * N_NODES} (op, input) pairs, two per "
            f"intermediate node, got {count}; if a node has three inputs, keep its best two"
        )
    cell = []
    for k in range(N_NODES):
        seen = []
        for pair in pairs[2 * k : 2 * k + 2]:
            if not (isinstance(pair, (list, tuple)) and len(pair) == 2 and isinstance(pair[1], int)):
                raise ValueError(f"cannot parse {string!r}: node {k} of the {name} cell has {pair!r}, "
                                 "expected an (op, input) pair such as ('sep_conv_3x3', 0)")
            op, i = pair
            if op not in DARTS_OPS:
                raise ValueError(f"cannot parse {string!r}: node {k} of the {name} cell has unknown operation "
                                 f"{op!r}; expected one of {', '.join(DARTS_OPS)}")
            if not 0 <= i < k + 2:
                raise ValueError(
                    f"cannot parse {string!r}: node {k} of the {name} cell reads input {i}, but node {k} can "
                    f"only read inputs 0..{k + 1} (0, 1: the previous cells; j + 2: node j < {k})")
            if i in seen:
                raise ValueError(f"cannot parse {string!r}: node {k} of the {name} cell reads input {i} twice; "
                                 "each node reads two different inputs")
            seen.append(i)
            cell.append((op, i))
    return tuple(cell)


class DartsSpace(SearchSpace):
    """The DARTS cell space: a normal and a reduction cell, about 10^18 genotypes.

    Each cell has two input nodes (the outputs of the two previous cells) and four
    intermediate nodes; every intermediate node sums two operations on two different earlier
    nodes, and the cell outputs the concatenation of its intermediate nodes. The operations
    are max_pool_3x3, avg_pool_3x3, skip_connect, sep_conv_3x3, sep_conv_5x5, dil_conv_3x3 and
    dil_conv_5x5. Architecture strings are DARTS's ``Genotype(...)`` reprs, so published
    genotypes can be pasted in; :meth:`published` builds some by name.

    The network is DARTS's evaluation network: a stem, ``layers`` cells with reduction cells
    at 1/3 and 2/3 of the depth, global pooling and a linear head, for images of any size of
    at least 8x8 and any channel count.

    :meth:`distance` is PO-NAS's minimal-operation-path distance (its Algorithm 2): re-wiring
    an edge, exchanging the ops of a node's two edges, and substituting an op each cost 1;
    :meth:`edit_path` gives the path that PO-NAS's crossover applies half of, and
    :meth:`neighbours` every genotype one such edit away (its mutation).

    Parameters
    ----------
    channels : int, default=16
        Channels of the first cells; each reduction doubles them (DARTS evaluates with 36).
    layers : int, default=6
        Number of cells (DARTS evaluates with 20 on CIFAR-10). PO-NAS scores its proxies on a
        6-layer, 16-channel network: the defaults, light enough to search on a CPU.
    auxiliary_weight : float, default=0.0
        When positive, an auxiliary head after the second reduction whose loss, times this
        weight, is added in training (DARTS: 0.4).
    drop_path : float, default=0.0
        Drop-path probability reached at the end of training (DARTS: 0.2).

    Examples
    --------
    >>> import torch
    >>> from sknas.spaces import DartsSpace
    >>> space = DartsSpace(channels=8, layers=3)
    >>> arch = space.published("DARTS_V2")
    >>> space.parse(str(arch)) == arch
    True
    >>> space.build(arch, input_shape=(1, 8, 8), n_outputs=10)(torch.zeros(2, 1, 8, 8)).shape
    torch.Size([2, 10])
    """

    name = "darts"
    ops = DARTS_OPS
    min_image_size = 8

    def __init__(self, channels: int = 16, layers: int = 6, auxiliary_weight: float = 0.0, drop_path: float = 0.0):
        if int(channels) < 1 or int(layers) < 3:
            raise ValueError(
                f"DartsSpace needs channels >= 1 and layers >= 3 (two of the cells are reduction cells), "
                f"got channels={channels}, layers={layers}"
            )
        if not float(auxiliary_weight) >= 0 or not 0 <= float(drop_path) < 1:
            raise ValueError(
                f"DartsSpace needs auxiliary_weight >= 0 and 0 <= drop_path < 1, got "
                f"auxiliary_weight={auxiliary_weight}, drop_path={drop_path}"
            )
        self.channels = int(channels)
        self.layers = int(layers)
        self.auxiliary_weight = float(auxiliary_weight)
        self.drop_path = float(drop_path)

    # -- strings ---------------------------------------------------------------------------

    def parse(self, string: str) -> DartsArchitecture:
        """Parse DARTS's ``Genotype(normal=[...], normal_concat=[2, 3, 4, 5], reduce=[...],
        reduce_concat=[2, 3, 4, 5])`` (``range(2, 6)`` is accepted for the concats).

        Parameters
        ----------
        string : str
            A DARTS genotype string, as ``str(arch)`` or DARTS's ``genotypes.py`` writes it.

        Returns
        -------
        DartsArchitecture
            The genotype the string describes.

        Raises
        ------
        ValueError
            If the string is not such a genotype; the message names the cell and the node that
            is wrong and what is expected.
        """
        if not isinstance(string, str):
            raise ValueError(f"a DARTS genotype is a str like {FORM!r}, got {string!r}")
        try:
            call = ast.parse(string.strip(), mode="eval").body
        except SyntaxError:
            call = None
        if not (isinstance(call, ast.Call) and isinstance(call.func, (ast.Name, ast.Attribute))):
            raise ValueError(f"cannot parse {string!r}: expected a DARTS genotype of the form {FORM!r}")
        fields = ("normal", "normal_concat", "reduce", "reduce_concat")
        given = dict(zip(fields, call.args))
        given.update({kw.arg: kw.value for kw in call.keywords if kw.arg is not None})
        unknown = sorted(set(given) - set(fields))
        missing = [f for f in fields if f not in given]
        if unknown or missing or len(call.args) > len(fields):
            problem = f"unknown field(s) {unknown}" if unknown else f"missing {', '.join(missing)}"
            raise ValueError(f"cannot parse {string!r}: {problem}; a genotype has the fields "
                             f"{', '.join(fields)}, as in {FORM!r}")
        cells = []
        for name in CELLS:
            cells.append(_check_cell(_literal(given[name], name, string), name, string))
            concat = _literal(given[f"{name}_concat"], f"{name}_concat", string)
            if list(concat) != CONCAT:
                raise ValueError(f"cannot parse {string!r}: {name}_concat is {concat!r}; in the DARTS space a cell "
                                 f"concatenates all its intermediate nodes, {CONCAT}")
        return DartsArchitecture(*cells)

    @staticmethod
    def published(name: str) -> DartsArchitecture:
        """A published genotype by name: one of :data:`PUBLISHED_GENOTYPES` (``"DARTS_V1"``,
        ``"DARTS_V2"``, ``"PONAS_CIFAR10"``).

        Parameters
        ----------
        name : str
            The name of the genotype, a key of :data:`PUBLISHED_GENOTYPES`.

        Returns
        -------
        DartsArchitecture
            The published genotype.

        Raises
        ------
        ValueError
            If no genotype of that name is shipped.
        """
        if name not in PUBLISHED_GENOTYPES:
            raise ValueError(f"unknown genotype {name!r}; shipped genotypes are "
                             f"{', '.join(map(repr, PUBLISHED_GENOTYPES))}")
        return DartsSpace().parse(PUBLISHED_GENOTYPES[name]["genotype"])

    # -- sampling, neighbourhoods and paths ------------------------------------------------

    def sample(self, rng: np.random.Generator) -> DartsArchitecture:
        cells = []
        for _ in CELLS:
            pairs = []
            for k in range(N_NODES):
                inputs = INPUT_PAIRS[k][int(rng.integers(len(INPUT_PAIRS[k])))]
                pairs += [(DARTS_OPS[int(rng.integers(len(DARTS_OPS)))], i) for i in inputs]
            cells.append(tuple(pairs))
        return DartsArchitecture(*cells)

    def neighbours(self, arch: DartsArchitecture) -> list[DartsArchitecture]:
        """Every genotype one edit away: each edge re-wired to another input of its node, the
        ops of a node's two edges exchanged, and each edge's op substituted (PO-NAS's
        mutation; at most 2 * (12 + 4) + 16 * 6 = 128 genotypes).

        Parameters
        ----------
        arch : DartsArchitecture
            A genotype of this space.

        Returns
        -------
        list of DartsArchitecture
            The distinct neighbours of ``arch``, ``arch`` itself excluded.
        """
        edits: list[Edit] = []
        for c, cell in enumerate(arch.nodes()):
            for k, node in enumerate(cell):
                for p in node:
                    edits += [("swap", c, k, p, q) for q in range(k + 2) if q != p]
                    edits += [("op", c, k, p, op) for op in DARTS_OPS if op != node[p]]
        out = dict.fromkeys(self.apply_edits(arch, [edit]) for edit in edits)
        out.pop(arch, None)  # exchanging two equal ops changes nothing
        return list(out)

    def edit_path(self, a: DartsArchitecture, b: DartsArchitecture) -> list[Edit]:
        """A shortest list of edits from ``a`` to ``b``, node by node: first the op
        substitutions, at the inputs the edges start from, then the re-wirings, so that any
        subset applied in order gives a valid genotype. Its length is :meth:`distance`.

        An edit is ``("op", cell, node, input, op)`` (substitute the op read from ``input``)
        or ``("swap", cell, node, p, q)`` (exchange the node's entries at inputs ``p`` and
        ``q``: re-wire an edge when one is empty, exchange two ops otherwise); cell 0 is the
        normal cell.

        Parameters
        ----------
        a : DartsArchitecture
            The genotype the path starts from.
        b : DartsArchitecture
            The genotype the path leads to.

        Returns
        -------
        list of tuple
            The edits, in the order to apply them; empty when ``a`` equals ``b``.
        """
        return cells_path(a.nodes(), b.nodes())

    def apply_edits(self, arch: DartsArchitecture, edits: Sequence[Edit]) -> DartsArchitecture:
        return DartsArchitecture.from_nodes(apply_edits(arch.nodes(), edits))

    def distance(self, a: DartsArchitecture, b: DartsArchitecture) -> int:
        """PO-NAS's minimal-operation-path distance: the fewest re-wirings, exchanges and op
        substitutions that turn ``a`` into ``b``.

        Parameters
        ----------
        a : DartsArchitecture
            A genotype of this space.
        b : DartsArchitecture
            Another genotype of this space.

        Returns
        -------
        int
            The length of :meth:`edit_path` from ``a`` to ``b``, 0 when they are equal.
        """
        return len(self.edit_path(a, b))

    # -- encodings -------------------------------------------------------------------------

    def choice_sizes(self) -> list[int]:
        """Per cell and node: which pair of inputs, then the op on each (24 decisions)."""
        n_ops = len(DARTS_OPS)
        return [size for _ in CELLS for k in range(N_NODES) for size in (len(INPUT_PAIRS[k]), n_ops, n_ops)]

    def from_choices(self, choices: Sequence[int]) -> DartsArchitecture:
        c = [int(x) for x in choices]
        if len(c) != len(self.choice_sizes()) or not all(0 <= x < n for x, n in zip(c, self.choice_sizes())):
            raise ValueError(f"a DARTS genotype takes {len(self.choice_sizes())} choices of sizes "
                             f"{self.choice_sizes()}, got {list(choices)}")
        cells, it = [], iter(c)
        for _ in CELLS:
            pairs = []
            for k in range(N_NODES):
                inputs, op1, op2 = INPUT_PAIRS[k][next(it)], next(it), next(it)
                pairs += [(DARTS_OPS[op1], inputs[0]), (DARTS_OPS[op2], inputs[1])]
            cells.append(tuple(pairs))
        return DartsArchitecture(*cells)

    def to_choices(self, arch: DartsArchitecture) -> list[int]:
        out = []
        for name in CELLS:
            pairs = getattr(arch, name)
            for k in range(N_NODES):
                (op1, i1), (op2, i2) = pairs[2 * k : 2 * k + 2]
                out += [INPUT_PAIRS[k].index((i1, i2)), DARTS_OPS.index(op1), DARTS_OPS.index(op2)]
        return out

    def encode(self, arch: DartsArchitecture) -> np.ndarray:
        """Per cell, a one-hot of the op on each of the 14 possible edges (zeros for an edge
        not used), shape ``(2 * 14 * 7,)``.

        Parameters
        ----------
        arch : DartsArchitecture
            A genotype of this space.

        Returns
        -------
        ndarray of shape (196,)
            The one-hot codes of the normal cell's edges, then of the reduction cell's.
        """
        out = np.zeros((len(CELLS), FIRST_EDGE[N_NODES], len(DARTS_OPS)), dtype=np.float32)
        for c, cell in enumerate(arch.nodes()):
            for k, node in enumerate(cell):
                for i, op in node.items():
                    out[c, FIRST_EDGE[k] + i, DARTS_OPS.index(op)] = 1.0
        return out.ravel()

    def to_graph(self, arch: DartsArchitecture) -> ArchitectureGraph:
        """Both cells as one graph of 14 nodes: per cell its two inputs, four intermediate nodes
        and the output that concatenates them; the reduction cell's inputs read the normal
        cell's output.

        Node features: whether the node is in the reduction cell, its index in its cell scaled
        to [0, 1], and counts of its incoming operations by type. Edges: the cell's ops typed by
        their index into ``DARTS_OPS``, and a concatenation type (7) into the outputs and from
        the normal cell's output.

        Parameters
        ----------
        arch : DartsArchitecture
            A genotype of this space.

        Returns
        -------
        ArchitectureGraph
            The graph of both cells, with 14 nodes and 8 edge types.
        """
        per_cell = N_NODES + 3
        n = 2 * per_cell
        concat = len(DARTS_OPS)
        adjacency = np.zeros((n, n), dtype=np.float32)
        edge_ops = np.full((n, n), -1, dtype=np.int64)
        op_counts = np.zeros((n, len(DARTS_OPS)), dtype=np.float32)
        for c, cell in enumerate(arch.nodes()):
            base = c * per_cell
            output = base + per_cell - 1
            for k, node in enumerate(cell):
                target = base + 2 + k
                for i, op in node.items():
                    adjacency[target, base + i] = 1.0
                    edge_ops[target, base + i] = DARTS_OPS.index(op)
                    op_counts[target, DARTS_OPS.index(op)] += 1
                adjacency[output, target] = 1.0
                edge_ops[output, target] = concat
        adjacency[per_cell : per_cell + 2, per_cell - 1] = 1.0
        edge_ops[per_cell : per_cell + 2, per_cell - 1] = concat
        cell_type = (np.arange(n) >= per_cell).astype(np.float32)[:, None]
        position = ((np.arange(n) % per_cell) / (per_cell - 1)).astype(np.float32)[:, None]
        node_features = np.concatenate([cell_type, position, op_counts], axis=1)
        return ArchitectureGraph(node_features, adjacency, edge_ops, concat + 1)

    # -- networks --------------------------------------------------------------------------

    def check_input_shape(self, input_shape: Sequence[int]) -> None:
        check_image_shape(self, input_shape)

    def build(self, arch: DartsArchitecture, input_shape: Sequence[int], n_outputs: int) -> DartsNetwork:
        self.check_input_shape(input_shape)
        if not isinstance(arch, DartsArchitecture):
            raise ValueError(f"cannot build {arch!r}: it is not a DARTS genotype; parse one with "
                             "space.parse(...) or draw one with space.sample(rng)")
        return DartsNetwork(
            arch.normal, arch.reduce, in_channels=int(input_shape[0]), n_outputs=int(n_outputs),
            channels=self.channels, layers=self.layers, auxiliary_weight=self.auxiliary_weight,
            drop_path=self.drop_path,
        )
