"""Speed of the six PO-NAS proxies on the NAS-Bench-201 skeleton, together and one by one.

Network: ``CellSpace(channels=16, cells_per_stage=5)`` on a batch of 64 inputs of 3x32x32
with 10 classes (random values: speed does not depend on them). Proxies: grad_norm, snip,
grasp, fisher, synflow, jacob_cov. Each configuration runs in its own process, so its peak
resident memory (``ru_maxrss``) is its own:

- together: ``sknas.proxies.compute`` with all six, which share their passes;
- alone: six calls of ``compute`` with one proxy each, the cost without sharing;
- scorer: ``ProxyScorer.score`` over all cells with ``n_jobs`` processes of one thread.

The reference point is ALGORITHMS.md's: NAS-Bench-Suite-Zero's implementation takes a median
5.7 s per cell for these six proxies on a 2-core CPU, 0.18 cells/s.

    python benchmarks/proxy_speed.py              # 20 cells, ~8 min on 2 cores, writes proxy_speed.md
    python benchmarks/proxy_speed.py --cells 3    # quick look, prints only
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

import numpy as np
import torch

from _report import HERE, environment_lines, load, markdown_table, write_report
from sknas.proxies import PONAS_PROXIES, ProxyScorer, compute
from sknas.spaces import CellSpace

REFERENCE_S_PER_CELL = 5.7


def cells_and_batch(n: int, seed: int):
    space = CellSpace(channels=16, cells_per_stage=5)
    pool = space.sample_pool(n, np.random.default_rng(seed))
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(64, 3, 32, 32, generator=g)
    y = torch.randint(0, 10, (64,), generator=g)
    return space, pool, X, y


def child(args) -> dict:
    """Run one configuration and return its timings and peak memory."""
    torch.set_num_threads(args.threads)
    space, pool, X, y = cells_and_batch(args.cells, args.seed)
    baseline_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    per_cell, per_proxy = [], {name: [] for name in PONAS_PROXIES}
    start = time.perf_counter()
    if args.mode == "scorer":
        from joblib.externals.loky import get_reusable_executor

        scorer = ProxyScorer(space, PONAS_PROXIES, X.numpy(), y.numpy(), n_outputs=10, n_jobs=args.jobs, random_state=0)
        scorer.score(pool)
        get_reusable_executor().shutdown(wait=True)  # so the workers' peak memory is reported
    else:
        for i, arch in enumerate(pool):
            torch.manual_seed(i)
            net = space.build(arch, (3, 32, 32), 10)
            t0 = time.perf_counter()
            if args.mode == "together":
                compute(net, X, y, PONAS_PROXIES)
            else:
                for name in PONAS_PROXIES:
                    t1 = time.perf_counter()
                    compute(net, X, y, [name])
                    per_proxy[name].append(time.perf_counter() - t1)
            per_cell.append(time.perf_counter() - t0)
    wall = time.perf_counter() - start
    return {
        "wall_s": wall,
        "per_cell_s": per_cell,
        "per_proxy_s": per_proxy,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "worker_peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
        "baseline_mb": baseline_mb,
    }


def run_child(mode: str, threads: int, jobs: int, cells: int, seed: int) -> dict:
    command = [sys.executable, __file__, "--child", "--mode", mode, "--threads", str(threads),
               "--jobs", str(jobs), "--cells", str(cells), "--seed", str(seed)]
    print(f"running {mode} with {threads} thread(s), {jobs} job(s) (load {load()})", file=sys.stderr, flush=True)
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--mode", choices=["together", "alone", "scorer"])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args)))
        return

    rows, details = [], {}
    for mode, threads, jobs in [("together", 1, 1), ("alone", 1, 1), ("together", 2, 1), ("alone", 2, 1), ("scorer", 1, 2)]:
        result = run_child(mode, threads, jobs, args.cells, args.seed)
        details[(mode, threads)] = result
        if mode == "scorer":
            median = result["wall_s"] / args.cells * jobs  # per process
            throughput = args.cells / result["wall_s"]
            label = f"ProxyScorer, {jobs} processes × 1 thread (wall per cell × processes)"
        else:
            median = float(np.median(result["per_cell_s"]))
            throughput = 1 / median
            label = f"{'all six together' if mode == 'together' else 'each proxy alone, summed'}, {threads} thread(s)"
        peak = f"{result['peak_mb']:.0f}"
        if mode == "scorer":
            peak += f" + {jobs} × {result['worker_peak_mb']:.0f} (workers)"
        rows.append([label, f"{median:.2f}", f"{throughput:.2f}", f"{throughput * REFERENCE_S_PER_CELL:.1f}×", peak])

    ratio_rows = []
    for threads in (1, 2):
        together = np.array(details[("together", threads)]["per_cell_s"])
        alone = np.array(details[("alone", threads)]["per_cell_s"])
        ratio_rows.append([f"{threads}", f"{np.median(alone / together):.2f}", f"{alone.sum() / together.sum():.2f}"])
    alone = details[("alone", 2)]["per_proxy_s"]
    proxy_rows = [[name, f"{np.median(alone[name]):.3f}"] for name in PONAS_PROXIES]

    text = "\n".join([
        "# Speed of the six PO-NAS proxies (NAS-Bench-201 skeleton, CPU)",
        "",
        *environment_lines(sys.argv),
        f"- cells: {args.cells} distinct cells of CellSpace(channels=16, cells_per_stage=5), seed {args.seed}; "
        "batch of 64 × 3×32×32, 10 classes",
        "- proxies: " + ", ".join(PONAS_PROXIES),
        f"- reference: NAS-Bench-Suite-Zero, median {REFERENCE_S_PER_CELL} s per cell (0.18 cells/s) on 2 cores",
        "- peak memory: maximum resident set size of the process running the configuration "
        f"(python + torch + data alone: {details[('together', 1)]['baseline_mb']:.0f} MB)",
        "",
        markdown_table(["configuration", "median s / cell", "cells / s", "vs. reference", "peak MB"], rows, "lrrrr"),
        "",
        "Sharing: time of the six computed one by one over the time of the six together.",
        "",
        markdown_table(["threads", "median ratio per cell", "ratio of totals"], ratio_rows, "rrr"),
        "",
        "Each proxy alone (2 threads), median seconds per cell:",
        "",
        markdown_table(["proxy", "s"], proxy_rows, "lr"),
    ])
    write_report(text, HERE / "proxy_speed.md" if args.cells >= 20 else None)


if __name__ == "__main__":
    main(sys.argv[1:])
