"""The interfaces every search space implements."""

from __future__ import annotations

import abc
from dataclasses import dataclass
from typing import Iterator, Sequence

import numpy as np
from torch import nn


@dataclass(frozen=True)
class Architecture(abc.ABC):
    """An immutable, hashable point of a search space.

    ``str(arch)`` is its canonical string, and ``space.parse(str(arch)) == arch``.
    Subclasses are frozen dataclasses, so equality and hashing compare their fields.
    """

    @abc.abstractmethod
    def __str__(self) -> str:
        """The canonical string of the architecture."""


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

        Raises
        ------
        ValueError
            If the string is malformed; the message says what is wrong.
        """

    @abc.abstractmethod
    def sample(self, rng: np.random.Generator) -> Architecture:
        """Draw one architecture uniformly at random."""

    @abc.abstractmethod
    def neighbours(self, arch: Architecture) -> list[Architecture]:
        """All architectures one elementary change away from ``arch``."""

    def mutate(self, arch: Architecture, rng: np.random.Generator) -> Architecture:
        """A uniformly chosen neighbour of ``arch`` (one elementary change)."""
        options = self.neighbours(arch)
        return options[int(rng.integers(len(options)))]

    @abc.abstractmethod
    def encode(self, arch: Architecture) -> np.ndarray:
        """A fixed-length float vector describing ``arch`` (one-hot of its choices)."""

    @abc.abstractmethod
    def distance(self, a: Architecture, b: Architecture) -> int:
        """Edit distance: the number of elementary changes that turn ``a`` into ``b``."""

    @abc.abstractmethod
    def build(
        self, arch: Architecture, input_shape: Sequence[int], n_outputs: int
    ) -> nn.Module:
        """Build an untrained network mapping inputs of ``input_shape`` to ``n_outputs`` logits."""

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

    def canonical(self, arch: Architecture) -> Architecture:
        """The representative of the class of architectures that compute the same function.

        Spaces without isomorphic duplicates return ``arch`` itself.
        """
        return arch

    def check_input_shape(self, input_shape: Sequence[int]) -> None:
        """Raise ``ValueError`` if networks of this space cannot take inputs of this shape."""

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if not k.startswith("_"))
        return f"{type(self).__name__}({params})"
