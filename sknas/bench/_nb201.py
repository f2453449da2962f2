"""NAS-Bench-201 as a benchmark: the 9,445 cells with zero-cost values, their accuracies and proxies.

A strategy queries the benchmark exactly as it queries real training (see
:class:`~sknas.bench.TableBenchmark`): the evaluator answers with the looked-up 12-epoch
validation accuracy and the recorded training time, the proxy scorer with
NAS-Bench-Suite-Zero's values.
"""

from __future__ import annotations

import numpy as np

from ..hardware import TableProfiler
from ..spaces import CellSpace
from ..spaces._cell import CellArchitecture
from ._table_benchmark import TableBenchmark
from ._tables import DATASETS, accuracy_table, hardware_table, zero_cost_table

#: ``paper``: CIFAR-10's 12-epoch validation accuracy is the objective for every data set
#: (PO-NAS, RoBoT, HNAS); ``own``: the data set's own 12-epoch validation accuracy.
PROTOCOLS = ("paper", "own")


class NB201Benchmark(TableBenchmark):
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
        space = CellSpace()
        zc, proxy_source = zero_cost_table(dataset)
        pool = [space.parse(s) for s in zc["arch_str"]]
        acc = accuracy_table()
        row = {s: i for i, s in enumerate(acc["arch_str"])}
        index = np.array([row[str(arch)] for arch in pool])
        objective = "cifar10_valid_acc_12ep" if protocol == "paper" else f"{dataset}_valid_acc_12ep"
        # proxy columns by the suite's names; TableBenchmark reads jacov as jacob_cov
        proxies = {column: values for column, values in zc.items() if column not in ("arch_str", "index")}
        super().__init__(
            space, pool, acc[objective][index], proxies=proxies, cost=acc["train_time_12ep_s"][index],
            metrics={"test_accuracy": acc[f"{dataset}_test_acc_200ep"][index]},
            name=f"nb201-{dataset}", objective_name=objective,
        )
        self.proxy_source = proxy_source

    def __repr__(self) -> str:
        return f"NB201Benchmark(dataset={self.dataset!r}, protocol={self.protocol!r})"

    def test_accuracy(self, arch: CellArchitecture) -> float:
        """The reported figure: 200-epoch test accuracy (%) on the data set.

        Parameters
        ----------
        arch : CellArchitecture
            A cell of the pool.

        Returns
        -------
        float
            The cell's 200-epoch test accuracy on :attr:`dataset`, in percent.
        """
        return self.metric("test_accuracy", arch)

    def best_test_accuracy(self) -> float:
        """The best 200-epoch test accuracy of the pool: what an oracle would report."""
        return float(np.max(self._metrics["test_accuracy"]))

    def profiler(self, columns=None) -> TableProfiler:
        """HW-NAS-Bench's latency and energy of the cells on this data set (all 15,625).

        Parameters
        ----------
        columns : sequence of str or None, default=None
            The costs to report, columns of HW-NAS-Bench's table; None reports every one.

        Returns
        -------
        TableProfiler
            A profiler that reads the costs from HW-NAS-Bench's table of this data set.
        """
        return TableProfiler(hardware_table(self.dataset), columns)

