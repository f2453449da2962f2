"""What a benchmark table answers with: its rows as a space (:class:`PoolSpace`), its objective
as an evaluator (:class:`TabularEvaluator`) and its proxy columns as a scorer
(:class:`TableProxyScorer`). :class:`~sknas.bench.TableBenchmark` builds all three.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Iterator, Sequence

import numpy as np

from ..evaluation import EvaluationResult
from ..proxies import resolve_names
from ..spaces import Architecture, SearchSpace

if TYPE_CHECKING:
    from ._table_benchmark import TableBenchmark

class PoolSpace(SearchSpace):
    """A search space restricted to a benchmark's pool of architectures.

    Sampling, neighbourhoods and enumeration stay inside the pool, so every strategy only
    proposes architectures the benchmark can answer for; strings, encodings, graphs, distances,
    choices and networks are the underlying space's. Each member of the pool counts as its
    own architecture (``canonical`` is the identity), as in the benchmark's tables.

    Parameters
    ----------
    space : SearchSpace
        The space the pool's architectures belong to.
    pool : sequence of Architecture
        The architectures of the benchmark.
    """

    def __init__(self, space: SearchSpace, pool: Sequence[Architecture]):
        self.space = space
        self.pool = tuple(pool)
        self.name = space.name
        self._members = frozenset(self.pool)

    def __contains__(self, arch) -> bool:
        return arch in self._members

    def parse(self, string: str) -> Architecture:
        return self.space.parse(string)

    def sample(self, rng: np.random.Generator) -> Architecture:
        return self.pool[int(rng.integers(len(self.pool)))]

    def neighbours(self, arch: Architecture) -> list[Architecture]:
        """The pool's architectures one change away; if there are none, the nearest ones.

        Parameters
        ----------
        arch : Architecture
            An architecture of the underlying space.

        Returns
        -------
        list of Architecture
            Its neighbours of the underlying space that are in the pool or, when none is, the
            pool's architectures nearest to ``arch`` other than itself.
        """
        inside = [a for a in self.space.neighbours(arch) if a in self._members]
        if inside:
            return inside
        distances = np.array([self.space.distance(arch, a) if a != arch else np.inf for a in self.pool])
        return [self.pool[i] for i in np.flatnonzero(distances == distances.min())]

    def enumerate(self) -> Iterator[Architecture]:
        return iter(self.pool)

    def canonical(self, arch: Architecture) -> Architecture:
        return arch

    def encode(self, arch: Architecture) -> np.ndarray:
        return self.space.encode(arch)

    def to_graph(self, arch: Architecture):
        return self.space.to_graph(arch)

    def distance(self, a: Architecture, b: Architecture) -> int:
        return self.space.distance(a, b)

    def build(self, arch: Architecture, input_shape: Sequence[int], n_outputs: int):
        return self.space.build(arch, input_shape, n_outputs)

    def check_input_shape(self, input_shape: Sequence[int]) -> None:
        self.space.check_input_shape(input_shape)

    def choice_sizes(self) -> list[int]:
        return self.space.choice_sizes()

    def from_choices(self, choices: Sequence[int]) -> Architecture:
        return self.space.from_choices(choices)

    def to_choices(self, arch: Architecture) -> list[int]:
        return self.space.to_choices(arch)

    def get_config(self) -> dict:
        return {"space": self.space, "pool": list(self.pool)}

    def __repr__(self) -> str:
        return f"PoolSpace({self.space!r}, {len(self.pool)} architectures)"


class TabularEvaluator:
    """Evaluates an architecture by looking it up: the objective, and the training time as its cost.

    ``EvaluationResult.cost_s`` is the recorded training time of the run the objective comes
    from when the table has one (the search cost a strategy would have paid), else the wall
    time of the lookup; ``metrics`` holds the table's further figures, the architecture's
    ``rank`` and the lookup time. An architecture outside the pool is a failed evaluation,
    like a network that fails to train.

    Parameters
    ----------
    benchmark : TableBenchmark
        The benchmark whose table answers the queries.
    """

    def __init__(self, benchmark: TableBenchmark):
        self.benchmark = benchmark

    def evaluate(self, arch: Architecture) -> EvaluationResult:
        start = time.perf_counter()
        bench = self.benchmark
        try:
            objective = bench.objective(arch)
            metrics = {name: bench.metric(name, arch) for name in bench.metric_names}
            metrics["rank"] = bench.rank(arch)
            cost = bench.training_cost(arch)
        except KeyError as exc:
            return EvaluationResult.failed(str(exc.args[0]), time.perf_counter() - start)
        metrics["lookup_s"] = time.perf_counter() - start
        return EvaluationResult(objective, cost if np.isfinite(cost) else metrics["lookup_s"], metrics)


class TableProxyScorer:
    """Zero-cost proxies read from a benchmark's table: the interface of ``ProxyScorer``.

    A proxy the table marks as failed (NaN, or NAS-Bench-Suite-Zero's -1e8) reads as NaN, as
    ``ProxyScorer`` records a failed proxy, so it takes no part in normalisation.

    Parameters
    ----------
    benchmark : TableBenchmark
        Whose table to read.
    names : str or sequence of str
        sknas proxy names among ``benchmark.proxy_names``.
    """

    def __init__(self, benchmark: TableBenchmark, names):
        self.benchmark = benchmark
        self.names = resolve_names(names)
        missing = [name for name in self.names if name not in benchmark._proxies]
        if missing:
            raise ValueError(
                f"the benchmark {benchmark.name!r} has no values of the proxies {missing}; "
                f"it has {', '.join(benchmark.proxy_names) or 'none'}"
            )
        self.errors_: dict[str, dict[str, str]] = {}
        self._columns = np.column_stack([benchmark._proxies[name] for name in self.names])

    def score(self, archs: Sequence[Architecture]) -> np.ndarray:
        """Proxy values of ``archs``: shape ``(len(archs), len(names))``; NaN outside the pool
        and where the table has none.

        Parameters
        ----------
        archs : sequence of Architecture
            The architectures to score; those outside the pool are recorded in ``errors_``.

        Returns
        -------
        ndarray of shape (len(archs), len(names))
            The table's value of each proxy of :attr:`names` for each architecture.
        """
        out = np.full((len(archs), len(self.names)), np.nan)
        for i, arch in enumerate(archs):
            row = self.benchmark._index.get(arch)
            if row is None:
                self.errors_[str(arch)] = {name: "not in the benchmark's table" for name in self.names}
            else:
                out[i] = self._columns[row]
        return out
