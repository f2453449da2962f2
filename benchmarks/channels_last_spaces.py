"""The channels-last layout in float32 on the other image spaces: DARTS and TransNAS-Bench-101.

``precision="auto"`` trains image networks of every space in the channels-last layout on a CPU
without native bfloat16. ``training_precision.py`` measures that on the default cell space;
this script times one epoch of ``sknas.evaluation.train_network`` (batch 64, one torch thread)
on ``--archs`` architectures drawn from each of ``DartsSpace()`` (8×8 inputs),
``TNB101MicroSpace()`` and ``TNB101MacroSpace()`` (16×16 inputs), their default sizes, in both
layouts, the repeats interleaved. Writes ``channels_last_spaces.md``.

    python benchmarks/channels_last_spaces.py           # ~7 min on one core
    python benchmarks/channels_last_spaces.py --quick   # smoke run, prints only
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import numpy as np
import torch

from _report import HERE, environment_lines, markdown_table, write_report
from sknas.evaluation import TrainingRecipe, train_network
from sknas.spaces import DartsSpace, TNB101MacroSpace, TNB101MicroSpace

#: Each space, the side of its square single-channel inputs, and the samples of one epoch.
SPACES = {"DARTS": (DartsSpace, 8, 512), "TNB-101 micro": (TNB101MicroSpace, 16, 256),
          "TNB-101 macro": (TNB101MacroSpace, 16, 256)}


def epoch_rates(space, arch, side: int, n_samples: int, repeats: int) -> dict[bool, list[float]]:
    """Samples per second of one training epoch of ``arch`` per layout (True: channels-last)."""
    X = torch.randn(n_samples, 1, side, side, generator=torch.Generator().manual_seed(0))
    y = torch.randint(0, 10, (n_samples,), generator=torch.Generator().manual_seed(1))
    rates: dict[bool, list[float]] = {False: [], True: []}
    for repeat in range(repeats + 1):  # the first round warms up
        for channels_last in (False, True):
            torch.manual_seed(0)
            module = space.build(arch, (1, side, side), 10)
            start = time.perf_counter()
            train_network(module, X, y, task="classification", device=torch.device("cpu"),
                          recipe=TrainingRecipe(epochs=1, channels_last=channels_last),
                          generator=torch.Generator().manual_seed(0))
            if repeat:
                rates[channels_last].append(n_samples / (time.perf_counter() - start))
    return rates


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archs", type=int, default=4, help="architectures drawn per space")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="one architecture, tiny epochs, print only")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    n_archs, repeats = (1, 1) if args.quick else (args.archs, args.repeats)
    header = environment_lines(sys.argv)
    start = time.perf_counter()
    rows, ratios = [], {}
    for name, (kind, side, n_samples) in SPACES.items():
        space, rng = kind(), np.random.default_rng(0)
        for _ in range(n_archs):
            arch = space.sample(rng)
            rates = epoch_rates(space, arch, side, 64 if args.quick else n_samples, repeats)
            default, last = statistics.median(rates[False]), statistics.median(rates[True])
            ratios.setdefault(name, []).append(last / default)
            rows.append([name, f"`{arch}`",
                         f"{side}×{side}", f"{default:,.1f}", f"{last:,.1f}", f"{last / default:.2f}"])
            print(f"{name}: {last / default:.2f}", file=sys.stderr, flush=True)
    summary = [f"- {name}: channels-last over the default layout, median {statistics.median(r):.2f}× "
               f"(range {min(r):.2f}–{max(r):.2f}) over {len(r)} architectures" for name, r in ratios.items()]
    text = "\n".join([
        "# The channels-last layout in float32 on DARTS and TransNAS-Bench-101 networks (CPU)",
        "",
        *header,
        f"- one torch thread; batch 64; median samples/s of {repeats} interleaved repeats; "
        f"total {(time.perf_counter() - start) / 60:.1f} min",
        *summary,
        "",
        markdown_table(["space", "architecture", "input", "default samples/s", "channels-last samples/s", "×"],
                       rows, "lllrrr"),
    ])
    write_report(text, None if args.quick else HERE / "channels_last_spaces.md")


if __name__ == "__main__":
    main(sys.argv[1:])
