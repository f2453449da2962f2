"""NAS-Bench-201 as a benchmark: a pool of cells, a tabular evaluator and tabular proxies.

A strategy queries the benchmark exactly as it queries real training: it asks for cells of
``benchmark.space``, the :class:`TabularEvaluator` answers with the looked-up objective and
the recorded training time, and the :class:`TableProxyScorer` with NAS-Bench-Suite-Zero's
proxy values. A strategy cannot tell a lookup from real training.
"""

from __future__ import annotations

import time
from typing import Iterator, Sequence

import numpy as np

from ..evaluation import EvaluationResult
from ..proxies import resolve_names
from ..spaces import CellSpace
from ..spaces._cell import CellArchitecture
from ..hardware import TableProfiler
from ._tables import DATASETS, PROXY_COLUMNS, accuracy_table, hardware_table, zero_cost_table

#: NAS-Bench-Suite-Zero's value for a proxy it failed to compute (-1e8), and anything below.
FAILED = -1e7

#: ``paper``: CIFAR-10's 12-epoch validation accuracy is the objective for every data set
#: (PO-NAS, RoBoT, HNAS); ``own``: the data set's own 12-epoch validation accuracy.
PROTOCOLS = ("paper", "own")


class PoolSpace(CellSpace):
    """The NAS-Bench-201 cell space restricted to a benchmark's pool.

    Sampling, neighbourhoods and enumeration stay inside the pool, so every strategy only
    proposes cells the benchmark can answer for. Each cell of the pool counts as its own
    architecture (``canonical`` is the identity), as in the benchmark's tables.

    Parameters
    ----------
    pool : sequence of CellArchitecture
        The cells of the benchmark.
    """

    def __init__(self, pool: Sequence[CellArchitecture], channels: int = 16, cells_per_stage: int = 5):
        super().__init__(channels=channels, cells_per_stage=cells_per_stage)
        self.pool = tuple(pool)
        self._members = frozenset(self.pool)

    def __contains__(self, arch) -> bool:
        return arch in self._members

    def sample(self, rng: np.random.Generator) -> CellArchitecture:
        return self.pool[int(rng.integers(len(self.pool)))]

    def neighbours(self, arch: CellArchitecture) -> list[CellArchitecture]:
        """The pool's cells one edge away; if there are none, the nearest ones."""
        inside = [a for a in super().neighbours(arch) if a in self._members]
        if inside:
            return inside
        distances = np.array([self.distance(arch, a) if a != arch else 99 for a in self.pool])
        return [self.pool[i] for i in np.flatnonzero(distances == distances.min())]

    def enumerate(self) -> Iterator[CellArchitecture]:
        return iter(self.pool)

    def canonical(self, arch: CellArchitecture) -> CellArchitecture:
        return arch

    def __repr__(self) -> str:
        return f"PoolSpace({len(self.pool)} cells)"


class NB201Benchmark:
    """NAS-Bench-201 on one data set under one protocol, from the tables shipped with sknas.

    Parameters
    ----------
    dataset : {"cifar10", "cifar100", "ImageNet16-120"}, default="cifar10"
        Whose 200-epoch test accuracy is reported.
    protocol : {"paper", "own"}, default="paper"
        ``"paper"`` queries CIFAR-10's 12-epoch validation accuracy for every data set (the
        protocol of PO-NAS, RoBoT and HNAS); ``"own"`` the data set's own. The search cost of a
        query is the recorded 12-epoch CIFAR-10 training time of the cell in both.

    Attributes
    ----------
    pool : list of CellArchitecture
        The 9,445 cells that have zero-cost values (cells whose branches are cut off by
        ``none`` edges are left out).
    space : PoolSpace
        The cell space restricted to ``pool``; strategies search it.
    proxy_source : str
        The data set the proxies were computed on: CIFAR-100 has none, so it uses CIFAR-10's.

    Examples
    --------
    >>> from sknas.bench import NB201Benchmark
    >>> bench = NB201Benchmark("cifar10")
    >>> len(bench.pool), bench.best_objective_arch() in bench.space
    (9445, True)
    >>> round(bench.test_accuracy(bench.best_objective_arch()), 2)
    94.37
    """

    def __init__(self, dataset: str = "cifar10", protocol: str = "paper"):
        if dataset not in DATASETS:
            raise ValueError(f"unknown NAS-Bench-201 dataset {dataset!r}; use one of {', '.join(DATASETS)}")
        if protocol not in PROTOCOLS:
            raise ValueError(f"unknown protocol {protocol!r}; use 'paper' or 'own'")
        self.dataset = dataset
        self.protocol = protocol
        parser = CellSpace()
        zc, self.proxy_source = zero_cost_table(dataset)
        self.pool = [parser.parse(s) for s in zc["arch_str"]]
        self.space = PoolSpace(self.pool)
        self._zc_row = {arch: i for i, arch in enumerate(self.pool)}
        self._zc = zc
        acc = accuracy_table()
        row = {s: i for i, s in enumerate(acc["arch_str"])}
        index = np.array([row[str(arch)] for arch in self.pool])
        objective = "cifar10_valid_acc_12ep" if protocol == "paper" else f"{dataset}_valid_acc_12ep"
        self._objective = acc[objective][index]
        self._test = acc[f"{dataset}_test_acc_200ep"][index]
        self._cost = acc["train_time_12ep_s"][index]

    def __repr__(self) -> str:
        return f"NB201Benchmark(dataset={self.dataset!r}, protocol={self.protocol!r})"

    def _row(self, arch: CellArchitecture) -> int:
        try:
            return self._zc_row[arch]
        except KeyError:
            raise KeyError(f"{arch} is not in the benchmark's pool of {len(self.pool)} cells") from None

    def objective(self, arch: CellArchitecture) -> float:
        """The queried figure: 12-epoch validation accuracy (%) under the protocol."""
        return float(self._objective[self._row(arch)])

    def test_accuracy(self, arch: CellArchitecture) -> float:
        """The reported figure: 200-epoch test accuracy (%) on the data set."""
        return float(self._test[self._row(arch)])

    def training_cost(self, arch: CellArchitecture) -> float:
        """Seconds of the 12-epoch training run whose result a query reads."""
        return float(self._cost[self._row(arch)])

    def best_objective_arch(self) -> CellArchitecture:
        """The pool's best cell by the objective (the first of ties)."""
        return self.pool[int(np.argmax(self._objective))]

    def best_test_accuracy(self) -> float:
        """The best 200-epoch test accuracy of the pool: what an oracle would report."""
        return float(np.max(self._test))

    def profiler(self, columns=None) -> TableProfiler:
        """HW-NAS-Bench's latency and energy of the cells on this data set (all 15,625)."""
        return TableProfiler(hardware_table(self.dataset), columns)

    def evaluator(self) -> "TabularEvaluator":
        """An evaluator answering queries from the tables."""
        return TabularEvaluator(self)

    def proxy_scorer(self, names) -> "TableProxyScorer":
        """NAS-Bench-Suite-Zero's values of the proxies ``names`` for cells of the pool."""
        return TableProxyScorer(self, names)


class TabularEvaluator:
    """Evaluates a cell by looking it up: the objective, and the training time as its cost.

    ``EvaluationResult.cost_s`` is the recorded training time of the 12-epoch run the
    objective comes from (the search cost a strategy would have paid), and ``metrics``
    holds ``test_accuracy`` and the wall time of the lookup. A cell outside the pool is a
    failed evaluation, like a network that fails to train.
    """

    def __init__(self, benchmark: NB201Benchmark):
        self.benchmark = benchmark

    def evaluate(self, arch: CellArchitecture) -> EvaluationResult:
        start = time.perf_counter()
        try:
            objective = self.benchmark.objective(arch)
            test_accuracy = self.benchmark.test_accuracy(arch)
            cost = self.benchmark.training_cost(arch)
        except KeyError as exc:
            return EvaluationResult.failed(str(exc.args[0]), time.perf_counter() - start)
        metrics = {"test_accuracy": test_accuracy, "lookup_s": time.perf_counter() - start}
        return EvaluationResult(objective, cost, metrics)


class TableProxyScorer:
    """Zero-cost proxies read from NAS-Bench-Suite-Zero's table: the interface of ``ProxyScorer``.

    The suite marks a proxy it could not compute with -1e8 (the cell whose every edge is
    ``none`` has it for ``jacov``, ``nwot``, ``zen`` and ``epe_nas``); those values are
    read as NaN, as ``ProxyScorer`` records a failed proxy, so they take no part in
    normalisation.

    Parameters
    ----------
    benchmark : NB201Benchmark
        Whose table to read.
    names : str or sequence of str
        sknas proxy names (``jacob_cov`` reads the suite's ``jacov`` column).
    """

    def __init__(self, benchmark: NB201Benchmark, names):
        self.benchmark = benchmark
        self.names = resolve_names(names)
        self.errors_: dict[str, dict[str, str]] = {}
        columns = np.column_stack(
            [benchmark._zc[PROXY_COLUMNS.get(name, name)] for name in self.names]
        ).astype(np.float64)
        self._columns = np.where(columns <= FAILED, np.nan, columns)

    def score(self, archs: Sequence[CellArchitecture]) -> np.ndarray:
        """Proxy values of ``archs``: shape ``(len(archs), len(names))``; NaN outside the pool
        and where the suite failed."""
        out = np.full((len(archs), len(self.names)), np.nan)
        for i, arch in enumerate(archs):
            row = self.benchmark._zc_row.get(arch)
            if row is None:
                self.errors_[str(arch)] = {name: "not in the benchmark's table" for name in self.names}
            else:
                out[i] = self._columns[row]
        return out
