"""PO-NAS on the 14 TransNAS-Bench-101 problems, one run per problem, problems in parallel.

``tnb101_table.py`` runs the seeds of one problem in parallel; with one or two seeds of a
strategy that costs minutes per run that leaves a core idle. This runs the missing
records of ``STRATEGY`` (default ``ponas``; seeds ``0..SEEDS-1``, 100 queries) two problems at
a time, on the ``PROBLEM`` s named (default: all 14, in the table's order; ``micro-room_layout``
names ``tnb101-micro-room_layout``) in the order given, and merges each into
``tnb101_table.json`` as it ends; ``python tnb101_table.py --strategies ""`` then rewrites the
table from the JSON.

    python benchmarks/tnb_ponas_parallel.py [SEEDS [STRATEGY [PROBLEM ...]]]    # default 1 ponas
"""

import json
import sys
import time

from joblib import Parallel, delayed

import tnb101_table as table
from sknas.bench import run


def one(strategy: str, problem: str, seeds: int) -> dict:
    import _variants  # noqa: F401  (registers the research variants in this worker process)

    start = time.perf_counter()
    record = run(strategy, problem, budget=100, seeds=range(seeds), n_jobs=1)
    print(problem, record["summary"]["rank"]["mean"], f"{time.perf_counter() - start:.0f} s", flush=True)
    return record


def main(argv: list[str]) -> None:
    seeds = int(argv[0]) if argv else 1
    strategy = argv[1] if len(argv) > 1 else "ponas"
    named = [f"tnb101-{name}" for name in argv[2:]] or table.PROBLEMS
    unknown = sorted(set(named) - set(table.PROBLEMS))
    if unknown:
        raise SystemExit(f"unknown problems {unknown}; use e.g. micro-room_layout")
    records = {table._key(r): r for r in json.loads(table.JSON.read_text(encoding="utf-8"))}
    problems = [p for p in named if len(records.get((strategy, p, 100), {}).get("runs", [])) < seeds]
    jobs = Parallel(n_jobs=2, return_as="generator_unordered")(delayed(one)(strategy, p, seeds) for p in problems)
    for record in jobs:
        records[table._key(record)] = record
        table._save(records)


if __name__ == "__main__":
    main(sys.argv[1:])
