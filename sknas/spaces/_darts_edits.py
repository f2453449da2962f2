"""Edit paths between DARTS genotypes: PO-NAS's minimal-operation-path distance (Algorithm 2).

A cell is a list of nodes; a node is a mapping ``{input: op}`` with two entries, its row of
PO-NAS's genotype matrix (the op id at each input's column, 0 elsewhere). Two elementary edits
change a node, each at cost 1:

- ``("swap", cell, node, p, q)`` exchanges the entries at inputs ``p`` and ``q``: with one of
  them empty it re-wires an edge (keeping its op), with both used it exchanges their ops;
- ``("op", cell, node, p, op)`` substitutes the op of the edge at input ``p``.

The path from one node to another takes, of the two ways to pair their edges, the one with
fewer edits: a substitution for each paired edge whose op differs, then the swaps that carry
the edges to their new inputs (one swap when the two edges exchange inputs, one per moved edge
otherwise). Substitutions come first, at the inputs the edges start from, so any subset of a
path applied in order gives a valid genotype (two edges per node): crossover applies half.
"""

from __future__ import annotations

from typing import Sequence

#: A node of a cell: its two inputs and the op on each.
Node = dict[int, str]
#: One elementary edit: ``(kind, cell, node, input, op-or-input)``.
Edit = tuple[str, int, int, int, object]


def _swaps(moves: list[tuple[int, int]], used: set[int]) -> list[tuple[int, int]]:
    """Swaps that carry the edges at the sources of ``moves`` to their targets, in an order
    where each swap moves its edge onto an input that is empty (or exchanges two edges)."""
    if len(moves) == 2 and moves[0] == moves[1][::-1]:
        return [moves[0]]  # the two edges exchange inputs: one swap
    ordered, occupied = [], set(used)
    pending = list(moves)
    while pending:
        for k, (source, target) in enumerate(pending):
            if target not in occupied:
                ordered.append((source, target))
                occupied.discard(source)
                occupied.add(target)
                del pending[k]
                break
        else:  # pragma: no cover - two edges cannot block each other but by exchanging inputs
            raise AssertionError(f"no order for the moves {moves}")
    return ordered


def node_path(start: Node, goal: Node, cell: int, node: int) -> list[Edit]:
    """The shortest list of edits turning node ``start`` into node ``goal`` (see the module)."""
    s_inputs, g_inputs = sorted(start), sorted(goal)
    best: list[Edit] | None = None
    for pairing in (g_inputs, g_inputs[::-1]):
        edits: list[Edit] = [
            ("op", cell, node, s, goal[g]) for s, g in zip(s_inputs, pairing) if start[s] != goal[g]
        ]
        moves = [(s, g) for s, g in zip(s_inputs, pairing) if s != g]
        edits += [("swap", cell, node, p, q) for p, q in _swaps(moves, set(s_inputs))]
        if best is None or len(edits) < len(best):
            best = edits
    return best


def cells_path(start: Sequence[Sequence[Node]], goal: Sequence[Sequence[Node]]) -> list[Edit]:
    """The shortest edit path between two genotypes given as cells of nodes, node by node."""
    path: list[Edit] = []
    for c, (start_cell, goal_cell) in enumerate(zip(start, goal)):
        for n, (a, b) in enumerate(zip(start_cell, goal_cell)):
            path += node_path(a, b, c, n)
    return path


def apply_edits(cells: Sequence[Sequence[Node]], edits: Sequence[Edit]) -> list[list[Node]]:
    """The cells after ``edits`` (a copy; ``cells`` is left as it was).

    Raises
    ------
    ValueError
        If an edit substitutes the op at an input the node does not read.
    """
    out = [[dict(node) for node in cell] for cell in cells]
    for kind, c, n, p, value in edits:
        node = out[c][n]
        if kind == "op":
            if p not in node:
                raise ValueError(f"edit {(kind, c, n, p, value)}: node {n} of cell {c} does not read input {p}")
            node[p] = value
        else:
            q = int(value)
            ops = {p: node.pop(p, None), q: node.pop(q, None)}
            for source, target in ((p, q), (q, p)):
                if ops[source] is not None:
                    node[target] = ops[source]
    return out
