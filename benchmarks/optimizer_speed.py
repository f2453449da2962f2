"""The training loop's optimiser step: torch's default (a loop over the parameters) against one fused kernel.

Since this change the loop (``sknas.evaluation.TrainingLoop``) builds AdamW and SGD with
``fused=True`` on a CPU or CUDA device (``FUSED_OPTIMIZER_DEVICES``); before, torch's default
updated the parameters one tensor at a time. This script sets that tuple empty for the
"default" side, so both sides run the same loop otherwise.

Throughput: one epoch of ``train_network`` on random data, the fixed NAS-Bench-201 cell of
``training_precision.py`` (16 channels, one cell per stage) at 8×8 and 28×28 in float32 and
in what ``precision="auto"`` picks for images on this CPU (bfloat16 + channels-last with
native bfloat16, float32 + channels-last without), and a two-layer perceptron (256-128, batch norm, dropout 0.1) on 64
features; ``--repeats`` interleaved repeats, medians in samples per second.

Accuracy: the four cells of ``training_speed.py`` trained for 10 epochs on the digits split of
``real_data.py`` in what ``precision="auto"`` picks on this CPU, seeds ``--seeds``, from the
same initial weights and batch order, scored on the test split: the fused kernel computes the
same update in another order, so results differ in the last bits and then diverge.

Searches: ``RandomSearch()`` with its defaults on digits as 8×8 images, seeds ``--seeds``, each
seed once with each optimiser (interleaved): wall time of ``fit`` and test accuracy. Writes
``optimizer_speed.md``.

    python benchmarks/optimizer_speed.py            # ~12 min on one core
    python benchmarks/optimizer_speed.py --quick    # smoke run, prints only
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import numpy as np
import torch
from threadpoolctl import threadpool_limits

import sknas.evaluation._loop as loop_module
from _report import HERE, environment_lines, markdown_table, write_report
from real_data import load_digits_split
from sknas import RandomSearch
from sknas.evaluation import TrainingRecipe, native_bfloat16, train_network
from sknas.spaces import MLPSpace
from training_precision import FIXED_CELL, MODES, accuracy, auto_mode, network
from training_speed import CELLS

SIDES = {"default": (), "fused": loop_module.FUSED_OPTIMIZER_DEVICES}  # the loop's FUSED_OPTIMIZER_DEVICES per side


def optimizer_side(side: str) -> None:
    """Make the training loop build its optimisers the ``side`` way."""
    loop_module.FUSED_OPTIMIZER_DEVICES = SIDES[side]


def perceptron() -> torch.nn.Module:
    torch.manual_seed(0)
    space = MLPSpace()
    return space.build(space.parse("mlp:256-128,relu,dropout=0.1,norm=batch"), (64,), 10)


def throughput(repeats: int, sizes: dict[str, int]) -> dict[tuple[str, str], list[float]]:
    """Samples per second of one epoch per (network, side), the sides' repeats interleaved."""
    cases = {}
    for side_px in (8, 28):
        X = torch.randn(sizes[f"{side_px}"], 1, side_px, side_px)
        y = torch.randint(0, 10, (len(X),))
        for mode in dict.fromkeys(("float32", auto_mode())):
            precision, channels_last = MODES[mode]
            cases[f"cell {side_px}×{side_px}, {mode}"] = (
                lambda s=side_px: network(FIXED_CELL, s), X, y,
                TrainingRecipe(epochs=1, precision=precision, channels_last=channels_last))
    X = torch.randn(sizes["mlp"], 64)
    cases["perceptron 256-128 on 64 features, float32"] = (
        perceptron, X, torch.randint(0, 10, (len(X),)), TrainingRecipe(epochs=1))
    rates: dict[tuple[str, str], list[float]] = {}
    for repeat in range(repeats + 1):  # the first round warms up
        for label, (build, X, y, recipe) in cases.items():
            for side in SIDES:
                optimizer_side(side)
                module = build()
                start = time.perf_counter()
                train_network(module, X, y, task="classification", recipe=recipe, device=torch.device("cpu"),
                              generator=torch.Generator().manual_seed(0))
                if repeat:
                    rates.setdefault((label, side), []).append(len(X) / (time.perf_counter() - start))
    return rates


def search(seed: int) -> tuple[float, float]:
    """Wall seconds of ``RandomSearch().fit`` on the digits images of ``seed`` and its test accuracy."""
    data = load_digits_split(seed)
    estimator = RandomSearch(image_shape=data.image_shape, device="cpu", random_state=seed)
    start = time.perf_counter()
    estimator.fit(data.X_train, data.y_train)
    wall = time.perf_counter() - start
    return wall, float(np.mean(estimator.predict(data.X_test) == data.y_test))


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--quick", action="store_true", help="tiny sizes, print only")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    seeds = [int(s) for s in args.seeds.split(",")]
    header = environment_lines(sys.argv)
    start = time.perf_counter()
    sizes = {"8": 256, "28": 64, "mlp": 512} if args.quick else {"8": 2048, "28": 640, "mlp": 8192}
    rates = throughput(1 if args.quick else args.repeats, sizes)
    speed_rows = []
    for label in dict.fromkeys(label for label, _ in rates):
        base = statistics.median(rates[label, "default"])
        for side in SIDES:
            values = rates[label, side]
            median = statistics.median(values)
            speed_rows.append([label, side, f"{median:,.0f} ({min(values):,.0f}–{max(values):,.0f})",
                               f"{median / base:.2f}"])
    print("throughput done", file=sys.stderr, flush=True)
    cells = list(CELLS)[:1] if args.quick else list(CELLS)
    epochs = 1 if args.quick else 10
    seeds = seeds[:1] if args.quick else seeds
    fast_mode = auto_mode()
    accuracy_rows = []
    for cell in cells:
        found = {}
        for side in SIDES:
            optimizer_side(side)
            found[side] = [accuracy(load_digits_split(seed), cell, seed, epochs, fast_mode)
                           for seed in seeds]
        accuracy_rows.append([cell, f"{np.mean(found['default']):.4f}", f"{np.mean(found['fused']):.4f}",
                              f"{np.mean(found['fused']) - np.mean(found['default']):+.4f}"])
    print("accuracy done", file=sys.stderr, flush=True)
    search_rows, walls = [], {side: [] for side in SIDES}
    if not args.quick:
        with threadpool_limits(1):
            for seed in seeds:
                row = [f"{seed}"]
                for side in SIDES:
                    optimizer_side(side)
                    wall, test = search(seed)
                    walls[side].append(wall)
                    row += [f"{wall:.1f}", f"{test:.4f}"]
                search_rows.append(row)
        search_rows.append(["mean", f"{np.mean(walls['default']):.1f}", "", f"{np.mean(walls['fused']):.1f}",
                            f"× {np.mean(walls['fused']) / np.mean(walls['default']):.2f}"])
    optimizer_side("fused")
    elapsed = time.perf_counter() - start
    text = "\n".join([
        "# The training loop's optimiser step: torch's default against a fused kernel (CPU)",
        "",
        *header,
        f"- one torch thread; native bfloat16 on this CPU: {native_bfloat16(torch.device('cpu'))} "
        f"(`precision=\"auto\"` trains images in {fast_mode}); total {elapsed / 60:.1f} min",
        "",
        "## Throughput: one epoch of `train_network`, batch 64",
        "",
        f"Median samples/s (min–max over {args.repeats} interleaved repeats); `×`: over the default optimiser.",
        "",
        markdown_table(["network", "optimiser", "train samples/s", "×"], speed_rows, "llrr"),
        "",
        f"## Accuracy: digits, {epochs} epochs, {fast_mode}, mean test accuracy of seeds {','.join(map(str, seeds))}",
        "",
        markdown_table(["cell", "default", "fused", "difference"], accuracy_rows, "lrrr"),
        "",
        "## Searches: `RandomSearch()` defaults on digits (8×8 images), one torch thread",
        "",
        markdown_table(["seed", "default wall s", "default test", "fused wall s", "fused test"], search_rows,
                       "rrrrr") if search_rows else "(not run with --quick)",
    ])
    write_report(text, None if args.quick else HERE / "optimizer_speed.md")


if __name__ == "__main__":
    main(sys.argv[1:])
