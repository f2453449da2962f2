"""A benchmark from a table: one row per architecture, an objective column and proxy columns.

A strategy queries a table exactly as it queries real training: it asks for architectures of
``benchmark.space`` (the space restricted to the table's rows), the :class:`TabularEvaluator`
answers with the looked-up objective, and the :class:`TableProxyScorer` with the table's proxy
values. NAS-Bench-201, TransNAS-Bench-101 and a researcher's CSV are all such tables.
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from ..proxies import resolve_names
from ..proxies._base import canonical_name
from ..spaces import Architecture, SearchSpace
from ._table_parts import PoolSpace, TableProxyScorer, TabularEvaluator

#: NAS-Bench-Suite-Zero's value for a proxy it failed to compute (-1e8), and anything below.
FAILED = -1e7


class TableBenchmark:
    """A benchmark read from a table: each row an architecture, its objective and proxy values.

    Parameters
    ----------
    space : SearchSpace
        The space whose strings key the rows.
    pool : sequence of Architecture
        The table's architectures, one per row, all different.
    objective : array-like of shape (len(pool),)
        What a query returns, higher is better (e.g. validation accuracy); finite everywhere.
    proxies : mapping of str to array-like, or None, default=None
        Zero-cost proxy columns by sknas proxy name (values at or below -1e7, the failure marker
        of NAS-Bench-Suite-Zero, and NaN read as missing).
    cost : array-like or None, default=None
        Seconds of training each query stands for (the search cost); None when unknown.
    metrics : mapping of str to array-like, or None, default=None
        Further figures reported for the architecture a run ends with (e.g. ``test_accuracy``).
    name : str, default="table"
        The benchmark's name in records and reports.
    objective_name : str, default="objective"
        The table column of the objective, for reports.

    Attributes
    ----------
    pool : list of Architecture
        The table's architectures, one per row, in the table's order.
    space : PoolSpace
        ``space`` restricted to the pool; strategies search it.
    proxy_names : tuple of str
        The proxies the table has.
    proxy_source : str
        Where the proxy values come from (said in reports).
    default_budget : int
        Queries per run when none is given (20).

    Raises
    ------
    ValueError
        If the pool is empty, an architecture is repeated, a column's length differs from the
        pool's, the objective is not finite somewhere (the message names the first such row),
        or a proxy column is not a registered proxy or repeats one.
    """

    default_budget = 20

    def __init__(
        self,
        space: SearchSpace,
        pool: Sequence[Architecture],
        objective,
        *,
        proxies: Mapping[str, Sequence[float]] | None = None,
        cost=None,
        metrics: Mapping[str, Sequence[float]] | None = None,
        name: str = "table",
        objective_name: str = "objective",
    ):
        self.name = name
        self.objective_name = objective_name
        self.pool = list(pool)
        if not self.pool:
            raise ValueError(f"the benchmark {name!r} has no rows; a table needs one row per architecture")
        self._index: dict[Architecture, int] = {}
        for row, arch in enumerate(self.pool):
            first = self._index.setdefault(arch, row)
            if first != row:
                raise ValueError(f"row {row} repeats the architecture {arch} of row {first}; keep one row per "
                                 "architecture")
        self.space = PoolSpace(space, self.pool)
        self._objective = self._column(objective_name, objective)
        bad = np.flatnonzero(~np.isfinite(self._objective))
        if len(bad):
            raise ValueError(
                f"the objective {objective_name!r} is {self._objective[bad[0]]} in row {bad[0]} "
                f"({self.pool[bad[0]]}); every row needs a finite objective: drop the rows without one"
            )
        self._cost = None if cost is None else self._column("cost", cost)
        self._metrics = {key: self._column(key, values) for key, values in (metrics or {}).items()}
        columns: dict[str, np.ndarray] = {}
        for key, values in (proxies or {}).items():
            (proxy,) = resolve_names([key])  # a ValueError lists the registered proxies
            if proxy in columns:
                raise ValueError(f"two columns hold the proxy {proxy!r} (one is {key!r}); keep one")
            columns[proxy] = self._column(key, values)
        self.proxy_names = tuple(columns)
        self._proxies = {key: np.where(values <= FAILED, np.nan, values) for key, values in columns.items()}
        self.proxy_source = name
        order = np.sort(self._objective)
        # rank = 1 + the number of rows strictly better
        self._ranks = len(order) - np.searchsorted(order, self._objective, side="right") + 1

    def _column(self, name: str, values) -> np.ndarray:
        try:
            column = np.asarray(values, dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError(f"the column {name!r} must hold numbers") from None
        if column.shape != (len(self.pool),):
            raise ValueError(f"the column {name!r} has shape {column.shape}, not one value per row ({len(self.pool)})")
        return column

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r}, {len(self.pool)} architectures)"

    def _row(self, arch: Architecture) -> int:
        try:
            return self._index[arch]
        except KeyError:
            raise KeyError(f"{arch} is not in the benchmark's pool of {len(self.pool)} architectures") from None

    @property
    def metric_names(self) -> tuple[str, ...]:
        """The further figures reported for the architecture a run ends with."""
        return tuple(self._metrics)

    @property
    def has_cost(self) -> bool:
        """Whether the table records what each query costs in training time."""
        return self._cost is not None

    def objective(self, arch: Architecture) -> float:
        """The queried figure of ``arch``.

        Parameters
        ----------
        arch : Architecture
            An architecture of the pool.

        Returns
        -------
        float
            The objective of ``arch``'s row, higher is better.

        Raises
        ------
        KeyError
            If ``arch`` is not in the pool.
        """
        return float(self._objective[self._row(arch)])

    def rank(self, arch: Architecture) -> int:
        """The rank of ``arch`` in the pool by the objective: 1 for the best (ties share a rank).

        Parameters
        ----------
        arch : Architecture
            An architecture of the pool.

        Returns
        -------
        int
            One plus the number of the pool's architectures with a strictly higher objective.

        Raises
        ------
        KeyError
            If ``arch`` is not in the pool.
        """
        return int(self._ranks[self._row(arch)])

    def metric(self, name: str, arch: Architecture) -> float:
        """A further figure of ``arch`` (one of :attr:`metric_names`).

        Parameters
        ----------
        name : str
            The figure, one of :attr:`metric_names`.
        arch : Architecture
            An architecture of the pool.

        Returns
        -------
        float
            The value of the figure in ``arch``'s row.

        Raises
        ------
        KeyError
            If ``arch`` is not in the pool or the table has no figure ``name``.
        """
        return float(self._metrics[name][self._row(arch)])

    def training_cost(self, arch: Architecture) -> float:
        """Seconds of training the query of ``arch`` stands for; NaN when the table has no cost.

        Parameters
        ----------
        arch : Architecture
            An architecture of the pool.

        Returns
        -------
        float
            The training time of ``arch``'s row in seconds, or NaN.

        Raises
        ------
        KeyError
            If ``arch`` is not in the pool.
        """
        return float(self._cost[self._row(arch)]) if self._cost is not None else float("nan")

    def best_objective_arch(self) -> Architecture:
        """The pool's best architecture by the objective (the first of ties)."""
        return self.pool[int(np.argmax(self._objective))]

    def evaluator(self) -> "TabularEvaluator":
        """An evaluator answering queries from the table."""
        return TabularEvaluator(self)

    def available_proxies(self, wanted: Sequence[str] | str | None) -> tuple[str, ...]:
        """The proxies a strategy that weighs ``wanted`` gets here: those of ``wanted`` the table
        has, or every proxy of the table when it has none of them (``"all"`` means every one).

        Parameters
        ----------
        wanted : str, sequence of str or None
            The proxies the strategy weighs; ``"all"`` or None for every proxy of the table.

        Returns
        -------
        tuple of str
            The sknas names of the chosen proxies the table has values of (every one of them, in
            the proxy registry's order, for ``"all"`` or None).

        Raises
        ------
        ValueError
            If the table has no proxy at all.
        """
        if not self.proxy_names:
            raise ValueError(
                f"the benchmark {self.name!r} has no zero-cost proxy columns; strategies that weigh proxies "
                "need some (name them with proxies=..., e.g. --proxies synflow,zen)"
            )
        if wanted == "all" or wanted is None:
            from ..proxies import available_proxies  # the registry's order, as ProxyScorer's

            registered = [name for name in available_proxies() if name in self.proxy_names]
            return tuple(registered + [name for name in self.proxy_names if name not in registered])
        chosen = tuple(name for name in resolve_names(wanted) if name in self.proxy_names)
        return chosen or self.proxy_names

    def proxy_scorer(self, names) -> "TableProxyScorer":
        """The table's values of the proxies ``names``.

        Parameters
        ----------
        names : str or sequence of str
            sknas proxy names among :attr:`proxy_names`.

        Returns
        -------
        TableProxyScorer
            A scorer that reads these proxies from the table.
        """
        return TableProxyScorer(self, names)

    @classmethod
    def from_table(
        cls,
        table: Mapping[str, Sequence],
        space: SearchSpace,
        objective: str,
        *,
        proxies: Sequence[str] | None = None,
        key: str | None = None,
        cost: str | None = None,
        metrics: Sequence[str] = (),
        name: str = "table",
        source: str = "the table",
    ) -> "TableBenchmark":
        """A benchmark of ``table``'s columns (``{column: values}``, e.g. from :func:`read_table`).

        Parameters
        ----------
        table : mapping of str to sequence
            Equal-length columns.
        space : SearchSpace
            Parses the architecture strings of the ``key`` column (``space.from_naslib`` reads
            NASLib's op tuples such as ``(2, 3, 2, 3, 2, 3)`` where the space has it).
        objective : str
            The column to maximise.
        proxies : sequence of str or None, default=None
            Proxy columns; None takes every column named like a registered proxy.
        key : str or None, default=None
            The column of architecture strings; None takes ``arch_str``, else ``arch``.
        cost, metrics, name :
            As for :class:`TableBenchmark` (``cost`` and ``metrics`` name columns).
        source : str, default="the table"
            How error messages name the table (e.g. its path).

        Raises
        ------
        ValueError
            If a named column is missing (the message lists those the table has), a string
            does not parse (naming the column, the first bad row and what the space expects),
            or the objective is NaN in a row.
        """
        columns = list(table)
        if key is None:
            key = next((c for c in ("arch_str", "arch") if c in table), "arch_str")
        named = [key, objective, *(proxies or ()), *([cost] if cost else []), *metrics]
        missing = [column for column in named if column not in table]
        if missing:
            raise ValueError(
                f"{source} has no column {missing[0]!r}; its columns are {', '.join(map(repr, columns))}"
                + (" (name the architecture column with key=... / --key)" if missing[0] == key else "")
            )
        if proxies is None:
            from ..proxies import available_proxies

            known = set(available_proxies())
            proxies = [c for c in columns if canonical_name(c) in known and c not in (key, objective)]
        pool = [_parse_row(space, value, key, row, source) for row, value in enumerate(table[key])]
        numeric = {}
        for column in [objective, *proxies, *([cost] if cost else []), *metrics]:
            try:
                numeric[column] = np.asarray(table[column], dtype=np.float64)
            except (TypeError, ValueError):
                raise ValueError(f"the column {column!r} of {source} must hold numbers") from None
        bad = np.flatnonzero(np.isnan(numeric[objective]))
        if len(bad):
            raise ValueError(
                f"the objective column {objective!r} of {source} is empty or NaN in row {bad[0]} "
                f"({table[key][bad[0]]}); every architecture needs an objective: drop such rows"
            )
        return cls(
            space, pool, numeric[objective], proxies={p: numeric[p] for p in proxies},
            cost=numeric[cost] if cost else None, metrics={m: numeric[m] for m in metrics},
            name=name, objective_name=objective,
        )

    @classmethod
    def from_csv(cls, path: str | Path, space: SearchSpace, objective: str, **options) -> "TableBenchmark":
        """A benchmark of a CSV file (plain or .gz) with one row per architecture; the options are
        those of :meth:`from_table` (its ``name`` defaults to the file's name).

        Parameters
        ----------
        path : str or pathlib.Path
            The CSV file, with a header row; a name ending in ``.gz`` is read as gzip.
        space : SearchSpace
            Parses the architecture strings of the ``key`` column.
        objective : str
            The column to maximise.
        **options
            The keyword arguments of :meth:`from_table`: ``proxies``, ``key``, ``cost``,
            ``metrics`` and ``name``.

        Returns
        -------
        TableBenchmark
            The benchmark of the file's rows.

        Examples
        --------
        >>> import tempfile, pathlib
        >>> from sknas.bench import TableBenchmark
        >>> from sknas.spaces import CellSpace
        >>> cells = ["|nor_conv_3x3~0|+|none~0|skip_connect~1|+|none~0|none~1|nor_conv_1x1~2|",
        ...          "|skip_connect~0|+|none~0|skip_connect~1|+|none~0|none~1|nor_conv_1x1~2|"]
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "mine.csv"
        >>> _ = path.write_text(f"arch_str,acc,synflow\\n{cells[0]},71.5,3.2\\n{cells[1]},64.0,1.1\\n")
        >>> bench = TableBenchmark.from_csv(path, CellSpace(), "acc")
        >>> bench.proxy_names, bench.rank(bench.pool[1])
        (('synflow',), 2)
        """
        from ._tables import read_table

        path = Path(path)
        options.setdefault("name", path.name)
        return cls.from_table(read_table(path, key=None), space, objective, source=str(path), **options)


def _parse_row(space: SearchSpace, value, column: str, row: int, source: str) -> Architecture:
    """The architecture of one table cell, or a ValueError naming the column, row and form."""
    text = str(value).strip()
    try:
        if text.startswith("(") and hasattr(space, "from_naslib"):
            return space.from_naslib(text)
        return space.parse(text)
    except ValueError as exc:
        raise ValueError(
            f"row {row} of {source}: the column {column!r} holds {text!r}, which the "
            f"{space.name or type(space).__name__} space cannot read: {exc}"
        ) from None
