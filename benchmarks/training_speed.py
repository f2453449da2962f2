"""Training and inference throughput of CellSpace networks on CPU, for MNIST-sized input.

Trains with the library's own loop, ``sknas.evaluation.train_network`` (AdamW, cosine
schedule, batch 64: forward, backward and optimizer step, as every search candidate is
trained), on 1x28x28 images with 10 classes, and predicts with the library's
``predict_outputs`` (batches of 512, eval mode, no grad). For a few representative cells it
scales the first-stage channels at one cell per stage (the estimators' default space is
16 channels, one cell per stage) and adds the NAS-Bench-201 skeleton (16 channels, five cells
per stage). Each figure is the median over repeats after a warm-up; the inputs are random,
since throughput does not depend on pixel values.

Run from anywhere::

    python benchmarks/training_speed.py            # full run, writes training_speed.md beside it
    python benchmarks/training_speed.py --quick    # smoke run, prints only
"""

from __future__ import annotations

import argparse
import contextlib
import math
import multiprocessing
import os
import statistics
import sys
import time
from dataclasses import dataclass

import torch
from torch import nn

from _report import HERE, environment_lines, load, markdown_table, seed_everything, write_report
from sknas.evaluation import TrainingRecipe, predict_outputs, train_network
from sknas.spaces import CellSpace

INPUT_SHAPE = (1, 28, 28)
N_CLASSES = 10
BATCH_SIZE = 64
INFERENCE_BATCH = 512  # predict_outputs' default, what the estimators' predict uses

#: label -> NAS-Bench-201 cell string
CELLS = {
    "all 3x3 conv": "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|"
    "+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|",
    "NB201 top (5 conv3x3 + skip)": "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|"
    "+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|",
    "mixed (3x3, 1x1, pool, skip, none)": "|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|"
    "+|none~0|avg_pool_3x3~1|nor_conv_3x3~2|",
    "skip/pool only": "|skip_connect~0|+|avg_pool_3x3~0|skip_connect~1|"
    "+|skip_connect~0|avg_pool_3x3~1|avg_pool_3x3~2|",
}


@dataclass
class Row:
    cell: str
    channels: int
    cells_per_stage: int
    params: int
    macs: float
    train_rates: dict[int, list[float]]  # threads -> samples/s of each repeat
    infer_rates: dict[int, list[float]]
    load: str  # 1-minute load average at the start and the end of the row


def count_macs(module: nn.Module, input_shape: tuple[int, ...]) -> float:
    """Multiply-accumulates of one forward pass of one sample (convolutions and linear layers)."""
    total = 0

    def conv_hook(layer: nn.Conv2d, _inputs, output: torch.Tensor) -> None:
        nonlocal total
        kh, kw = layer.kernel_size
        total += output[0].numel() * (layer.in_channels // layer.groups) * kh * kw

    def linear_hook(layer: nn.Linear, _inputs, output: torch.Tensor) -> None:
        nonlocal total
        total += layer.in_features * layer.out_features

    hooks = []
    for layer in module.modules():
        if isinstance(layer, nn.Conv2d):
            hooks.append(layer.register_forward_hook(conv_hook))
        elif isinstance(layer, nn.Linear):
            hooks.append(layer.register_forward_hook(linear_hook))
    was_training = module.training
    module.eval()
    with torch.no_grad():
        module(torch.zeros(1, *input_shape))
    module.train(was_training)
    for hook in hooks:
        hook.remove()
    return float(total)


def _spin() -> None:
    while True:
        pass


@contextlib.contextmanager
def busy_processes(n: int):
    """Run ``n`` CPU-bound processes meanwhile: a machine shared with other jobs, reproducibly."""
    processes = [multiprocessing.get_context("spawn").Process(target=_spin, daemon=True)
                 for _ in range(n)]
    for process in processes:
        process.start()
    time.sleep(2.0 if n else 0.0)  # let them start spinning
    try:
        yield
    finally:
        for process in processes:
            process.terminate()
            process.join()


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def measure(
    label: str,
    arch_string: str,
    channels: int,
    cells_per_stage: int,
    threads: list[int],
    args: argparse.Namespace,
) -> Row:
    """Time training and inference of one network at each thread count.

    The repeats of different thread counts are interleaved, so a change of the machine's
    load during the row affects them alike.
    """
    space = CellSpace(channels=channels, cells_per_stage=cells_per_stage)
    arch = space.parse(arch_string)
    torch.manual_seed(args.seed)
    module = space.build(arch, INPUT_SHAPE, N_CLASSES)
    params = sum(p.numel() for p in module.parameters())
    macs = count_macs(module, INPUT_SHAPE)
    load_start = load().split("/")[0]

    data = torch.Generator().manual_seed(args.seed)
    n_max = max(args.max_steps * BATCH_SIZE, args.max_inference_batches * INFERENCE_BATCH)
    X = torch.randn(n_max, *INPUT_SHAPE,
                    generator=data)
    y = torch.randint(N_CLASSES, (len(X),), generator=data)
    device = torch.device("cpu")
    batches = torch.Generator().manual_seed(args.seed + 1)

    def train(steps: int) -> None:
        # One call = one epoch of ``steps`` batches with a fresh AdamW and cosine schedule,
        # exactly as the library trains a candidate.
        n = steps * BATCH_SIZE
        recipe = TrainingRecipe(epochs=1, batch_size=BATCH_SIZE, optimizer="adamw")
        train_network(
            module, X[:n], y[:n], task="classification", recipe=recipe, device=device,
            generator=batches,
        )

    def infer(n: int) -> None:
        predict_outputs(module, X[:n], device, INFERENCE_BATCH)

    steps, n_infer = {}, {}
    for t in threads:
        torch.set_num_threads(t)
        train(args.warmup_steps)  # allocator, oneDNN kernel selection, lazy AdamW state
        step_s = timed(lambda: train(args.warmup_steps)) / args.warmup_steps
        steps[t] = min(args.max_steps, max(args.min_steps, math.ceil(args.min_time / step_s)))
        infer(INFERENCE_BATCH)  # warm-up
        batch_s = timed(lambda: infer(INFERENCE_BATCH))
        batches_needed = min(args.max_inference_batches, max(1, math.ceil(args.min_time / batch_s)))
        n_infer[t] = batches_needed * INFERENCE_BATCH
    train_rates: dict[int, list[float]] = {t: [] for t in threads}
    infer_rates: dict[int, list[float]] = {t: [] for t in threads}
    for _ in range(args.repeats):
        for t in threads:
            torch.set_num_threads(t)
            train_rates[t].append(steps[t] * BATCH_SIZE / timed(lambda: train(steps[t])))
            infer_rates[t].append(n_infer[t] / timed(lambda: infer(n_infer[t])))
    row = Row(label, channels, cells_per_stage, params, macs, train_rates, infer_rates,
              f"{load_start}→{load().split('/')[0]}")
    for t in threads:
        print(
            f"{label:36s} C={channels:<3d} cps={cells_per_stage} threads={t} params={params:>9,d} "
            f"train {statistics.median(train_rates[t]):8.1f}/s ({steps[t]} steps x {args.repeats}) "
            f"infer {statistics.median(infer_rates[t]):8.1f}/s load {row.load}",
            file=sys.stderr, flush=True,
        )
    return row


def rate(values: list[float]) -> str:
    """Median (min–max) of samples/s."""
    return f"{statistics.median(values):,.0f} ({min(values):,.0f}–{max(values):,.0f})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: two cells, 8 channels and the 5-cell skeleton, few repeats; "
                        "prints only unless --output is given")
    parser.add_argument("--channels", type=int, nargs="+", default=[8, 16, 32, 64],
                        help="first-stage channels scaled at one cell per stage")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch intra-op threads of the main table (default 1: on a shared "
                        "machine more threads than free cores stall; see the thread table)")
    parser.add_argument("--compare-threads", type=int, nargs="*", default=None,
                        help="thread counts of the thread table (default: 1 and the CPU count); "
                        "give none to skip it")
    parser.add_argument("--contention", type=int, nargs="+", default=None,
                        help="CPU-bound background processes started while the thread table is "
                        "measured, one block of rows per count (default: 0 and the CPU count)")
    parser.add_argument("--repeats", type=int, default=5, help="timed repeats; the median is reported")
    parser.add_argument("--min-time", type=float, default=2.0,
                        help="seconds one timed training repeat should last at least")
    parser.add_argument("--min-steps", type=int, default=2, help="optimizer steps per repeat, at least")
    parser.add_argument("--max-steps", type=int, default=60, help="optimizer steps per repeat, at most")
    parser.add_argument("--warmup-steps", type=int, default=2)
    parser.add_argument("--max-inference-batches", type=int, default=8,
                        help=f"batches of {INFERENCE_BATCH} predicted per inference repeat, at "
                        "most (at least one, else enough to last --min-time)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", default=None,
                        help="markdown file to write (default: training_speed.md beside this "
                        "script for a full run, nothing for --quick)")
    args = parser.parse_args(argv)
    compare = args.compare_threads
    if compare is None:
        compare = sorted({1, os.cpu_count() or 1})
    if args.contention is None:
        args.contention = sorted({0, os.cpu_count() or 1})
    cells = dict(CELLS)
    if args.quick:
        cells = {k: CELLS[k] for k in ("all 3x3 conv", "skip/pool only")}
        args.channels = [8]
        args.repeats, args.min_time, args.max_steps = 2, 0.2, 4
        args.max_inference_batches = 1
    seed_everything(args.seed)
    output = args.output or (None if args.quick else HERE / "training_speed.md")
    torch.set_num_threads(args.threads)
    header = environment_lines(sys.argv if argv is None else [__file__, *argv])

    start = time.perf_counter()
    rows = []
    for label, arch in cells.items():
        for channels in args.channels:
            rows.append(measure(label, arch, channels, 1, [args.threads], args))
        rows.append(measure(label, arch, 16, 5, [args.threads], args))
    thread_rows = []
    if compare:
        # The estimators' default space (16 channels, one cell per stage) on two cells.
        for n_busy in args.contention:
            with busy_processes(n_busy):
                for label in list(cells)[:: max(1, len(cells) - 1)][:2]:
                    row = measure(label, cells[label], 16, 1, compare, args)
                    thread_rows.append((n_busy, row))
    torch.set_num_threads(args.threads)
    elapsed = time.perf_counter() - start

    table = markdown_table(
        ["cell", "channels", "cells/stage", "params", "MMACs/sample", "train samples/s",
         "ms/step", "inference samples/s", "load"],
        [
            [
                r.cell, r.channels, r.cells_per_stage, f"{r.params:,d}", f"{r.macs / 1e6:.1f}",
                rate(r.train_rates[args.threads]),
                f"{1000 * BATCH_SIZE / statistics.median(r.train_rates[args.threads]):,.0f}",
                rate(r.infer_rates[args.threads]), r.load,
            ]
            for r in rows
        ],
        "lrrrrrrrl",
    )
    lines = [
        "# Training throughput of CellSpace networks on CPU (28x28x1 input, 10 classes)",
        "",
        *header,
        f"- environment: OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}, "
        f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', 'unset')}",
        f"- load average at end: {load()}; total run time {elapsed:.0f} s",
        "",
        "Training: `sknas.evaluation.train_network`, the loop that trains every search "
        f"candidate (AdamW, cosine schedule, batch {BATCH_SIZE}; forward + backward + "
        "optimizer step), one epoch of a fixed number of steps per repeat (at least "
        f"{args.min_time:g} s or {args.min_steps} steps), {args.repeats} repeats after a warm-up. "
        "Inference: `sknas.evaluation.predict_outputs`, what `predict` uses (eval mode, no "
        f"grad, batches of {INFERENCE_BATCH}), on as many batches as last {args.min_time:g} s "
        f"(1 to {args.max_inference_batches}). Figures are "
        "medians (min–max over the repeats) in samples per second; `ms/step` is the median "
        "time of one training step of 64 samples. MMACs: multiply-accumulates of one forward "
        "pass of one sample (convolutions and linear layers). `load` is the 1-minute load "
        "average at the start → end of the row: the machine is shared with other jobs, so "
        "the figures are noisy and rows measured under more load are slower than the network "
        "alone would be.",
        "",
        f"## Throughput at {args.threads} torch thread{'s' if args.threads > 1 else ''}",
        "",
        table,
    ]
    if thread_rows:
        lines += [
            "",
            "## Thread count (16 channels, one cell per stage: the estimators' default space)",
            "",
            "Repeats of the thread counts are interleaved, so load changes hit them alike. "
            "`busy processes`: CPU-bound processes (`while True: pass`) this script runs "
            "meanwhile, to measure a machine shared with other jobs reproducibly (on top of "
            "whatever else the `load` shows).",
            "",
            markdown_table(
                ["cell", "busy processes", "threads", "train samples/s", "inference samples/s",
                 "load"],
                [
                    [r.cell, n_busy, t, rate(r.train_rates[t]), rate(r.infer_rates[t]), r.load]
                    for n_busy, r in thread_rows for t in compare
                ],
                "lrrrrl",
            ),
        ]
    write_report("\n".join(lines), output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
