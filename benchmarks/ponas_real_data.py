"""POnasSearch against RandomSearch and EvolutionSearch on the MNIST subset, same budget and epochs.

Each search trains ``--budget`` candidates of the default cell space for ``--epochs`` epochs
on 80 % of 4,000 MNIST training images (20 % validation), refits the winner for
``--final-epochs`` on all of them, and is scored on 1,000 held-out test images. POnasSearch
also spends time on proxies (the six PO-NAS proxies of its ``--n-candidates`` pool and of
its offspring, on one minibatch), encoder pre-training and online training: all inside its
wall time. Writes ``ponas_real_data.md``.

    python benchmarks/ponas_real_data.py                 # ~25 min on 2 cores
    python benchmarks/ponas_real_data.py --budget 4 --epochs 1 --quick
"""

from __future__ import annotations

import argparse
import sys
import time

import torch
from threadpoolctl import threadpool_limits

from _report import HERE, environment_lines, markdown_table, seed_everything, write_report
from real_data import load_mnist_split, run_search
from sknas import EvolutionSearch, POnasSearch, RandomSearch

TARGET_ACCURACY = 0.98


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=int, default=20)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--final-epochs", type=int, default=10)
    parser.add_argument("--n-candidates", type=int, default=100)
    parser.add_argument("--n-offspring", type=int, default=20)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="print only, write nothing")
    args = parser.parse_args(argv)
    seed_everything(args.seed)
    torch.set_num_threads(args.threads)
    data = load_mnist_split(args.seed)
    common = dict(budget=args.budget, epochs=args.epochs, final_epochs=args.final_epochs,
                  device="cpu", random_state=args.seed)
    methods = [
        ("POnasSearch", POnasSearch, dict(common, n_candidates=args.n_candidates, n_offspring=args.n_offspring)),
        ("RandomSearch", RandomSearch, common),
        ("EvolutionSearch", EvolutionSearch, dict(common, population_size=5, tournament_size=3)),
    ]
    start = time.perf_counter()
    outcomes = []
    with threadpool_limits(args.threads):
        for name, cls, params in methods:
            outcomes.append(run_search(name, cls, params, data))
            print(f"{name}: {outcomes[-1].accuracy:.4f} in {outcomes[-1].wall_s:.0f} s", file=sys.stderr, flush=True)
    elapsed = time.perf_counter() - start
    verdicts = [
        f"- {o.method}: test accuracy {o.accuracy:.4f} "
        f"({'meets' if o.accuracy >= TARGET_ACCURACY else 'below'} the target {TARGET_ACCURACY}), "
        f"wall {o.wall_s:.0f} s" for o in outcomes
    ]
    text = "\n".join([
        "# POnasSearch on real images: MNIST subset, same budget and epochs as the baselines",
        "",
        *environment_lines(sys.argv),
        f"- data: {data.description}; one run each, random_state={args.seed}; total {elapsed / 60:.1f} min",
        f"- every search: budget {args.budget}, {args.epochs} epochs per candidate, final refit "
        f"{args.final_epochs} epochs, default cell space, torch threads {args.threads}; POnasSearch: "
        f"pool of {args.n_candidates}, six PO-NAS proxies, {args.n_offspring} offspring per evolution step",
        "",
        markdown_table(
            ["method", "settings", "test accuracy", "wall s", "found", "load"],
            [[o.method, o.settings, f"{o.accuracy:.4f}", f"{o.wall_s:.1f}", o.found, o.load] for o in outcomes],
            "llrrll",
        ),
        "",
        *verdicts,
        "",
        *[line for o in outcomes for line in ("- " + d for d in o.details)],
    ])
    if args.quick:
        print(text)
        return
    write_report(text, HERE / "ponas_real_data.md")


if __name__ == "__main__":
    main(sys.argv[1:])
