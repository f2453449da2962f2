"""Kill a real search with SIGKILL at random moments, resume it each time, count what was lost.

A search (``EvolutionSearch`` on scikit-learn's digits, cell space, ``checkpoint=``) runs in a
child process; the parent kills it with SIGKILL after a random delay, several times, then
lets the last start finish. A callback of the child appends every finished evaluation to a
log (after the checkpoint is written), so the log shows every evaluation that finished in
any of the starts. Scenarios: one search (``n_jobs`` 1 and 2), ``cross_validate`` over 3
folds and ``GridSearchCV`` over 2 settings × 2 folds with ``checkpoint=<folder>`` (each
fold's clone keeps its own file in the folder; the log names the search by its fingerprint).
The figures:

- evaluations lost: architectures of an uninterrupted run with the same arguments that the
  resumed search's ``results_`` lacks, or whose objective differs (target 0);
- evaluations duplicated: finished (logged) evaluations that were trained again in a later
  start, plus repeats inside ``results_`` (target 0);
- trainings cut by a kill: the one in flight each time, which must be redone (the work of
  a kill, not of the checkpoint).

    python benchmarks/kill_resume.py                 # 8 kills per scenario, writes kill_resume.md
    python benchmarks/kill_resume.py --kills 3 --quick --scenarios cv
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

from _report import HERE, environment_lines, markdown_table, write_report

SEARCH = dict(budget=30, epochs=4, final_epochs=2, image_shape=(8, 8), population_size=6,
              tournament_size=3, random_state=0)
#: The searches inside cross-validation are shorter: there are 3 to 5 of them.
CV_SEARCH = dict(SEARCH, budget=12)
SCENARIOS = ("single-1", "single-2", "cv", "grid")


class LogFinished:
    """Append each finished evaluation to a file, durably (runs after the checkpoint write)."""

    def __init__(self, path):
        self.path = path

    def on_candidate_end(self, search, architecture=None, **kwargs):
        # the search's fingerprint names it: the clones of cross-validation are different searches
        with open(self.path, "a", encoding="utf-8") as handle:
            handle.write(f"{search.search_state_.fingerprint[:12]}:{architecture}\n")
            handle.flush()
            os.fsync(handle.fileno())


def child(args: argparse.Namespace) -> None:
    """One start of the search; writes its results_ as JSON when it finishes."""
    import torch
    from sklearn.datasets import load_digits

    from sknas import CellSpace, EvolutionSearch

    from sklearn.model_selection import GridSearchCV, KFold, cross_validate

    torch.set_num_threads(1)
    X, y = load_digits(return_X_y=True)
    X, y = X[:1000], y[:1000]
    search = EvolutionSearch(**(SEARCH if args.scenario.startswith("single") else CV_SEARCH),
                             space=CellSpace(channels=16, cells_per_stage=1), n_jobs=args.n_jobs,
                             checkpoint=args.checkpoint, callbacks=[LogFinished(args.log)])
    if args.scenario == "cv":
        folds = cross_validate(search, X, y, cv=KFold(3, shuffle=True, random_state=0), return_estimator=True)
        outcome = {"results": [e.results_ for e in folds["estimator"]], "scores": folds["test_score"].tolist()}
    elif args.scenario == "grid":
        grid = GridSearchCV(search, {"epochs": [2, 4]}, cv=KFold(2, shuffle=True, random_state=0)).fit(X, y)
        outcome = {"results": [grid.best_estimator_.results_],
                   "scores": grid.cv_results_["mean_test_score"].tolist()}
    else:
        outcome = {"results": [search.fit(X, y).results_], "scores": []}
    Path(args.out).write_text(json.dumps(outcome))


def start(args: argparse.Namespace, checkpoint: Path | str | None, log: Path, out: Path) -> subprocess.Popen:
    command = [sys.executable, __file__, "--child", "--out", str(out), "--n-jobs", str(args.n_jobs),
               "--scenario", args.scenario, "--log", str(log)]
    if checkpoint is not None:
        command += ["--checkpoint", str(checkpoint)]
    return subprocess.Popen(command, start_new_session=True)  # a kill reaches its workers too


def scenario(args: argparse.Namespace, rng: np.random.Generator, folder: Path) -> dict:
    t0 = time.perf_counter()
    reference_out, reference_log = folder / "reference.json", folder / "reference.log"
    start(args, None, reference_log, reference_out).wait()
    reference = json.loads(reference_out.read_text())
    uninterrupted_s = time.perf_counter() - t0

    # one search: a file; in cross-validation: a folder, one file per search inside
    checkpoint = folder / "search.json" if args.scenario.startswith("single") else f"{folder}/checkpoints/"
    log, out = folder / "finished.log", folder / "resumed.json"
    kills = landed = 0
    t0 = time.perf_counter()
    while kills < args.kills:
        process = start(args, checkpoint, log, out)
        time.sleep(rng.uniform(args.min_delay, args.max_delay))
        kills += 1
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            landed += 1
        process.wait()
        if out.exists():
            break  # it finished before the kill
    if not out.exists():
        start(args, checkpoint, log, out).wait()
    resumed_s = time.perf_counter() - t0
    resumed = json.loads(out.read_text())

    # every evaluation of the uninterrupted run, named by its search, must be logged once
    expected = Counter(reference_log.read_text().split())
    logged = Counter(log.read_text().split())
    lost = sum(1 for key in expected if key not in logged)
    duplicated = sum(n - 1 for n in logged.values())
    for results in resumed["results"]:
        duplicated += len(results["architecture"]) - len(set(results["architecture"]))
    same = resumed["scores"] == reference["scores"] and all(
        r["architecture"] == e["architecture"] and r["objective"] == e["objective"]
        for r, e in zip(resumed["results"], reference["results"]))
    return {
        "scenario": args.scenario,
        "n_jobs": args.n_jobs,
        "kills": landed,
        "evaluations": sum(expected.values()),
        "lost": lost,
        "duplicated": duplicated,
        "same_as_uninterrupted": same,
        "uninterrupted_s": uninterrupted_s,
        "interrupted_s": resumed_s,
    }


DESCRIPTIONS = {"single-1": "one search", "single-2": "one search", "cv": "cross_validate, 3 folds",
                "grid": "GridSearchCV, 2 × 2 folds"}


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--checkpoint", help=argparse.SUPPRESS)
    parser.add_argument("--log", help=argparse.SUPPRESS)
    parser.add_argument("--n-jobs", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--scenario", default="single-1", help=argparse.SUPPRESS)
    parser.add_argument("--scenarios", default=",".join(SCENARIOS), help=f"some of {', '.join(SCENARIOS)}")
    parser.add_argument("--kills", type=int, default=8)
    parser.add_argument("--min-delay", type=float, default=4.0, help="seconds before a kill, at least")
    parser.add_argument("--max-delay", type=float, default=12.0, help="seconds before a kill, at most")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="print only, write nothing")
    args = parser.parse_args(argv)
    if args.child:
        child(args)
        return

    rng = np.random.default_rng(args.seed)
    rows = []
    for name in args.scenarios.split(","):
        args.scenario = name
        args.n_jobs = 2 if name == "single-2" else 1
        with tempfile.TemporaryDirectory() as folder:
            outcome = scenario(args, rng, Path(folder))
        print(outcome, file=sys.stderr, flush=True)
        rows.append([
            DESCRIPTIONS[name], outcome["n_jobs"], outcome["kills"], outcome["evaluations"], outcome["lost"],
            outcome["duplicated"], "yes" if outcome["same_as_uninterrupted"] else "NO",
            f"{outcome['uninterrupted_s']:.0f}", f"{outcome['interrupted_s']:.0f}",
        ])
    search = ", ".join(f"{k}={v}" for k, v in SEARCH.items())
    folds = ("`cross_validate(search, cv=KFold(3))` and `GridSearchCV(search, {'epochs': [2, 4]}, cv=KFold(2))` "
             f"run the same search with budget {CV_SEARCH['budget']} and `checkpoint=<folder>/`: each clone keeps "
             "its own file there, and `evaluations` counts those of all the searches (the refit of "
             "GridSearchCV's best included). ")
    text = "\n".join([
        "# Killing a search with SIGKILL and resuming it",
        "",
        *environment_lines(sys.argv),
        "",
        f"`EvolutionSearch({search}, space=CellSpace(channels=16, cells_per_stage=1), checkpoint=...)` "
        f"on 1,000 digits, killed after a random {args.min_delay:g}–{args.max_delay:g} s, {args.kills} "
        "times (a kill after the search finished does not count), then run to the end. " + folds +
        "`lost`: evaluations of the uninterrupted run missing from, or different in, the resumed "
        "`results_`; `duplicated`: finished evaluations trained again (target 0 for both). The "
        "interrupted wall time includes the restarts (Python, torch and data loading each time) "
        "and the training cut by each kill.",
        "",
        markdown_table(
            ["search", "n_jobs", "kills", "evaluations", "lost", "duplicated", "same as uninterrupted",
             "uninterrupted s", "interrupted s (all starts)"],
            rows, "lrrrrrlrr",
        ),
    ])
    write_report(text, None if args.quick else HERE / "kill_resume.md")


if __name__ == "__main__":
    main(sys.argv[1:])
