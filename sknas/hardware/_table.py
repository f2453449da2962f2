"""Hardware costs looked up in a table keyed by architecture string."""

from __future__ import annotations

from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from ..spaces import Architecture


class TableProfiler:
    """Hardware costs of architectures read from a table: HW-NAS-Bench's, or your own CSV.

    Parameters
    ----------
    table : mapping of str to array-like, or str or Path
        Columns of equal length with an ``arch_str`` column holding the architecture strings
        (NAS-Bench-201 cells: ``|op~0|+|op~0|op~1|+|op~0|op~1|op~2|``), or the path of a
        CSV file (plain or .gz) with such a column.
    columns : sequence of str or None, default=None
        Costs to report; None means every numeric column but ``index``.

    Raises
    ------
    ValueError
        If the table has no ``arch_str`` column, columns of unequal length, two rows for one
        architecture, or no numeric column asked for; for a CSV file also if a row has more
        or fewer fields than the header (the message names the line) or the file is not UTF-8
        text of at most ``sknas.bench._tables.MAX_TABLE_BYTES`` (see :func:`sknas.bench.read_table`).

    Examples
    --------
    >>> from sknas.hardware import TableProfiler
    >>> profiler = TableProfiler({"arch_str": ["a", "b"], "latency_ms": [1.5, 2.0]})
    >>> profiler.columns
    ('latency_ms',)
    """

    def __init__(self, table: Mapping[str, Sequence] | str | Path, columns: Sequence[str] | None = None):
        if isinstance(table, (str, Path)):
            from ..bench._tables import read_table

            table = read_table(table)  # bounded, and a ragged row is a ValueError naming its line
        if "arch_str" not in table:
            raise ValueError("the hardware table needs an 'arch_str' column of architecture strings")
        n_rows = len(table["arch_str"])
        uneven = {name: len(values) for name, values in table.items() if len(values) != n_rows}
        if uneven:
            raise ValueError(
                f"the hardware table's columns must all have the {n_rows} rows of 'arch_str'; "
                f"{', '.join(f'{name!r} has {n}' for name, n in uneven.items())}"
            )
        numeric = [
            name for name, values in table.items()
            if name not in ("arch_str", "index") and np.asarray(values).dtype.kind in "fiu"
        ]
        if columns is None:
            columns = numeric
        unknown = [c for c in columns if c not in numeric]
        if unknown:
            raise ValueError(f"no numeric column {unknown} in the hardware table; it has {', '.join(numeric)}")
        if not columns:
            raise ValueError("the hardware table has no numeric column of costs besides 'arch_str' and 'index'")
        self.columns = tuple(columns)
        self._values = np.column_stack([np.asarray(table[c], dtype=np.float64) for c in self.columns])
        self._row = {str(s): i for i, s in enumerate(table["arch_str"])}
        if len(self._row) < n_rows:
            repeated = next(str(s) for i, s in enumerate(table["arch_str"]) if self._row[str(s)] != i)
            raise ValueError(f"the hardware table has more than one row for {repeated}; keep one per architecture")

    def profile(self, arch: Architecture | str) -> dict[str, float]:
        """The costs of ``arch``.

        Parameters
        ----------
        arch : Architecture or str
            The architecture, looked up by its string in the ``arch_str`` column.

        Returns
        -------
        costs : dict of str to float
            One entry per column of ``columns``, in that order.

        Raises
        ------
        KeyError
            If the table has no row for ``arch``.
        """
        try:
            row = self._row[str(arch)]
        except KeyError:
            raise KeyError(f"the hardware table has no row for {arch}") from None
        return {column: float(v) for column, v in zip(self.columns, self._values[row])}
