"""What every benchmark report states: how it was run and on what, and markdown tables.

Imported by the scripts beside it (``python benchmarks/NAME.py`` puts this folder on
``sys.path``), so they run from any directory.
"""

from __future__ import annotations

import datetime
import os
import platform
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Sequence

import numpy as np
import sklearn
import torch

import sknas

HERE = Path(__file__).resolve().parent


def seed_everything(seed: int) -> None:
    """Seed the global generators that torch, numpy and ``random`` code might draw from."""
    import random

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def load() -> str:
    """The 1-, 5- and 15-minute load averages; other jobs on the machine skew timings."""
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


def git_revision(root: Path = HERE.parent) -> str:
    """The short commit of the checkout at ``root``, and whether its ``sknas/`` has uncommitted changes."""
    try:
        rev = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "--", "sknas"], cwd=root,
            capture_output=True, text=True, check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{rev} (sknas/ has uncommitted changes)" if dirty else rev


def environment_lines(argv: Sequence[str]) -> list[str]:
    """Markdown bullet lines: command, date, versions, threads, machine, load at start."""
    command = " ".join(shlex.quote(a) for a in ["python", *argv])
    return [
        f"- command: `{command}`",
        f"- date: {datetime.datetime.now().astimezone().isoformat(timespec='seconds')}",
        f"- sknas {sknas.__version__} at git {git_revision()}; torch {torch.__version__}; "
        f"scikit-learn {sklearn.__version__}; numpy {np.__version__}; "
        f"Python {platform.python_version()}",
        f"- torch threads: {torch.get_num_threads()} (intra-op), "
        f"{torch.get_num_interop_threads()} (inter-op)",
        f"- machine: {platform.platform()}, {platform.machine()}, "
        f"{platform.processor() or 'unknown processor'}, {os.cpu_count()} CPUs; "
        f"GPU used: none (CPU only)",
        f"- load average (1/5/15 min) at start: {load()}",
    ]


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[object]], align: str) -> str:
    """A markdown table; ``align`` has one letter per column, ``l`` or ``r``."""
    marks = {"l": ":--", "r": "--:"}
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join(marks[a] for a in align) + "|",
    ]
    # A pipe splits a cell even inside backticks (architecture strings are full of them).
    lines += ["| " + " | ".join(str(cell).replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def write_report(text: str, path: str | Path | None) -> None:
    """Print the report and, unless ``path`` is None, write it there."""
    print(text)
    if path is not None:
        path = Path(path)
        path.write_text(text + "\n", encoding="utf-8")
        print(f"\nwritten to {path}", file=sys.stderr)
