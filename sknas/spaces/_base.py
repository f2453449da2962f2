"""The interfaces every search space implements."""

from __future__ import annotations

import abc
import itertools
import warnings
from dataclasses import dataclass
from typing import Iterator, Sequence

import numpy as np
from torch import nn

#: Spaces larger than this are sampled rather than enumerated to draw a pool.
_ENUMERATION_LIMIT = 100_000


def parse_naslib_tuple(text: str, what: str, example: str) -> tuple[int, ...]:
    """The integers of a NASLib op-tuple string such as ``"(2, 3, 2, 3, 2, 3)"``.

    Parameters
    ----------
    text : str
        The string.
    what : str
        What the tuple describes, for error messages.
    example : str
        A well-formed example, for error messages.

    Raises
    ------
    ValueError
        If ``text`` is not a parenthesised, comma-separated list of integers.
    """
    if not isinstance(text, str):
        raise ValueError(  # noqa: TRY004 (SearchSpace.parse promises ValueError)
            f"a NASLib {what} is a str like {example!r}, got {text!r}"
        )
    body = text.strip()
    if not (body.startswith("(") and body.endswith(")")):
        raise ValueError(
            f"cannot parse {text!r}: a NASLib {what} is a parenthesised tuple of integers like "
            f"{example!r}"
        )
    items = [item.strip() for item in body[1:-1].split(",")]
    if items and items[-1] == "":
        items.pop()  # a one-element tuple "(1,)" ends with a comma
    try:
        return tuple(int(item) for item in items)
    except ValueError:
        raise ValueError(
            f"cannot parse {text!r}: a NASLib {what} holds comma-separated integers, like "
            f"{example!r}"
        ) from None


def check_image_shape(space: "SearchSpace", input_shape: Sequence[int]) -> None:
    """Raise ``ValueError`` unless ``input_shape`` is ``(channels, height, width)`` with both sides
    at least ``space.min_image_size``: the input check of the spaces whose networks take images."""
    shape = tuple(int(s) for s in input_shape)
    name = type(space).__name__
    if len(shape) != 3:
        raise ValueError(
            f"{name} networks take images of shape (channels, height, width), got input shape "
            f"{shape}; pass 4-D X or set image_shape"
        )
    if min(shape[1:]) < space.min_image_size:
        raise ValueError(
            f"{name} networks need images of at least {space.min_image_size}x"
            f"{space.min_image_size} pixels, got {shape[1]}x{shape[2]}; upsample the images "
            "or use space='mlp'"
        )


@dataclass(frozen=True)
class Architecture(abc.ABC):
    """An immutable, hashable point of a search space.

    ``str(arch)`` is its canonical string, and ``space.parse(str(arch)) == arch``.
    Subclasses are frozen dataclasses, so equality and hashing compare their fields.
    """

    @abc.abstractmethod
    def __str__(self) -> str:
        """The canonical string of the architecture."""


@dataclass(frozen=True)
class ArchitectureGraph:
    """An architecture as a directed graph, for graph encoders.

    Parameters
    ----------
    node_features : ndarray of shape (n_nodes, n_features)
        One feature vector per node; every architecture of a space has the same shape.
    adjacency : ndarray of shape (n_nodes, n_nodes)
        ``adjacency[j, i] = 1`` when node ``j`` reads node ``i``.
    edge_ops : ndarray of shape (n_nodes, n_nodes)
        The type of the edge from ``i`` to ``j`` at ``[j, i]``, an integer in
        ``[0, n_edge_types)``; -1 where the space has no edge.
    n_edge_types : int
        The number of edge types of the space.
    """

    node_features: np.ndarray
    adjacency: np.ndarray
    edge_ops: np.ndarray
    n_edge_types: int


class SearchSpace(abc.ABC):
    """What an architecture is: how to sample, mutate, encode, compare and build one.

    A search space knows nothing of data or strategies: the estimators pass it the input
    shape and the number of outputs when they build a network.
    """

    #: Short name used in error messages and by ``space=`` strings of the estimators.
    name: str = ""

    @abc.abstractmethod
    def parse(self, string: str) -> Architecture:
        """Parse the canonical string of an architecture (the inverse of ``str(arch)``).

        Parameters
        ----------
        string : str
            The canonical string of an architecture of this space, as ``str(arch)`` writes it.

        Returns
        -------
        Architecture
            The architecture the string describes.

        Raises
        ------
        ValueError
            If the string is malformed; the message says what is wrong.
        """

    @abc.abstractmethod
    def sample(self, rng: np.random.Generator) -> Architecture:
        """Draw one architecture uniformly at random.

        Parameters
        ----------
        rng : numpy.random.Generator
            The random generator the draw uses.

        Returns
        -------
        Architecture
            An architecture of this space.
        """

    @abc.abstractmethod
    def neighbours(self, arch: Architecture) -> list[Architecture]:
        """All architectures one elementary change away from ``arch``.

        Parameters
        ----------
        arch : Architecture
            An architecture of this space.

        Returns
        -------
        list of Architecture
            The neighbours of ``arch``, each at distance 1 from it.
        """

    def mutate(self, arch: Architecture, rng: np.random.Generator) -> Architecture:
        """A uniformly chosen neighbour of ``arch`` (one elementary change).

        Parameters
        ----------
        arch : Architecture
            An architecture of this space.
        rng : numpy.random.Generator
            The random generator that picks the neighbour.

        Returns
        -------
        Architecture
            One of :meth:`neighbours` of ``arch``.
        """
        options = self.neighbours(arch)
        return options[int(rng.integers(len(options)))]

    @abc.abstractmethod
    def encode(self, arch: Architecture) -> np.ndarray:
        """A fixed-length float vector describing ``arch`` (one-hot of its choices).

        Parameters
        ----------
        arch : Architecture
            An architecture of this space.

        Returns
        -------
        ndarray of shape (n_features,)
            The encoding of ``arch``; every architecture of the space has the same length.
        """

    def to_graph(self, arch: Architecture) -> ArchitectureGraph:
        """``arch`` as an :class:`ArchitectureGraph` (for the graph encoder of PO-NAS).

        Parameters
        ----------
        arch : Architecture
            An architecture of this space.

        Returns
        -------
        ArchitectureGraph
            The graph of ``arch``; every architecture of the space has the same number of nodes.

        Raises
        ------
        NotImplementedError
            If the space has no graph representation.
        """
        raise NotImplementedError(
            f"the {self.name or type(self).__name__} space has no graph representation; "
            "implement to_graph(arch) to use it with a graph encoder"
        )

    @abc.abstractmethod
    def distance(self, a: Architecture, b: Architecture) -> int:
        """Edit distance: the number of elementary changes that turn ``a`` into ``b``.

        Parameters
        ----------
        a : Architecture
            An architecture of this space.
        b : Architecture
            Another architecture of this space.

        Returns
        -------
        int
            The distance, 0 when ``a`` and ``b`` are equal.
        """

    def edit_path(self, a: Architecture, b: Architecture) -> list:
        """A list of elementary edits that turns ``a`` into ``b`` when applied in order
        (:meth:`apply_edits`); PO-NAS's crossover applies a random half of it.

        The default path sets, one decision at a time, each decision of :meth:`to_choices` on
        which ``a`` and ``b`` differ to ``b``'s option: an edit is ``(decision, option)``. In
        spaces whose distance counts those decisions (the cell spaces) its length is
        :meth:`distance`; spaces with another distance override both methods.

        Parameters
        ----------
        a : Architecture
            The architecture the path starts from.
        b : Architecture
            The architecture the path leads to.

        Returns
        -------
        list
            The edits, in the order to apply them; empty when ``a`` equals ``b``.
        """
        ca, cb = self.to_choices(a), self.to_choices(b)
        return [(i, y) for i, (x, y) in enumerate(zip(ca, cb)) if x != y]

    def apply_edits(self, arch: Architecture, edits: Sequence) -> Architecture:
        """``arch`` after the edits of an :meth:`edit_path` (any subset of one, in its order).

        Parameters
        ----------
        arch : Architecture
            The architecture the edits start from (the ``a`` of the :meth:`edit_path`).
        edits : sequence
            Edits of an :meth:`edit_path` from ``arch``, in the order of the path.

        Returns
        -------
        Architecture
            The architecture after the edits.
        """
        choices = self.to_choices(arch)
        for decision, option in edits:
            choices[decision] = option
        return self.from_choices(choices)

    @abc.abstractmethod
    def build(
        self, arch: Architecture, input_shape: Sequence[int], n_outputs: int
    ) -> nn.Module:
        """Build an untrained network mapping inputs of ``input_shape`` to ``n_outputs`` logits.

        Parameters
        ----------
        arch : Architecture
            The architecture of the network.
        input_shape : sequence of int
            The shape of one input sample, without the batch dimension.
        n_outputs : int
            The number of outputs of the network (classes, or regression targets).

        Returns
        -------
        torch.nn.Module
            The network, with freshly initialised weights.
        """

    def enumerate(self) -> Iterator[Architecture]:
        """Every architecture of the space, in a fixed order.

        Raises
        ------
        NotImplementedError
            If the space is too large to enumerate.
        """
        raise NotImplementedError(
            f"the {self.name or type(self).__name__} space cannot be enumerated; "
            "sample from it with space.sample(rng) instead"
        )

    def sample_pool(self, n: int, rng: np.random.Generator) -> list[Architecture]:
        """``n`` architectures that compute different functions, drawn at random.

        In an enumerable space (of at most 100,000 architectures) every class of isomorphic
        architectures is equally likely, and the pool is the whole space, one per class, when
        ``n`` is at least its size. Otherwise architectures are sampled until ``n`` distinct
        classes are found, or the draws stop finding new ones (``100 * n`` draws in all, or
        ``max(1000, 10 * found)`` in a row that find nothing new); then the pool is smaller
        than ``n`` and a ``UserWarning`` says how many were found.

        Parameters
        ----------
        n : int
            The number of architectures wanted.
        rng : numpy.random.Generator
            The random generator the draws use.

        Returns
        -------
        list of Architecture
            At most ``n`` architectures, no two of which compute the same function.
        """
        n = int(n)
        try:
            everything = list(itertools.islice(self.enumerate(), _ENUMERATION_LIMIT + 1))
        except NotImplementedError:
            everything = []
        if not everything or len(everything) > _ENUMERATION_LIMIT:
            pool: dict[Architecture, Architecture] = {}
            draws = since_new = 0
            # When classes are about equally likely, the last missing one of S escapes 10 * S
            # draws with probability e**-10: stopping after that many fruitless draws leaves
            # the pool as it was whenever sampling reaches n, and bounds the loop when it can't.
            while len(pool) < n and draws < 100 * n and since_new < max(1000, 10 * len(pool)):
                arch = self.sample(rng)
                draws += 1
                size = len(pool)
                pool.setdefault(self.canonical(arch), arch)
                since_new = 0 if len(pool) > size else since_new + 1
            if len(pool) < n:
                warnings.warn(
                    f"sampling the {self.name or type(self).__name__} space found {len(pool)} "
                    f"distinct architectures in {draws} draws, fewer than the {n} asked for (the "
                    f"last {since_new} draws found nothing new); the pool holds these "
                    f"{len(pool)}. Ask for at most {len(pool)} (e.g. a smaller n_candidates) or "
                    "use a larger space",
                    UserWarning,
                    stacklevel=2,
                )
            return list(pool.values())
        classes = list(dict.fromkeys(self.canonical(a) for a in everything))
        if n >= len(classes):
            return classes
        return [classes[i] for i in sorted(rng.choice(len(classes), size=n, replace=False))]

    def choice_sizes(self) -> list[int]:
        """The number of options of each categorical decision that defines an architecture.

        With :meth:`from_choices` and :meth:`to_choices` this is the integer encoding that
        policy-gradient and genetic strategies search over.

        Raises
        ------
        NotImplementedError
            If the space has no such encoding.
        """
        raise NotImplementedError(f"{type(self).__name__} has no categorical encoding")

    def from_choices(self, choices: Sequence[int]) -> Architecture:
        """The architecture of one option index per decision of :meth:`choice_sizes`.

        Parameters
        ----------
        choices : sequence of int
            One option index per decision, each in ``[0, choice_sizes()[i])``.

        Returns
        -------
        Architecture
            The architecture these choices define.

        Raises
        ------
        NotImplementedError
            If the space has no categorical encoding.
        """
        raise NotImplementedError(f"{type(self).__name__} has no categorical encoding")

    def to_choices(self, arch: Architecture) -> list[int]:
        """The option index of each decision for ``arch`` (the inverse of ``from_choices``).

        Parameters
        ----------
        arch : Architecture
            An architecture of this space.

        Returns
        -------
        list of int
            One option index per decision of :meth:`choice_sizes`.

        Raises
        ------
        NotImplementedError
            If the space has no categorical encoding.
        """
        raise NotImplementedError(f"{type(self).__name__} has no categorical encoding")

    def __contains__(self, arch: object) -> bool:
        """Whether ``arch`` belongs to this space (its string parses back to it)."""
        if not isinstance(arch, Architecture):
            return False
        try:
            return self.parse(str(arch)) == arch
        except ValueError:
            return False

    def canonical(self, arch: Architecture) -> Architecture:
        """The representative of the class of architectures that compute the same function.

        Spaces without isomorphic duplicates return ``arch`` itself.

        Parameters
        ----------
        arch : Architecture
            An architecture of this space.

        Returns
        -------
        Architecture
            The representative of the class of ``arch``; equal for architectures that compute
            the same function.
        """
        return arch

    def check_input_shape(self, input_shape: Sequence[int]) -> None:
        """Raise ``ValueError`` if networks of this space cannot take inputs of this shape.

        Parameters
        ----------
        input_shape : sequence of int
            The shape of one input sample, without the batch dimension.

        Raises
        ------
        ValueError
            If networks of this space cannot take inputs of this shape.
        """

    def get_config(self) -> dict:
        """The constructor arguments that rebuild this space: ``type(space)(**space.get_config())``."""
        return {k: v for k, v in vars(self).items() if not k.startswith("_")}

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({params})"
