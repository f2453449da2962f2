"""The TransNAS-Bench-101 macro (block-sequence) search space."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ._base import Architecture, ArchitectureGraph, parse_naslib_tuple
from ._tnb101 import TNB101Space
from ._tnb101_network import TNB101MacroNetwork, module_change

#: Block codes: 1 plain, 2 doubles the channels, 3 halves the resolution, 4 does both.
CODES = (1, 2, 3, 4)
MIN_BLOCKS, MAX_BLOCKS = 4, 6
MIN_HALVINGS, MAX_HALVINGS = 1, 4
MIN_DOUBLINGS, MAX_DOUBLINGS = 1, 3

MACRO_FORM = "64-<blocks>-basic"
RULES = (
    f"{MIN_BLOCKS} to {MAX_BLOCKS} block codes, each 1 (plain), 2 (channels x2), 3 (resolution "
    f"/2) or 4 (both), with {MIN_HALVINGS} to {MAX_HALVINGS} resolution halvings (codes 3, 4) and "
    f"{MIN_DOUBLINGS} to {MAX_DOUBLINGS} channel doublings (codes 2, 4)"
)


def _halvings(blocks: Sequence[int]) -> int:
    return sum(module_change(b)[1] == 2 for b in blocks)


def _doublings(blocks: Sequence[int]) -> int:
    return sum(module_change(b)[0] == 2 for b in blocks)


def macro_problems(blocks: Sequence[int]) -> list[str]:
    """What makes a block sequence invalid in TransNAS-Bench-101 (empty when it is valid)."""
    problems = []
    if not MIN_BLOCKS <= len(blocks) <= MAX_BLOCKS:
        problems.append(f"it has {len(blocks)} blocks, not {MIN_BLOCKS} to {MAX_BLOCKS}")
    bad = [b for b in blocks if b not in CODES]
    if bad:
        problems.append(f"block codes {bad} are not in 1..4")
        return problems
    if not MIN_HALVINGS <= _halvings(blocks) <= MAX_HALVINGS:
        problems.append(
            f"it halves the resolution {_halvings(blocks)} times (codes 3, 4), not "
            f"{MIN_HALVINGS} to {MAX_HALVINGS}"
        )
    if not MIN_DOUBLINGS <= _doublings(blocks) <= MAX_DOUBLINGS:
        problems.append(
            f"it doubles the channels {_doublings(blocks)} times (codes 2, 4), not "
            f"{MIN_DOUBLINGS} to {MAX_DOUBLINGS}"
        )
    return problems


def _levenshtein(a: Sequence[int], b: Sequence[int]) -> int:
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, start=1):
        current = [i]
        for j, y in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y)))
        previous = current
    return previous[-1]


@dataclass(frozen=True)
class TNB101MacroArchitecture(Architecture):
    """A TransNAS-Bench-101 macro architecture: the code of each module, in order.

    Parameters
    ----------
    blocks : tuple of int
        4 to 6 codes: 1 plain, 2 doubles the channels, 3 halves the resolution, 4 both. NASLib's
        op tuple is this tuple.

    Notes
    -----
    ``str(arch)`` is the benchmark's identifier ``64-<blocks>-basic`` whatever the channels or
    depth of the space that builds it.
    """

    blocks: tuple[int, ...]

    def __str__(self) -> str:
        return f"64-{''.join(str(b) for b in self.blocks)}-basic"


class TNB101MacroSpace(TNB101Space):
    """The TransNAS-Bench-101 macro space: 3,256 sequences of 4 to 6 residual modules.

    A network is a stem, one module of ``blocks_per_module`` ResNet basic blocks per block
    code, global average pooling and a linear head. The first block of a module of code 2
    doubles the channels, of code 3 halves the resolution, of code 4 does both (stride-2 and
    channel changes go through a 1x1 conv + BN shortcut). A valid sequence halves the
    resolution 1 to 4 times and doubles the channels 1 to 3 times.

    Parameters
    ----------
    channels : int, default=64
        Channels after the stem; each doubling module doubles them.
    blocks_per_module : int, default=2
        Basic blocks per module.
    stem_stride : {None, 1, 2, 4}, default=None
        Stride of the stem; None chooses 4 (the benchmark's) for images of at least 64 pixels
        a side and 1 for smaller ones.

    Examples
    --------
    >>> import torch
    >>> from sknas.spaces import TNB101MacroSpace
    >>> space = TNB101MacroSpace(channels=8, blocks_per_module=1)
    >>> arch = space.parse("64-232323-basic")
    >>> arch == space.from_naslib("(2, 3, 2, 3, 2, 3)"), len(list(space.enumerate()))
    (True, 3256)
    >>> space.build(arch, input_shape=(1, 8, 8), n_outputs=3)(torch.zeros(2, 1, 8, 8)).shape
    torch.Size([2, 3])
    """

    name = "tnb101-macro"
    codes = CODES

    # -- strings ---------------------------------------------------------------------------

    def parse(self, string: str) -> TNB101MacroArchitecture:
        expected = f"expected the form {MACRO_FORM!r} with {RULES}"
        if not isinstance(string, str):
            raise ValueError(  # noqa: TRY004 (SearchSpace.parse promises ValueError)
                f"a macro architecture string is a str like '64-232323-basic', got {string!r}"
            )
        parts = string.strip().split("-")
        if len(parts) != 3 or parts[0] != "64" or parts[2] != "basic":
            hint = " (a micro string: parse it with TNB101MicroSpace)" if "_" in parts[-1] else ""
            raise ValueError(
                f"cannot parse {string!r}{hint}: a TransNAS-Bench-101 macro string is '64-', the block "
                f"codes, then '-basic' (the benchmark's channels and block, whatever the space's "
                f"configuration); {expected}"
            )
        if not parts[1].isdigit():
            raise ValueError(f"cannot parse {string!r}: the blocks {parts[1]!r} are not digits; {expected}")
        return self._checked(tuple(int(c) for c in parts[1]), string)

    def from_naslib(self, text: str) -> TNB101MacroArchitecture:
        """The architecture of a NASLib op tuple such as ``"(2, 3, 2, 3, 2, 3)"`` (the block codes).

        Parameters
        ----------
        text : str
            The NASLib op tuple: the block codes 1..4, in order.

        Returns
        -------
        TNB101MacroArchitecture
            The block sequence the tuple describes.

        Raises
        ------
        ValueError
            If the text is not a tuple of integers, or not a valid block sequence.
        """
        return self._checked(parse_naslib_tuple(text, "macro op tuple", "(2, 3, 2, 3, 2, 3)"), text)

    @staticmethod
    def _checked(blocks: tuple[int, ...], source: str) -> TNB101MacroArchitecture:
        problems = macro_problems(blocks)
        if problems:
            raise ValueError(
                f"{source!r} is not a TransNAS-Bench-101 macro architecture: "
                + "; ".join(problems)
                + f". A valid one has {RULES}"
            )
        return TNB101MacroArchitecture(blocks)

    # -- sampling and neighbourhoods -------------------------------------------------------

    @cached_property
    def _all(self) -> tuple[TNB101MacroArchitecture, ...]:
        return tuple(
            TNB101MacroArchitecture(blocks)
            for n in range(MIN_BLOCKS, MAX_BLOCKS + 1)
            for blocks in itertools.product(CODES, repeat=n)
            if not macro_problems(blocks)
        )

    def enumerate(self) -> Iterator[TNB101MacroArchitecture]:
        """All 3,256 valid sequences: by length, then with the first block varying slowest."""
        return iter(self._all)

    def sample(self, rng: np.random.Generator) -> TNB101MacroArchitecture:
        """One of the 3,256 valid sequences, uniformly.

        Parameters
        ----------
        rng : numpy.random.Generator
            The random generator the draw uses.

        Returns
        -------
        TNB101MacroArchitecture
            A valid block sequence.
        """
        return self._all[int(rng.integers(len(self._all)))]

    def neighbours(self, arch: TNB101MacroArchitecture) -> list[TNB101MacroArchitecture]:
        """The valid sequences one block change, insertion or deletion away from ``arch``.

        Parameters
        ----------
        arch : TNB101MacroArchitecture
            A block sequence of this space.

        Returns
        -------
        list of TNB101MacroArchitecture
            The distinct valid neighbours of ``arch``.
        """
        b = arch.blocks
        candidates = [b[:i] + (c,) + b[i + 1 :] for i in range(len(b)) for c in CODES if c != b[i]]
        candidates += [b[:i] + (c,) + b[i:] for i in range(len(b) + 1) for c in CODES]
        candidates += [b[:i] + b[i + 1 :] for i in range(len(b))]
        # Inserting or deleting a code next to an equal one repeats a sequence: keep it once.
        valid = dict.fromkeys(c for c in candidates if not macro_problems(c))
        return [TNB101MacroArchitecture(c) for c in valid]

    def distance(self, a: TNB101MacroArchitecture, b: TNB101MacroArchitecture) -> int:
        """Levenshtein distance of the block sequences (changes, insertions, deletions).

        Parameters
        ----------
        a : TNB101MacroArchitecture
            A block sequence of this space.
        b : TNB101MacroArchitecture
            Another block sequence of this space.

        Returns
        -------
        int
            The distance, 0 when ``a`` and ``b`` are equal.
        """
        return _levenshtein(a.blocks, b.blocks)

    def canonical(self, arch: TNB101MacroArchitecture) -> TNB101MacroArchitecture:
        """``arch`` itself: each benchmark entry is its own architecture.

        Parameters
        ----------
        arch : TNB101MacroArchitecture
            A block sequence of this space.

        Returns
        -------
        TNB101MacroArchitecture
            ``arch``.
        """
        return arch

    # -- encodings -------------------------------------------------------------------------

    def choice_sizes(self) -> list[int]:
        """One decision per slot of the 6: no block (0) or a block code 1..4.

        :meth:`from_choices` keeps the codes in order and drops the zeros, so some choices
        give a sequence outside the space (too short, or breaking the halving or doubling
        limits): then ``arch in space`` is False.
        """
        return [len(CODES) + 1] * MAX_BLOCKS

    def from_choices(self, choices: Sequence[int]) -> TNB101MacroArchitecture:
        codes = [int(c) for c in choices]
        if len(codes) != MAX_BLOCKS or not all(0 <= c <= len(CODES) for c in codes):
            raise ValueError(
                f"a macro architecture takes {MAX_BLOCKS} choices, each 0 (no block) or a block "
                f"code 1..4, got {list(choices)}"
            )
        return TNB101MacroArchitecture(tuple(c for c in codes if c != 0))

    def to_choices(self, arch: TNB101MacroArchitecture) -> list[int]:
        return list(arch.blocks) + [0] * (MAX_BLOCKS - len(arch.blocks))

    def encode(self, arch: TNB101MacroArchitecture) -> np.ndarray:
        """One-hot of each slot (no block, codes 1..4), shape ``(6 * 5,)``.

        Parameters
        ----------
        arch : TNB101MacroArchitecture
            A block sequence of this space.

        Returns
        -------
        ndarray of shape (30,)
            The one-hot codes of the six slots, one after the other.
        """
        out = np.zeros((MAX_BLOCKS, len(CODES) + 1), dtype=np.float32)
        out[np.arange(MAX_BLOCKS), self.to_choices(arch)] = 1.0
        return out.ravel()

    def to_graph(self, arch: TNB101MacroArchitecture) -> ArchitectureGraph:
        """The sequence as a chain of 7 nodes: the feature maps between blocks.

        Node ``i`` is the map after ``i`` blocks (node 0: the stem's output). Its features:
        its position ``i / 6``, the halvings and doublings so far over their maxima (4 and 3),
        whether it exists, and the one-hot code of the block that made it. The edge
        ``i -> i + 1`` is typed by that block's code minus 1 (4 edge types); nodes past the
        last block have no edges, so every graph has the same shape.

        Parameters
        ----------
        arch : TNB101MacroArchitecture
            A block sequence of this space.

        Returns
        -------
        ArchitectureGraph
            The chain graph of the sequence, with 7 nodes and 4 edge types.
        """
        n_nodes = MAX_BLOCKS + 1
        adjacency = np.zeros((n_nodes, n_nodes), dtype=np.float32)
        edge_ops = np.full((n_nodes, n_nodes), -1, dtype=np.int64)
        features = np.zeros((n_nodes, 4 + len(CODES)), dtype=np.float32)
        features[:, 0] = np.arange(n_nodes) / MAX_BLOCKS
        features[0, 3] = 1.0
        for i, code in enumerate(arch.blocks, start=1):
            adjacency[i, i - 1] = 1.0
            edge_ops[i, i - 1] = code - 1
            done = arch.blocks[:i]
            features[i, 1] = _halvings(done) / MAX_HALVINGS
            features[i, 2] = _doublings(done) / MAX_DOUBLINGS
            features[i, 3] = 1.0
            features[i, 3 + code] = 1.0
        return ArchitectureGraph(features, adjacency, edge_ops, len(CODES))

    # -- networks --------------------------------------------------------------------------

    def _network(self, arch: TNB101MacroArchitecture) -> tuple[type, tuple[int, ...]]:
        return TNB101MacroNetwork, arch.blocks
