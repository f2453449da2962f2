"""The benchmark tables shipped in ``sknas/bench/data``, read once and on first use.

Provenance and licences are in ``data/SOURCES.md``. Tables are read with the standard
library (no pandas needed) into ``{column: ndarray}`` dicts keyed by the NAS-Bench-201 cell
string in ``arch_str``.
"""

from __future__ import annotations

import csv
import gzip
from functools import lru_cache
from pathlib import Path

import numpy as np

DATA = Path(__file__).parent / "data"

#: NAS-Bench-201 data sets and the file suffix of their tables.
DATASETS = ("cifar10", "cifar100", "ImageNet16-120")

#: NAS-Bench-Suite-Zero's proxy column names that differ from sknas's proxy names.
PROXY_COLUMNS = {"jacob_cov": "jacov"}


def read_table(path: Path | str) -> dict[str, np.ndarray]:
    """A CSV file (plain or .gz) as ``{column: array}``; numeric columns become float64.

    Raises
    ------
    ValueError
        If the file has no ``arch_str`` column, which keys every table.
    """
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", newline="") as f:
        rows = list(csv.reader(f))
    if not rows or "arch_str" not in rows[0]:
        raise ValueError(
            f"{path} has no 'arch_str' column; a table must key its rows by the NAS-Bench-201 "
            "cell string, e.g. |nor_conv_3x3~0|+|none~0|skip_connect~1|+|...|"
        )
    header, body = rows[0], rows[1:]
    table: dict[str, np.ndarray] = {}
    for j, name in enumerate(header):
        column = [row[j] for row in body]
        try:
            table[name] = np.array([float(v) if v != "" else np.nan for v in column])
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
