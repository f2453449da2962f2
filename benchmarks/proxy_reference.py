"""sknas's proxies against NAS-Bench-Suite-Zero's published values on NAS-Bench-201 CIFAR-10.

The suite's network is the NAS-Bench-201 skeleton with 16 channels, 5 cells per stage,
3x32x32 input and 10 classes: ``CellSpace(channels=16, cells_per_stage=5)``. The suite's
values were computed on a CIFAR-10 minibatch, which is not shipped here, so only the proxies
that do not read the data are compared: ``params`` (must be equal), ``flops`` and ``synflow``
(rank agreement; synflow depends on the random initial weights, flops counts a few cheap
operations differently) and ``l2_norm`` (depends on the random initial weights only).

Cells are drawn at random (seeded) from the 9,445 of ../shared/data/nb201/nb201_zc_cifar10.csv.gz.

    python benchmarks/proxy_reference.py              # 1,000 cells, writes proxy_reference.md
    python benchmarks/proxy_reference.py --cells 50   # quick look, prints only
"""

from __future__ import annotations

import argparse
import gzip
import sys
import time

import numpy as np
import pandas as pd
import torch
from scipy.stats import spearmanr

from _report import HERE, environment_lines, markdown_table, write_report
from sknas.proxies import ProxyScorer
from sknas.spaces import CellSpace

TABLE = HERE.parent.parent / "shared" / "data" / "nb201" / "nb201_zc_cifar10.csv.gz"
PROXIES = ["params", "flops", "synflow", "l2_norm"]


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=1000, help="cells compared (default 1000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    parser.add_argument("--table", default=str(TABLE), help="NAS-Bench-Suite-Zero CIFAR-10 table")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)

    with gzip.open(args.table, "rt") as f:
        table = pd.read_csv(f)
    rows = table.sample(n=min(args.cells, len(table)), random_state=args.seed)
    space = CellSpace(channels=16, cells_per_stage=5)
    archs = [space.parse(s) for s in rows["arch_str"]]
    # Only the shape of the batch matters to these proxies.
    X = np.zeros((2, 3, 32, 32), dtype=np.float32)
    scorer = ProxyScorer(space, PROXIES, X, np.array([0, 1]), n_outputs=10, random_state=args.seed)
    start = time.perf_counter()
    scores = scorer.score(archs)
    seconds = time.perf_counter() - start

    result_rows = []
    for j, name in enumerate(PROXIES):
        ours, theirs = scores[:, j], rows[name].to_numpy()
        rho = spearmanr(ours, theirs).statistic
        if name == "params":
            exact = int(np.sum(np.round(ours, 6) == theirs))
            detail = f"{exact} of {len(rows)} equal to the suite's 6 decimals"
        elif name == "flops":
            diff = theirs - ours
            detail = f"suite − ours: min {diff.min():.6f}, max {diff.max():.6f} MFLOPs"
        elif name == "synflow":
            detail = f"mean |ours − suite| {np.mean(np.abs(ours - theirs)):.3f} (natural log)"
        else:
            detail = f"mean ours {ours.mean():.2f}, suite {theirs.mean():.2f}"
        result_rows.append([name, len(rows), f"{rho:.4f}", detail])

    text = "\n".join([
        "# Proxies against NAS-Bench-Suite-Zero (NAS-Bench-201, CIFAR-10 skeleton)",
        "",
        *environment_lines(sys.argv),
        f"- cells: {len(rows)} drawn with seed {args.seed} from {TABLE.name}",
        f"- time: {seconds:.1f} s for the {len(PROXIES)} proxies on all cells "
        f"({len(rows) / seconds:.1f} cells/s)",
        "",
        markdown_table(["proxy", "cells", "Spearman with the suite", "detail"], result_rows, "lrrl"),
        "",
        "Issue 3 asks for: params equal on ≥ 500 cells, Spearman ≥ 0.99 for synflow and flops.",
        "l2_norm reads only the random initial weights, so its ranking depends on the draw.",
    ])
    write_report(text, HERE / "proxy_reference.md" if args.cells >= 500 else None)


if __name__ == "__main__":
    main(sys.argv[1:])
