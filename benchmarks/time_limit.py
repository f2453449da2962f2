"""``max_time``: how close a search ends to its time limit, and what it finds in that time.

Fits estimators with a ``budget`` far beyond what the limit allows (so the time limit ends the
search) on the MNIST subset (4,000 / 1,000) or digits as 8×8 images, and reports the wall time
of ``fit`` against ``max_time`` (search and refit), the candidates trained, and the held-out
test accuracy. Runs one at a time, one torch thread each. Writes ``time_limit.md``.

    python benchmarks/time_limit.py                                  # MNIST, 60 and 300 s (~15 min)
    python benchmarks/time_limit.py --datasets digits --limits 20 --quick
"""

from __future__ import annotations

import argparse
import sys

import torch

from _report import HERE, environment_lines, markdown_table, write_report
from ponas_real_data import fit_on_split

#: The issue's target: the wall within this fraction of the limit.
TOLERANCE = 0.10


def one_run(dataset: str, estimator: str, limit: float, seed: int, budget: int) -> dict:
    search, accuracy, wall = fit_on_split(dataset, estimator, seed, budget=budget, max_time=limit)
    timings = search.search_timings_
    return dict(dataset=dataset, estimator=estimator, limit=limit, seed=seed, wall=wall, accuracy=accuracy,
                n=len(search.results_["architecture"]), search_s=timings["search_s"], refit_s=timings["refit_s"],
                setup_s=timings["setup_s"], found=str(search.best_architecture_))


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default="mnist", help="mnist and/or digits, comma-separated")
    parser.add_argument("--estimators", default="RandomSearch,POnasSearch", help="comma-separated")
    parser.add_argument("--limits", default="60,300", help="max_time values in seconds, comma-separated")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--budget", type=int, default=1000, help="large enough that time ends the search")
    parser.add_argument("--quick", action="store_true", help="print only, write nothing")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    header = environment_lines(sys.argv)
    runs = []
    for dataset in args.datasets.split(","):
        for estimator in args.estimators.split(","):
            for limit in (float(v) for v in args.limits.split(",")):
                run = one_run(dataset, estimator, limit, args.seed, args.budget)
                runs.append(run)
                print(f"{dataset} {estimator} max_time={limit:g}: {run['wall']:.1f} s, {run['n']} candidates, "
                      f"{run['accuracy']:.4f}", file=sys.stderr, flush=True)
    rows = [[r["dataset"], r["estimator"], f"{r['limit']:g}", f"{r['wall']:.1f}", f"{r['wall'] / r['limit']:.2f}",
             "yes" if abs(r["wall"] / r["limit"] - 1) <= TOLERANCE else "no", f"{r['n']}",
             f"{r['setup_s']:.0f} / {r['search_s']:.0f} / {r['refit_s']:.0f}", f"{r['accuracy']:.4f}",
             f"`{r['found']}`"] for r in runs]
    text = "\n".join([
        "# `max_time`: wall time against the limit",
        "",
        *header,
        f"- budget {args.budget} (time ends every search), default settings otherwise (cell space, 10 epochs, "
        f"refit 20 epochs, precision auto), seed {args.seed}, one torch thread, one run at a time",
        f"- `within 10 %`: the issue's target, |wall / limit − 1| ≤ {TOLERANCE:.0%}; `setup / search / refit`: "
        "seconds of the strategy's setup (proxies, pre-training; part of search), the search, the refit",
        "",
        markdown_table(["data", "estimator", "max_time s", "wall s", "wall / limit", "within 10 %", "candidates",
                        "setup / search / refit s", "test accuracy", "found"], rows, "llrrrlrrrl"),
    ])
    write_report(text, None if args.quick else HERE / "time_limit.md")


if __name__ == "__main__":
    main(sys.argv[1:])
