"""Command line: ``python -m sknas demo`` searches a network for scikit-learn's digits;
``python -m sknas bench`` runs a strategy on a tabular benchmark over many seeds."""

from __future__ import annotations

import argparse
import sys
import time


def _estimators() -> dict:
    """The estimators ``demo`` can run, by the registered name of their strategy."""
    from . import search

    estimators = (getattr(search, name) for name in search.__all__)
    return {cls._strategy_name: cls for cls in estimators
            if isinstance(cls, type) and issubclass(cls, search.BaseSearch) and cls._strategy_name}


def demo(args: argparse.Namespace) -> int:
    """Search on digits (75/25 stratified split), print the architecture and test accuracy."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=0
    )
    estimator = _estimators()[args.strategy]
    search = estimator(
        budget=args.budget, image_shape=(8, 8), random_state=args.seed, verbose=1
    )
    print(
        f"Searching {args.budget} architectures with {estimator.__name__} on digits "
        f"({len(X_train)} train / {len(X_test)} test images of 8x8) ..."
    )
    start = time.perf_counter()
    search.fit(X_train, y_train)
    elapsed = time.perf_counter() - start
    print(f"best architecture: {search.best_architecture_}")
    print(f"validation accuracy during search: {search.best_score_:.4f}")
    print(f"held-out test accuracy: {search.score(X_test, y_test):.4f}")
    print(f"parameters: {sum(p.numel() for p in search.best_model_.parameters()):,}")
    print(f"wall time: {elapsed:.0f} s (search {search.search_time_s_:.0f} s, then refit)")
    return 0


def parse_seeds(text: str) -> list[int]:
    """``"0-29"`` or ``"0,3,7"`` or ``"5"`` as a list of seeds."""
    try:
        if "-" in text.strip("-"):
            low, high = text.split("-", 1)
            seeds = list(range(int(low), int(high) + 1))
        else:
            seeds = [int(s) for s in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"seeds must read like 0-29 or 0,3,7; got {text!r}") from None
    if not seeds:
        raise argparse.ArgumentTypeError(f"{text!r} names no seed; write a range such as 0-29")
    return seeds


def _write_json(record: dict, path: str) -> None:
    import json

    with open(path, "w", encoding="utf-8") as f:
        json.dump(record, f, indent=1)
    print(f"written to {path}")


def bench(args: argparse.Namespace) -> int:
    """Run one strategy on one benchmark over the seeds; print a summary, write the JSON."""
    from .bench import make_benchmark, markdown_table, plot_best_so_far, published_table, run
    from .hardware import TableProfiler
    from .strategies import strategy_names

    if args.objectives or args.strategy not in strategy_names(multi_objective=False):
        return bench_fronts(args)
    benchmark = make_benchmark(args.benchmark, args.protocol)
    profiler = None
    if args.hw_table and not args.hw_column:
        raise SystemExit("--hw-table needs --hw-column: the column of the table to report")
    if args.hw_column:
        # a user CSV keyed by arch_str, or HW-NAS-Bench's table of the data set
        try:
            profiler = (
                TableProfiler(args.hw_table, [args.hw_column]) if args.hw_table
                else benchmark.profiler([args.hw_column])
            )
        except (OSError, ValueError) as exc:
            raise SystemExit(f"cannot use the hardware table: {exc}") from None
    record = run(
        args.strategy, benchmark, args.budget, args.seeds, profiler=profiler, batch_size=args.batch_size,
        n_jobs=args.n_jobs, verbose=1,
    )
    summary = record["summary"]
    print(f"{args.strategy} on {args.benchmark} ({args.protocol} protocol), budget {args.budget}, "
          f"{len(args.seeds)} seeds")
    if record["dataset"] != record["proxy_source"]:
        print(f"note: {record['dataset']} has no zero-cost table; proxies are {record['proxy_source']}'s")
    for key in ("test_accuracy", "objective", "queries_to_best", "search_cost_s", "wall_s"):
        s = summary[key]
        if s["mean"] is None:
            print(f"{key}: not found in any run")
            continue
        extra = f" (found in {s['found']} of {len(args.seeds)} runs)" if key == "queries_to_best" else ""
        print(f"{key}: {s['mean']:.4f} ± {s['std']:.4f} [{s['min']:.4f}, {s['max']:.4f}]{extra}")
    for column, s in summary.get("hardware", {}).items():
        if s["mean"] is None:
            print(f"{column} of the cell found: not in the hardware table")
        else:
            print(f"{column} of the cell found: {s['mean']:.4f} ± {s['std']:.4f} [{s['min']:.4f}, {s['max']:.4f}]")
    table = markdown_table([record]) + "\n\n" + published_table([record["dataset"]])
    print()
    print(table)
    if args.json:
        _write_json(record, args.json)
    if args.markdown:
        with open(args.markdown, "w", encoding="utf-8") as f:
            f.write(table + "\n")
        print(f"written to {args.markdown}")
    if args.plot:
        plot_best_so_far([record], args.plot)
        print(f"written to {args.plot}")
    return 0


def bench_fronts(args: argparse.Namespace) -> int:
    """Multi-objective runs (``--objectives accuracy,COLUMN``): hypervolume ratio to the true front."""
    from .bench import plot_fronts, run_fronts
    from .hardware import TableProfiler
    from .strategies import strategy_names

    if not args.objectives:
        raise SystemExit(f"{args.strategy} is multi-objective: give --objectives accuracy,COLUMN")
    if args.strategy not in strategy_names(multi_objective=True):
        raise SystemExit(f"--objectives needs a multi-objective strategy: {', '.join(strategy_names(multi_objective=True))}")
    objectives = args.objectives.split(",")
    if objectives[0] != "accuracy" or len(objectives) < 2:
        raise SystemExit(f"--objectives reads accuracy,COLUMN[,COLUMN...]; got {args.objectives!r}")
    columns = objectives[1:]
    bounds = None if not args.bounds else [float(b) for b in args.bounds.split(",")]
    if bounds is not None and len(bounds) != len(columns):
        raise SystemExit(f"--bounds needs one bound per cost column ({len(columns)}), got {len(bounds)}")
    try:
        profiler = TableProfiler(args.hw_table, columns) if args.hw_table else None
        record = run_fronts(args.strategy, args.benchmark, columns, args.budget, args.seeds, bounds=bounds,
                            protocol=args.protocol, profiler=profiler, batch_size=args.batch_size,
                            n_jobs=args.n_jobs, verbose=1)
    except (OSError, ValueError, KeyError) as exc:
        raise SystemExit(f"cannot run the multi-objective search: {exc}") from None
    s = record["summary"]["hypervolume_ratio"]
    print(f"{args.strategy} on {args.benchmark} ({args.protocol} protocol), objectives {args.objectives}, "
          f"budget {args.budget}, {len(args.seeds)} seeds; true front: {len(record['true_front'])} cells")
    print(f"hypervolume ratio: {s['mean']:.4f} ± {s['std']:.4f} [{s['min']:.4f}, {s['max']:.4f}]")
    if args.json:
        _write_json(record, args.json)
    if args.plot:
        plot_fronts([record], args.plot)
        print(f"written to {args.plot}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sknas", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    demo_parser = commands.add_parser("demo", help="search a CNN for scikit-learn's digits")
    demo_parser.add_argument("--strategy", choices=tuple(_estimators()), default="evolution")
    demo_parser.add_argument("--budget", type=int, default=20, help="architectures to train")
    demo_parser.add_argument("--seed", type=int, default=0)
    demo_parser.set_defaults(run=demo)

    from .bench import BENCHMARKS
    from .strategies import strategy_names

    bench_parser = commands.add_parser("bench", help="run a strategy on NAS-Bench-201 over many seeds")
    bench_parser.add_argument("--strategy", choices=strategy_names(), required=True)
    bench_parser.add_argument("--benchmark", choices=tuple(BENCHMARKS), default="nb201-cifar10")
    bench_parser.add_argument("--protocol", choices=("paper", "own"), default="paper")
    bench_parser.add_argument("--budget", type=int, default=20, help="queries per run (default 20)")
    bench_parser.add_argument(
        "--seeds", type=parse_seeds, default=list(range(30)), help="e.g. 0-29 (default)"
    )
    bench_parser.add_argument("--batch-size", type=int, default=1,
                              help="cells the strategy asks at once (default 1)")
    bench_parser.add_argument("--n-jobs", type=int, default=None, help="seeds run in parallel")
    bench_parser.add_argument("--json", help="write the runs and their summary to this file")
    bench_parser.add_argument("--markdown", help="write the summary table to this file")
    bench_parser.add_argument("--plot", help="plot best-so-far test accuracy to this image file")
    bench_parser.add_argument(
        "--hw-column", help="report this hardware cost of the cell found (an HW-NAS-Bench column, "
        "e.g. edgegpu_latency, or a column of --hw-table)"
    )
    bench_parser.add_argument("--hw-table", help="CSV (plain or .gz) with an arch_str column of cell strings")
    bench_parser.add_argument(
        "--objectives", help="multi-objective: accuracy,COLUMN[,COLUMN] (HW-NAS-Bench columns, or of "
        "--hw-table); reports the hypervolume ratio of the evaluated front to the true one"
    )
    bench_parser.add_argument("--bounds", help="with --objectives: an upper bound per cost column, e.g. 5.0")
    bench_parser.set_defaults(run=bench)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
