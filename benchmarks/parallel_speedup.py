"""Speed-up of training candidates in parallel: n_jobs=1, n_jobs=2 (loky), and a 2-worker Dask cluster.

The same ``RandomSearch`` on scikit-learn's digits (cell space) four ways; each row is the
median of ``--repeats`` wall times of the search (``search_time_s_``: without the final
refit). ``n_jobs=1`` trains each candidate with every core's torch threads (and, for
comparison, with one); in parallel each of the ``n`` candidates gets ``cpu_count // n``
threads. The script checks which rows score every candidate exactly as ``n_jobs=1`` on one
thread does. Run it on an idle machine.

    python benchmarks/parallel_speedup.py            # writes parallel_speedup.md
    python benchmarks/parallel_speedup.py --quick --budget 4
"""

from __future__ import annotations

import argparse
import importlib
import sys

import joblib
import numpy as np
import torch
from sklearn.datasets import load_digits

from _report import HERE, environment_lines, load, markdown_table, write_report
from sknas import CellSpace, RandomSearch

EPOCHS = 5


def timed_search(budget: int, n_jobs: int | None) -> RandomSearch:
    X, y = load_digits(return_X_y=True)
    search = RandomSearch(budget=budget, epochs=EPOCHS, final_epochs=1, image_shape=(8, 8), n_jobs=n_jobs,
                          space=CellSpace(channels=16, cells_per_stage=1), random_state=0)
    return search.fit(X[:1000], y[:1000])


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=int, default=12)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="print only, write nothing")
    args = parser.parse_args(argv)
    from dask.distributed import Client, LocalCluster

    environment = environment_lines(sys.argv)
    cores = torch.get_num_threads()
    timings: dict[str, list[float]] = {}
    searches = {}
    dask_label = "Dask LocalCluster, 2 workers × 1 thread, n_jobs=-1"
    for _ in range(args.repeats):
        for label, n_jobs, threads in (
            (f"n_jobs=1, {cores} torch threads", 1, cores),
            ("n_jobs=1, 1 torch thread", 1, 1),
            ("n_jobs=2 (loky processes), 1 thread each", 2, cores),
        ):
            torch.set_num_threads(threads)
            searches[label] = timed_search(args.budget, n_jobs)
            timings.setdefault(label, []).append(searches[label].search_time_s_)
        torch.set_num_threads(cores)
        # a cluster per repeat, so that its idle processes do not share the cores with the rows above
        with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster, \
                Client(cluster) as client, joblib.parallel_backend("dask"):
            client.run(importlib.import_module, "sknas")  # workers import torch and sknas untimed
            searches[dask_label] = timed_search(args.budget, -1)
        timings.setdefault(dask_label, []).append(searches[dask_label].search_time_s_)
        print({k: round(v[-1], 1) for k, v in timings.items()}, file=sys.stderr, flush=True)

    serial_label = next(iter(timings))
    serial = np.median(timings[serial_label])
    one_thread = searches["n_jobs=1, 1 torch thread"].results_
    rows = []
    for label, values in timings.items():
        same = (searches[label].results_["architecture"] == one_thread["architecture"]
                and searches[label].results_["objective"] == one_thread["objective"])
        rows.append([label, f"{np.median(values):.1f}", " / ".join(f"{v:.1f}" for v in values),
                     f"{serial / np.median(values):.2f}×", "yes" if same else "no"])
    text = "\n".join([
        "# Parallel evaluation: speed-up on this machine",
        "",
        *environment,
        f"- load average at the end: {load()}",
        "",
        f"`RandomSearch(budget={args.budget}, epochs={EPOCHS}, image_shape=(8, 8), "
        "space=CellSpace(channels=16, cells_per_stage=1), random_state=0)` on 1,000 digits; wall "
        f"time of the search without the final refit, median of {args.repeats} runs (the first "
        "loky run includes starting its worker processes; a Dask cluster is started, and its "
        "workers import sknas, before each Dask run, untimed). Speed-up against the first row. `same "
        "objectives`: every candidate scored exactly as with `n_jobs=1` on one torch thread — "
        "each parallel worker trains on one thread; a different thread count rounds float sums "
        "differently, so scores can differ in their last digits. Candidates are trained in "
        "batches of `n_jobs` and a batch waits for its slowest member.",
        "",
        markdown_table(["evaluation", "median s", "runs (s)", "speed-up", "same objectives as 1 thread"],
                       rows, "lrrrl"),
    ])
    write_report(text, None if args.quick else HERE / "parallel_speedup.md")


if __name__ == "__main__":
    main(sys.argv[1:])
