"""Small work on one torch thread against all of them: the proxies and PO-NAS's online fit.

Torch splits an operation over its threads (by default one per core). On small tensors the
threads' start and join can cost more than they save. This measures two kinds of small work,
side by side in one process (the two thread counts alternate, best of ``--rounds``):

- proxies: the six PO-NAS proxies of ``--cells`` architectures on a minibatch of 64 random
  inputs of each shape (images: ``CellSpace(channels=16, cells_per_stage=1)``, the space
  ``POnasSearch`` searches by default; rows: ``MLPSpace()``), as ``ProxyScorer`` scores them
  in one process, without its thread rule;
- online fit: ``fit_weights`` of PO-NAS's default ensemble (4 weight generators) on 20
  architectures, one 100-epoch period at learning rate 1e-3 (the default fit of one query).

The column "rule" is what sknas runs now: ``ProxyScorer`` scores on one thread where the
minibatch has at most ``sknas.proxies._scorer.ONE_THREAD_MAX_VALUES`` values (``scoring_threads``); the online fit
runs on torch's threads.

    python benchmarks/torch_threads.py                 # ~4 min on 2 cores, writes torch_threads.md
    python benchmarks/torch_threads.py --cells 4 --rounds 1 --quick
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np
import torch

from _report import HERE, environment_lines, markdown_table, write_report
from sknas._parallel import torch_threads
from sknas.proxies import PONAS_PROXIES
from sknas.proxies._scorer import _score_architectures, scoring_threads
from sknas.spaces import CellSpace, MLPSpace
from sknas.surrogate import WeightGenerator, fit_weights

#: Per-sample input shapes: tabular rows, then images from digits' 8x8 to CIFAR's 3x32x32.
SHAPES = [(64,), (1, 8, 8), (3, 8, 8), (1, 12, 12), (1, 16, 16), (1, 28, 28), (3, 32, 32)]
BATCH = 64
ALL_THREADS = torch.get_num_threads()


def proxies_seconds(shape: tuple, n_cells: int, n_threads: int, seed: int = 0) -> float:
    """Seconds to score ``n_cells`` architectures on ``n_threads`` threads (after a warm-up cell)."""
    space = MLPSpace() if len(shape) == 1 else CellSpace(channels=16, cells_per_stage=1)
    rng = np.random.default_rng(seed)
    archs = [space.sample(rng) for _ in range(n_cells + 1)]
    generator = torch.Generator().manual_seed(seed)
    X = torch.rand(BATCH, *shape, generator=generator)
    y = torch.randint(0, 10, (BATCH,), generator=generator)
    common = (X, y, PONAS_PROXIES, "classification", shape, 10, seed)
    with torch_threads(n_threads):
        _score_architectures(space, archs[:1], *common)
        start = time.perf_counter()
        _score_architectures(space, archs[1:], *common)
        return time.perf_counter() - start


def online_fit_seconds(n_threads: int, n_queried: int = 20, seed: int = 0) -> float:
    """Seconds of one default online fit of 4 members on ``n_queried`` architectures."""
    generator = torch.Generator().manual_seed(seed)
    embeddings = torch.randn(n_queried, 128, generator=generator)
    metrics = torch.rand(n_queried, len(PONAS_PROXIES), generator=generator)
    objectives = torch.rand(n_queried, generator=generator)
    torch.manual_seed(seed)
    model = WeightGenerator(128, len(PONAS_PROXIES), n_members=4)
    with torch_threads(n_threads):
        start = time.perf_counter()
        fit_weights(model, embeddings, metrics, objectives, epochs=100, learning_rate=1e-3, max_epochs=100)
        return time.perf_counter() - start


def best_of(rounds: int, measure, *args) -> tuple[float, float]:
    """The fastest of ``rounds`` timings on one thread and on all, alternating."""
    one, every = [], []
    for _ in range(rounds):
        one.append(measure(*args, 1))
        every.append(measure(*args, ALL_THREADS))
    return min(one), min(every)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=12)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--out", default=str(HERE / "torch_threads.md"))
    parser.add_argument("--quick", action="store_true", help="print only, write nothing")
    args = parser.parse_args(argv)
    header = environment_lines(sys.argv)
    rows = []
    for shape in SHAPES:
        one, every = best_of(args.rounds, proxies_seconds, shape, args.cells)
        values = BATCH * int(np.prod(shape))
        with torch_threads(ALL_THREADS):
            rule = scoring_threads(torch.empty(BATCH, *shape))
        rows.append([f"proxies, {'x'.join(map(str, shape))} ({values:,} values)", f"{one / args.cells:.3f}",
                     f"{every / args.cells:.3f}", f"{every / one:.2f}", rule])
        print(rows[-1], file=sys.stderr, flush=True)
    online_fit_seconds(ALL_THREADS)  # warm-up: the first fit pays the optimiser's lazy imports
    one, every = best_of(args.rounds, online_fit_seconds)
    rows.append(["online fit, 4 members × 20 architectures, 100 epochs", f"{one:.3f}", f"{every:.3f}",
                 f"{every / one:.2f}", ALL_THREADS])
    table = markdown_table(
        ["work", "s on 1 thread", f"s on {ALL_THREADS} threads", "ratio", "rule: threads"], rows, "lrrrr")
    text = "\n".join(["# Small work: one torch thread against all", "", *header, "",
                      f"Best of {args.rounds} rounds; proxies: seconds per architecture ({args.cells} per shape), "
                      "online fit: seconds per fit. A ratio above 1: one thread is faster.", "", table, ""])
    write_report(text, None if args.quick else args.out)


if __name__ == "__main__":
    main(sys.argv[1:])
