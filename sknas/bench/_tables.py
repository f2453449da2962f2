"""The benchmark tables shipped in ``sknas/bench/data``, read once and on first use.

Provenance and licences are in ``data/SOURCES.md``. Tables are read with the standard
library (no pandas needed) into ``{column: ndarray}`` dicts keyed by the NAS-Bench-201 cell
string in ``arch_str``.
"""

from __future__ import annotations

import csv
import gzip
import io
import zlib
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..proxies._base import ALIASES

DATA = Path(__file__).parent / "data"

#: NAS-Bench-201 data sets and the file suffix of their tables.
DATASETS = ("cifar10", "cifar100", "ImageNet16-120")

#: NAS-Bench-Suite-Zero's proxy column names that differ from sknas's proxy names: the
#: aliases of :data:`sknas.proxies.ALIASES`, seen from the other side.
PROXY_COLUMNS = {canonical: alias for alias, canonical in ALIASES.items()}

#: Most text a table may hold once decompressed (HW-NAS-Bench's tables hold about 4 MB).
MAX_TABLE_BYTES = 100 * 2**20
#: Most bytes before the header's end: a file without a line break there is no CSV table.
MAX_HEADER_BYTES = 2**20
_CHUNK = 2**20


def _size(n_bytes: int) -> str:
    return f"{n_bytes / 2**20:g} MB" if n_bytes >= 2**20 else f"{n_bytes:,} bytes"


def _read_text(path: Path, max_bytes: int) -> str:
    """The file's text (UTF-8, gunzipped for .gz), read in chunks so that a huge, endless
    (``/dev/zero``) or binary input fails fast with a ``ValueError`` instead of filling memory."""
    opener = gzip.open if path.suffix == ".gz" else open
    chunks: list[bytes] = []
    size, header_ended = 0, False
    try:
        with opener(path, "rb") as f:
            while chunk := f.read(_CHUNK):
                if b"\0" in chunk:
                    raise ValueError(f"{path} is not a text CSV file (it holds NUL bytes)")
                size += len(chunk)
                if size > max_bytes:
                    raise ValueError(
                        f"{path} holds more than {_size(max_bytes)} of text; pass a smaller table "
                        "(only the cells and columns needed), or build the table as a mapping of columns"
                    )
                header_ended = header_ended or b"\n" in chunk or b"\r" in chunk
                if not header_ended and size > MAX_HEADER_BYTES:
                    raise ValueError(
                        f"{path} has no line break in its first {_size(MAX_HEADER_BYTES)}; "
                        "a table is a CSV file whose first line names the columns"
                    )
                chunks.append(chunk)
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise ValueError(f"{path} cannot be decompressed as gzip ({exc})") from None
    try:
        return b"".join(chunks).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path} is not UTF-8 text ({exc.reason} at byte {exc.start})") from None


def read_table(path: Path | str, *, key: str | None = "arch_str", max_bytes: int = MAX_TABLE_BYTES) -> dict[str, np.ndarray]:
    """A CSV file (plain or .gz) as ``{column: array}``; numeric columns become float64.

    Blank lines are skipped; an empty field reads as NaN in a numeric column.

    Parameters
    ----------
    path : str or Path
    key : str or None, default="arch_str"
        The column that must be there, holding the architecture strings; None checks none.
    max_bytes : int, default=MAX_TABLE_BYTES
        Most text the file may hold (after decompression).

    Raises
    ------
    ValueError
        If the file has no ``key`` column; if a row has more or
        fewer fields than the header (the message names the line); if the header repeats a
        name; or if the file is not UTF-8 CSV text or holds more than ``max_bytes``.
    """
    path = Path(path)
    text = _read_text(path, max_bytes)
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[list[str]] = []
    try:
        header = next(reader, [])
        for row in reader:
            if not row:
                continue  # a blank line
            if len(row) != len(header):
                raise ValueError(
                    f"{path}, line {reader.line_num}: {len(row)} fields where the header has {len(header)} "
                    f"({', '.join(header)}); every row needs one value per column"
                )
            rows.append(row)
    except csv.Error as exc:
        raise ValueError(f"{path}, line {reader.line_num}: not a CSV row ({exc})") from None
    if key == "arch_str" and key not in header:
        raise ValueError(
            f"{path} has no 'arch_str' column; a table must key its rows by the NAS-Bench-201 "
            "cell string, e.g. |nor_conv_3x3~0|+|none~0|skip_connect~1|+|...|"
        )
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        raise ValueError(f"{path} names the columns {repeated} more than once; give each column one name")
    if key is not None and key not in header:
        raise ValueError(f"{path} has no {key!r} column of architecture strings; its columns are {', '.join(header)}")
    table: dict[str, np.ndarray] = {}
    for j, name in enumerate(header):
        column = [row[j] for row in rows]
        try:
            table[name] = np.array([float(v) if v != "" else np.nan for v in column], dtype=np.float64)
        except ValueError:
            table[name] = np.array(column, dtype=object)
    return table


def _check_dataset(dataset: str) -> None:
    if dataset not in DATASETS:
        raise ValueError(f"unknown NAS-Bench-201 dataset {dataset!r}; use one of {', '.join(DATASETS)}")


@lru_cache(maxsize=None)
def accuracy_table() -> dict[str, np.ndarray]:
    """All 15,625 cells: 12-epoch validation accuracies, 200-epoch test accuracies, training time."""
    return read_table(DATA / "nb201_accuracy.csv.gz")


@lru_cache(maxsize=None)
def zero_cost_table(dataset: str) -> tuple[dict[str, np.ndarray], str]:
    """NAS-Bench-Suite-Zero's 13 proxies of the 9,445 cells without cut-off branches.

    Returns the table and the data set it was computed on: CIFAR-100 has none, so its
    proxies are CIFAR-10's.
    """
    _check_dataset(dataset)
    source = "cifar10" if dataset == "cifar100" else dataset
    return read_table(DATA / f"nb201_zc_{source}.csv.gz"), source


@lru_cache(maxsize=None)
def hardware_table(dataset: str) -> dict[str, np.ndarray]:
    """HW-NAS-Bench's latency and energy columns of all 15,625 cells on ``dataset``."""
    _check_dataset(dataset)
    return read_table(DATA / f"nb201_hw_{dataset}.csv.gz")
