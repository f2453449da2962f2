"""Where a PO-NAS search's wall time goes on one core, optionally beside another checkout's.

Issue 20 asks for at most 20 s per 20-query NAS-Bench-201 run and 60 s per 100-query
TransNAS-Bench-101 run on one core. On a table benchmark nothing is trained and the proxies
are looked up, so the wall time is PO-NAS's own work: pre-training the graph encoder, the
online fits of the weight generators, the GP fits and the acquisition; "rest" is everything
else (the pool, screening, the driver). Each run is timed in a fresh process with one torch
thread, after a warm-up that imports what the first GP fit and optimiser would.

With ``--baseline PATH`` (a checkout of another commit, e.g. ``git worktree add /tmp/old
HEAD~1``) each run is also timed with that checkout's sknas, the two one after the other,
so that both see the same load; its found architecture says whether the two searches agree.

    python benchmarks/ponas_cost.py                                 # 3 problems, seed 0
    python benchmarks/ponas_cost.py --seeds 0,1 --baseline /tmp/old --out ponas_cost.md
    python benchmarks/ponas_cost.py --problems nb201-cifar10 --quick
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROBLEMS = "nb201-cifar10,tnb101-micro-room_layout,tnb101-macro-normal"
#: Issue 20's wall-time targets per run on one core.
TARGET_SECONDS = {"nb201": 20, "tnb101": 60}
PARTS = ("pretraining", "online fits", "GP fits", "acquisition")


def measure_one(problem: str, seed: int) -> dict:
    """One PO-NAS run of ``problem`` in this process; its wall time and parts, in seconds."""
    import torch

    torch.set_num_threads(1)
    import numpy as np

    import sknas
    import sknas.strategies._ponas_choice as choice
    import sknas.strategies._ponas_weighting as weighting
    from sknas.bench import run
    from sknas.surrogate import fit_gp

    seconds = dict.fromkeys(PARTS, 0.0)
    counts = {"online fits": 0, "online epochs": 0, "GP fits": 0}  # calls, beside the seconds

    def timed(module, name: str, part: str):
        original = getattr(module, name)

        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            result = original(*args, **kwargs)
            seconds[part] += time.perf_counter() - start
            if part in counts:
                counts[part] += 1
            if part == "online fits":
                counts["online epochs"] += result.epochs
            return result

        setattr(module, name, wrapper)

    timed(weighting, "pretrain_encoder", "pretraining")
    timed(weighting, "fit_weights", "online fits")
    timed(choice, "fit_contribution_gp", "GP fits")
    timed(choice, "best_candidates", "acquisition")
    # warm-up: the lazy imports of the first GP fit and of the fused optimisers
    fit_gp(np.random.default_rng(0).random((4, 2)), np.arange(4.0))
    torch.optim.AdamW([torch.nn.Parameter(torch.zeros(1))], fused=True)
    start = time.perf_counter()
    record = run("ponas", problem, seeds=[seed])  # the benchmark's default budget: 20 or 100 queries
    wall = time.perf_counter() - start
    found = record["runs"][0]
    return {"sknas": str(Path(sknas.__file__).parent.parent), "wall": wall, "seconds": seconds, "counts": counts,
            "budget": record["budget"],
            "rank": found.get("rank"), "best_arch": found["best_arch"]}


def measure(root: Path, problem: str, seed: int) -> dict:
    """:func:`measure_one` in a fresh process that imports sknas from ``root``."""
    env = {**os.environ, "PYTHONPATH": str(root), "OMP_NUM_THREADS": "1"}
    out = subprocess.run([sys.executable, __file__, "--one", problem, str(seed)], env=env, check=True,
                         capture_output=True, text=True).stdout
    measured = json.loads(out.strip().splitlines()[-1])
    if Path(measured["sknas"]).resolve() != root.resolve():
        raise RuntimeError(f"the run imported sknas from {measured['sknas']}, not from {root}")
    return measured


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problems", default=PROBLEMS)
    parser.add_argument("--seeds", type=lambda s: [int(x) for x in s.split(",")], default=[0])
    parser.add_argument("--baseline", type=Path, default=None, help="another checkout, timed beside this one")
    parser.add_argument("--out", default="ponas_cost.md")
    parser.add_argument("--quick", action="store_true", help="print only, write nothing")
    parser.add_argument("--one", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(measure_one(args.one[0], int(args.one[1]))))
        return
    import torch
    from _report import environment_lines, git_revision, markdown_table, write_report

    torch.set_num_threads(1)  # as in the measured processes, for the report's header

    header_lines = environment_lines(sys.argv)  # the date and load at the start
    sides = ([("baseline", args.baseline.resolve())] if args.baseline else []) + [("this", HERE.parent)]
    rows = []
    for problem in args.problems.split(","):
        target = TARGET_SECONDS[problem.split("-")[0]]
        for seed in args.seeds:
            for label, root in sides:
                m = measure(root, problem, seed)
                seconds, counts = m["seconds"], m["counts"]
                rest = m["wall"] - sum(seconds.values())
                found = f"rank {m['rank']}" if m["rank"] is not None else m["best_arch"]
                rows.append([problem, m["budget"], seed, label, found, f"{m['wall']:.1f}",
                             "yes" if m["wall"] <= target else f"no (> {target})",
                             *(f"{seconds[p]:.1f}" for p in PARTS), f"{rest:.1f}",
                             f"{counts['online fits']} / {counts['online epochs']:,}", counts["GP fits"]])
                print(" | ".join(map(str, rows[-1])), flush=True)
    header = ["problem", "queries", "seed", "sknas", "found", "wall s", "within target", *(f"{p} s" for p in PARTS),
              "rest s", "online fits / epochs", "GP fits"]
    table = markdown_table(header, rows, "lrrllrl" + "r" * 7)
    this_root = HERE.parent
    lines = [
        "# Where a PO-NAS search's wall time goes (one core, table benchmarks)", "",
        *header_lines,
        "- each run in a fresh process, one torch thread, after a warm-up import; runs one at a time",
        f"- sknas: `this` is {this_root}" + (f", `baseline` is {args.baseline.resolve()} at git "
                                              f"{git_revision(args.baseline)}" if args.baseline else ""),
        "- targets (issue 20): ≤ 20 s per 20-query NAS-Bench-201 run, ≤ 60 s per 100-query TransNAS-Bench-101 run",
        "- rest: the pool, the screen, the driver and the benchmark's look-ups", "",
        table,
    ]
    write_report("\n".join(lines), None if args.quick else HERE / args.out)


if __name__ == "__main__":
    main(sys.argv[1:])
