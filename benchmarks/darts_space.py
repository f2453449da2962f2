"""The DARTS space's figures: DARTS V2's parameter count, and the cost of PO-NAS's six proxies per
genotype against the NAS-Bench-201 cell, side by side in one run.

- Parameters of DARTS V2 built as DARTS evaluates it on CIFAR-10 (36 channels, 20 layers, 10
  classes, 3x32x32), auxiliary head excluded as DARTS's ``count_parameters_in_MB`` does; DARTS
  reports 3.3 M (its training log prints "param size = 3.349342MB").
- Proxy cost: ``sknas.proxies.compute`` with the six PO-NAS proxies (grad_norm, snip, grasp,
  fisher, synflow, jacob_cov) on a batch of 64 random 3x32x32 images, one torch thread, for
  ``--cells`` random architectures of ``DartsSpace()`` (6 layers, 16 channels: the network
  PO-NAS scores proxies on) and of ``CellSpace(channels=16, cells_per_stage=5)`` (the
  NAS-Bench-201 network), the two spaces interleaved so load changes hit both alike.

    python benchmarks/darts_space.py              # 10 genotypes each, ~3 min; writes darts_space.md
    python benchmarks/darts_space.py --cells 2 --quick
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np
import torch

from _report import HERE, environment_lines, markdown_table, write_report
from sknas.proxies import PONAS_PROXIES, compute
from sknas.spaces import CellSpace, DartsSpace

DARTS_REPORTED = 3_349_342


def n_parameters(net: torch.nn.Module) -> int:
    return sum(p.numel() for name, p in net.named_parameters() if "auxiliary" not in name)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="print only, write nothing")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    v2 = DartsSpace(channels=36, layers=20, auxiliary_weight=0.4).build(DartsSpace.published("DARTS_V2"), (3, 32, 32), 10)
    v2_params = n_parameters(v2)
    spaces = {"DartsSpace() (6 layers, 16 channels)": DartsSpace(),
              "CellSpace(16 channels, 5 cells per stage), NAS-Bench-201": CellSpace(channels=16, cells_per_stage=5)}
    rng = np.random.default_rng(args.seed)
    g = torch.Generator().manual_seed(args.seed)
    X, y = torch.randn(64, 3, 32, 32, generator=g), torch.randint(0, 10, (64,), generator=g)
    seconds: dict[str, list[float]] = {name: [] for name in spaces}
    params: dict[str, list[int]] = {name: [] for name in spaces}
    for i in range(args.cells):
        for name, space in spaces.items():
            torch.manual_seed(i)
            net = space.build(space.sample(rng), (3, 32, 32), 10)
            params[name].append(n_parameters(net))
            start = time.perf_counter()
            compute(net, X, y, PONAS_PROXIES)
            seconds[name].append(time.perf_counter() - start)
            print(f"{name} #{i}: {seconds[name][-1]:.2f} s", file=sys.stderr, flush=True)
    rows = [[name, f"{np.median(s):.2f}", f"{1 / np.median(s):.2f}", f"{np.median(params[name]):,.0f}"]
            for name, s in seconds.items()]
    darts_s, cell_s = (np.median(s) for s in seconds.values())
    text = "\n".join([
        "# The DARTS space: DARTS V2's parameter count, and PO-NAS's proxy cost per genotype",
        "",
        *environment_lines(sys.argv),
        "",
        f"DARTS V2, 36 channels, 20 layers, 10 classes, 3x32x32, auxiliary head excluded: **{v2_params:,d}** "
        f"parameters (DARTS reports 3.3 M; its log prints 3.349342 MB = {DARTS_REPORTED:,d}): "
        f"{'equal' if v2_params == DARTS_REPORTED else 'DIFFERENT'}.",
        "",
        f"Six PO-NAS proxies ({', '.join(PONAS_PROXIES)}) on 64 images of 3x32x32, one thread, "
        f"{args.cells} random architectures per space (seed {args.seed}):",
        "",
        markdown_table(["space", "median s / genotype", "genotypes / s", "median params"], rows, "lrrr"),
        "",
        f"A DARTS genotype costs {darts_s / cell_s:.1f}x a NAS-Bench-201 cell.",
    ])
    write_report(text, None if args.quick else HERE / "darts_space.md")


if __name__ == "__main__":
    main(sys.argv[1:])
