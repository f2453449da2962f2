"""bfloat16 autocast and the channels-last layout in the training loop: speed and accuracy on CPU.

Throughput: ``sknas.evaluation.train_network`` (what trains every candidate: AdamW, cosine
schedule, batch 64) on the four cells of ``training_speed.py`` (16 channels, one cell per
stage, the estimators' default skeleton) at 8×8 (digits) and 28×28 (MNIST) single-channel
inputs, in float32, channels-last, and, on a CPU with native bfloat16 (AVX-512 BF16 or AMX),
bfloat16 autocast alone and with channels-last (elsewhere bfloat16 is emulated, 5–20× slower
than float32, and not measured); beside them a minimal hand-written PyTorch loop (shuffle,
forward, loss, backward, AdamW step, scheduler step) on one cell in float32, which ours should
match within 5 %. Repeats of the modes are interleaved, so load changes hit them alike;
figures are medians in samples per second.

Accuracy: the four cells trained from the same initial weights on the digits (10 epochs) and
MNIST-subset (3 epochs) training splits of ``real_data.py`` in float32 and in what
``precision="auto"`` picks for images on this CPU (bfloat16 + channels-last with native
bfloat16, float32 + channels-last without), scored on the test splits. Writes
``training_precision.md`` on a CPU with native bfloat16, ``training_precision_no_bf16.md``
on one without.

    python benchmarks/training_precision.py            # 15-35 min on one core
    python benchmarks/training_precision.py --quick    # smoke run, prints only
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time

import numpy as np
import torch
from torch import nn

from _report import HERE, environment_lines, markdown_table, write_report
from real_data import load_digits_split, load_mnist_split
from sknas.evaluation import TrainingRecipe, native_bfloat16, predict_outputs, resolve_precision, train_network
from sknas.spaces import CellSpace
from training_speed import CELLS

MODES = {  # label -> (precision, channels_last)
    "float32": ("float32", False),
    "channels-last": ("float32", True),
    "bfloat16": ("bfloat16", False),
    "bfloat16 + channels-last": ("bfloat16", True),
}
SPACE = CellSpace(channels=16, cells_per_stage=1)
FIXED_CELL = "NB201 top (5 conv3x3 + skip)"


def network(cell: str, side: int, seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    return SPACE.build(SPACE.parse(CELLS[cell]), (1, side, side), 10)


def hand_written_epoch(module: nn.Module, X: torch.Tensor, y: torch.Tensor, batch_size: int = 64) -> None:
    """The loop a PyTorch user would write: AdamW, cosine schedule, shuffled batches."""
    module.train()
    optimizer = torch.optim.AdamW(module.parameters(), lr=3e-3, weight_decay=5e-4)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=math.ceil(len(X) / batch_size))
    loss_fn = nn.CrossEntropyLoss()
    order = torch.randperm(len(X))
    for start in range(0, len(X), batch_size):
        index = order[start:start + batch_size]
        optimizer.zero_grad()
        loss_fn(module(X[index]), y[index]).backward()
        optimizer.step()
        scheduler.step()


def measured_modes(native: bool) -> list[str]:
    """The modes worth timing: all four with native bfloat16, the float32 ones without."""
    return list(MODES) if native else [m for m in MODES if MODES[m][0] == "float32"]


def auto_mode() -> str:
    """The mode ``precision="auto"`` picks for images on this CPU."""
    picked = resolve_precision("auto", torch.device("cpu"), images=True)
    return next(label for label, setting in MODES.items() if setting == picked)


def throughput(side: int, n_samples: int, repeats: int, modes: list[str],
               cells: list[str]) -> dict[tuple[str, str], list[float]]:
    """Samples per second of one epoch of ``n_samples`` random images, per (cell, mode),
    interleaved; the hand-written loop on ``FIXED_CELL``."""
    X = torch.randn(n_samples, 1, side, side)
    y = torch.randint(0, 10, (n_samples,))
    rates: dict[tuple[str, str], list[float]] = {}
    runs = {
        (cell, label): (lambda cell=cell, p=MODES[label][0], c=MODES[label][1]: train_network(
            network(cell, side), X, y, task="classification",
            recipe=TrainingRecipe(epochs=1, precision=p, channels_last=c), device=torch.device("cpu"),
            generator=torch.Generator().manual_seed(0)))
        for cell in cells for label in modes
    }
    runs[FIXED_CELL, "hand-written loop, float32"] = lambda: hand_written_epoch(network(FIXED_CELL, side), X, y)
    for repeat in range(repeats + 1):  # the first round warms up
        for key, run in runs.items():
            start = time.perf_counter()
            run()
            if repeat:
                rates.setdefault(key, []).append(n_samples / (time.perf_counter() - start))
    return rates


def accuracy(data, cell: str, seed: int, epochs: int, mode: str) -> float:
    """Test accuracy of ``cell`` trained on ``data``'s training split in ``mode``."""
    precision, channels_last = MODES[mode]
    side = data.image_shape[0]
    X_train = torch.as_tensor(data.X_train.reshape(-1, 1, side, side), dtype=torch.float32)
    X_test = torch.as_tensor(data.X_test.reshape(-1, 1, side, side), dtype=torch.float32)
    mean, std = X_train.mean(), X_train.std()
    module = network(cell, side, seed)
    train_network(module, (X_train - mean) / std, torch.as_tensor(data.y_train), task="classification",
                  recipe=TrainingRecipe(epochs=epochs, precision=precision, channels_last=channels_last),
                  device=torch.device("cpu"), generator=torch.Generator().manual_seed(seed))
    predicted = predict_outputs(module, (X_test - mean) / std, torch.device("cpu")).argmax(1).numpy()
    return float(np.mean(predicted == data.y_test))


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--quick", action="store_true", help="tiny sizes, print only")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    seeds = [int(s) for s in args.seeds.split(",")]
    native = native_bfloat16(torch.device("cpu"))
    modes, fast_mode = measured_modes(native), auto_mode()
    header = environment_lines(sys.argv)
    start = time.perf_counter()
    n_samples = {8: 256, 28: 64} if args.quick else {8: 2048, 28: 640}
    cells = list(CELLS)[:2] if args.quick else list(CELLS)
    speed_rows = []
    for side in (8, 28):
        rates = throughput(side, n_samples[side], 1 if args.quick else args.repeats, modes, cells)
        for (cell, label), values in rates.items():
            median = statistics.median(values)
            base = statistics.median(rates[cell, "float32"])
            speed_rows.append([f"{side}×{side}", cell, label,
                               f"{median:,.0f} ({min(values):,.0f}–{max(values):,.0f})", f"{median / base:.2f}"])
        print(f"throughput {side}x{side} done", file=sys.stderr, flush=True)
    datasets = [(load_digits_split, 10), (load_mnist_split, 3)]
    if args.quick:
        datasets, seeds = [(load_digits_split, 1)], seeds[:1]
    accuracy_rows = []
    for loader, epochs in datasets:
        for cell in cells:
            found = {mode: [accuracy(loader(seed), cell, seed, epochs, mode) for seed in seeds]
                     for mode in ("float32", fast_mode)}
            full, fast = found["float32"], found[fast_mode]
            accuracy_rows.append([loader(0).name, f"{epochs}", cell, f"{np.mean(full):.4f}", f"{np.mean(fast):.4f}",
                                  f"{np.mean(fast) - np.mean(full):+.4f}"])
            print(f"accuracy {loader.__name__} {cell} done", file=sys.stderr, flush=True)
    elapsed = time.perf_counter() - start
    skipped = "" if native else "; bfloat16 is emulated here (not measured)"
    text = "\n".join([
        "# bfloat16 autocast and channels-last in the training loop (CPU)",
        "",
        *header,
        f"- native bfloat16 on this device (AVX-512 BF16 or AMX): {native}{skipped}; `precision=\"auto\"` picks "
        f"{fast_mode} for images here; one torch thread; total {elapsed / 60:.1f} min",
        "",
        "## Throughput: one epoch of `train_network` (16 channels, one cell per stage), batch 64",
        "",
        f"Median samples/s (min–max over {args.repeats} interleaved repeats); `×`: over float32 on the same cell.",
        "",
        markdown_table(["input", "cell", "mode", "train samples/s", "×"], speed_rows, "lllrr"),
        "",
        f"## Accuracy: test accuracy, mean of seeds {args.seeds}, same initial weights and batch order",
        "",
        markdown_table(["data", "epochs", "cell", "float32", fast_mode, "difference"], accuracy_rows, "lrlrrr"),
    ])
    name = "training_precision.md" if native else "training_precision_no_bf16.md"
    write_report(text, None if args.quick else HERE / name)


if __name__ == "__main__":
    main(sys.argv[1:])
