"""Speed-up of training candidates in parallel: n_jobs=1, n_jobs=2 (loky), and a 2-worker Dask cluster.

The same ``RandomSearch`` on scikit-learn's digits (cell space) three ways; each row is the
median of ``--repeats`` wall times of the search (``search_time_s_``: without the final
refit). ``n_jobs=1`` trains each candidate with every core's torch threads; in parallel each
of the ``n`` candidates gets ``cpu_count // n`` threads. All three must evaluate the same
architectures to the same objectives, which the script checks. Run it on an idle machine.

    python benchmarks/parallel_speedup.py            # writes parallel_speedup.md
    python benchmarks/parallel_speedup.py --quick --budget 4
"""

from __future__ import annotations

import argparse
import sys

import joblib
import numpy as np
from sklearn.datasets import load_digits

from _report import HERE, environment_lines, load, markdown_table, write_report
from sknas import CellSpace, RandomSearch


def timed_search(budget: int, n_jobs: int | None) -> RandomSearch:
    X, y = load_digits(return_X_y=True)
    search = RandomSearch(budget=budget, epochs=3, final_epochs=1, image_shape=(8, 8), n_jobs=n_jobs,
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
    timings: dict[str, list[float]] = {}
    searches = {}
    for _ in range(args.repeats):
        for label, n_jobs in (("n_jobs=1", 1), ("n_jobs=2 (loky processes)", 2)):
            searches[label] = timed_search(args.budget, n_jobs)
            timings.setdefault(label, []).append(searches[label].search_time_s_)
        label = "Dask LocalCluster, 2 workers × 1 thread, n_jobs=-1"
        with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster, \
                Client(cluster), joblib.parallel_backend("dask"):
            searches[label] = timed_search(args.budget, -1)
        timings.setdefault(label, []).append(searches[label].search_time_s_)
        print({k: round(v[-1], 1) for k, v in timings.items()}, file=sys.stderr, flush=True)

    serial = np.median(timings["n_jobs=1"])
    reference = searches["n_jobs=1"].results_
    rows = []
    for label, values in timings.items():
        same = (searches[label].results_["architecture"] == reference["architecture"]
                and searches[label].results_["objective"] == reference["objective"])
        rows.append([label, f"{np.median(values):.1f}", " / ".join(f"{v:.1f}" for v in values),
                     f"{serial / np.median(values):.2f}×", "yes" if same else "NO"])
    text = "\n".join([
        "# Parallel evaluation: speed-up on this machine",
        "",
        *environment,
        f"- load average at the end: {load()}",
        "",
        f"`RandomSearch(budget={args.budget}, epochs=3, image_shape=(8, 8), "
        "space=CellSpace(channels=16, cells_per_stage=1), random_state=0)` on 1,000 digits; wall "
        "time of the search without the final refit, median of "
        f"{args.repeats} runs (the Dask rows include starting no cluster: it is started before "
        "each fit).",
        "",
        markdown_table(["evaluation", "median s", "runs (s)", "speed-up", "same search"], rows, "lrrrl"),
    ])
    write_report(text, None if args.quick else HERE / "parallel_speedup.md")


if __name__ == "__main__":
    main(sys.argv[1:])
