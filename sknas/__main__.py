"""Command line: ``python -m sknas demo`` searches a network for scikit-learn's digits (and
compares it with scikit-learn's classifiers);
``python -m sknas bench`` runs a strategy on a tabular benchmark over many seeds."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path


def _estimators() -> dict:
    """The estimators ``demo`` can run, by the registered name of their strategy."""
    from . import search

    estimators = (getattr(search, name) for name in search.__all__)
    return {cls._strategy_name: cls for cls in estimators
            if isinstance(cls, type) and issubclass(cls, search.BaseSearch) and cls._strategy_name}


def _baselines() -> list[tuple[str, object]]:
    """scikit-learn's classifiers the demo compares with, at their default settings."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.neural_network import MLPClassifier
    from sklearn.svm import SVC

    return [("SVC", SVC()), ("MLPClassifier", MLPClassifier(max_iter=1000, random_state=0)),
            ("HistGradientBoostingClassifier", HistGradientBoostingClassifier(random_state=0))]


def demo(args: argparse.Namespace) -> int:
    """Search on digits (75/25 stratified split), print what was found, and scikit-learn's
    default classifiers on the same split beside it."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X / 16.0, y, test_size=0.25, stratify=y, random_state=0
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
    timings = search.search_timings_
    print(f"best architecture: {search.best_architecture_}")
    print(f"validation accuracy during search: {search.best_score_:.4f}")
    print(f"held-out test accuracy: {search.score(X_test, y_test):.4f}")
    n_models = len(search.ensemble_models_)
    averaged = "" if n_models == 1 else f" (predict averages the best {n_models} architectures, refitted)"
    print(f"parameters of the best network: {sum(p.numel() for p in search.best_model_.parameters()):,}{averaged}")
    refit = "the refit" if n_models == 1 else f"the {n_models} refits"
    print(f"wall time: {elapsed:.0f} s (training the candidates {timings['training_s']:.0f} s in "
          f"{search.precision_}, the strategy's own work {timings['overhead_s']:.0f} s, {refit} "
          f"{timings['refit_s']:.0f} s)")
    print("scikit-learn's classifiers on the same split, default settings (MLPClassifier: max_iter=1000):")
    for name, classifier in _baselines():
        start = time.perf_counter()
        accuracy = classifier.fit(X_train, y_train).score(X_test, y_test)
        print(f"  {name:<31} test accuracy {accuracy:.4f}  {time.perf_counter() - start:5.1f} s")
    return 0


#: Most seeds one command runs (a range such as 0-99999999999 would fill memory before any run).
MAX_SEEDS = 100_000


def parse_seeds(text: str) -> list[int]:
    """``"0-29"`` or ``"0,3,7"`` or ``"5"`` as a list of seeds (each >= 0)."""
    try:
        if "-" in text.strip("-"):
            low, high = (int(part) for part in text.split("-", 1))
            if high - low + 1 > MAX_SEEDS:
                raise argparse.ArgumentTypeError(f"{text!r} names more than {MAX_SEEDS:,} seeds; run fewer at once")
            seeds = list(range(low, high + 1))
        else:
            seeds = [int(s) for s in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"seeds must read like 0-29 or 0,3,7; got {text!r}") from None
    if not seeds:
        raise argparse.ArgumentTypeError(f"{text!r} names no seed; write a range such as 0-29")
    negative = [s for s in seeds if s < 0]
    if negative:
        raise argparse.ArgumentTypeError(f"seeds must be >= 0, got {negative[0]} in {text!r}; write e.g. 0-29")
    return seeds


def _positive_int(text: str) -> int:
    """An argument that must be an integer >= 1 (``--budget``, ``--batch-size``)."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be an integer >= 1, got {text!r}")
    return value


def _n_jobs(text: str) -> int:
    """joblib's ``n_jobs``: a number of processes, or -1 for every core (never 0)."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value == 0:
        raise argparse.ArgumentTypeError(f"must be an integer >= 1, or -1 for every core; got {text!r}")
    return value


def _plot_formats() -> dict[str, str]:
    from matplotlib.backend_bases import FigureCanvasBase

    return FigureCanvasBase.get_supported_filetypes()


def _partial_path(json_path: str) -> Path:
    """Where the runs of ``--json PATH`` are appended as they finish, until PATH is written."""
    return Path(f"{json_path}.partial.jsonl")


def _check_outputs(args: argparse.Namespace, multi_objective: bool) -> None:
    """Refuse output paths that could not be written before any run: a whole run must never be
    lost to a missing folder or a file type matplotlib cannot write."""
    error = args.error
    if multi_objective and args.markdown:
        error("--markdown writes the single-objective summary table; a multi-objective run (--objectives) "
              "has none: use --json (and --plot)")
    paths = {option: getattr(args, option) for option in ("json", "markdown", "plot") if getattr(args, option)}
    for option, text in paths.items():
        path = Path(text)
        folder = path.parent
        if path.is_dir():
            error(f"--{option} {text!r} is a folder; give the name of a file to write")
        if not folder.is_dir():
            error(f"--{option} {text!r}: the folder {str(folder)!r} does not exist; create it first")
        if not os.access(folder, os.W_OK | os.X_OK):
            error(f"--{option} {text!r}: cannot write in the folder {str(folder)!r}; choose another")
    if len(set(map(os.path.abspath, paths.values()))) < len(paths):
        error("--json, --markdown and --plot must name different files")
    if args.json and _partial_path(args.json).exists():
        error(f"{str(_partial_path(args.json))!r} holds the runs of an earlier run that did not finish; "
              "move or delete it first")
    if args.plot:
        suffix = Path(args.plot).suffix.lower().lstrip(".")
        formats = _plot_formats()
        if suffix not in formats:
            what = f"'.{suffix}' files" if suffix else "a file name without an extension"
            error(f"--plot {args.plot!r}: matplotlib cannot write {what}; end the name with one of "
                  f"{', '.join('.' + f for f in sorted(formats))}")


class _PartialRuns:
    """Appends each finished run as one JSON line to ``<json>.partial.jsonl`` (the ``on_run``
    hook of ``sknas.bench.run``), so that an interrupted command keeps its finished seeds."""

    def __init__(self, json_path: str | None):
        self.path = None if json_path is None else _partial_path(json_path)
        self.count = 0
        self.writing = self.path is not None

    def __call__(self, record: dict) -> None:
        if not self.writing:
            return
        import json

        try:
            with open(self.path, "a", encoding="utf-8") as f:
                f.write(json.dumps(record) + "\n")
        except OSError as exc:  # the runs go on; only this copy of them is lost
            print(f"cannot append to {str(self.path)!r} ({exc.strerror or exc}); the runs go on without it",
                  file=sys.stderr)
            self.writing = False
            return
        self.count += 1

    def interrupted(self) -> int:
        where = f"; they are in {str(self.path)!r}" if self.writing and self.count else ""
        print(f"interrupted after {self.count} finished runs{where}", file=sys.stderr)
        return 130

    def done(self) -> None:
        """The full JSON is written: the partial file is not needed any more."""
        if self.path is not None:
            self.path.unlink(missing_ok=True)


def _write_outputs(args: argparse.Namespace, record: dict, partial: _PartialRuns, table: str | None,
                   plot) -> int:
    """Write the JSON (then drop the partial runs), the markdown table and the plot."""
    import json

    try:
        if args.json:
            with open(args.json, "w", encoding="utf-8") as f:
                json.dump(record, f, indent=1)
            partial.done()
            print(f"written to {args.json}")
        if args.markdown and table is not None:
            with open(args.markdown, "w", encoding="utf-8") as f:
                f.write(table + "\n")
            print(f"written to {args.markdown}")
        if args.plot:
            plot([record], args.plot)
            print(f"written to {args.plot}")
    except OSError as exc:
        kept = f"; the runs are in {str(partial.path)!r}" if partial.path is not None and partial.path.exists() else ""
        print(f"cannot write {exc.filename or 'the output'} ({exc.strerror or exc}){kept}", file=sys.stderr)
        return 1
    return 0


def bench(args: argparse.Namespace) -> int:
    """Run one strategy on one benchmark over the seeds; print a summary, write the JSON."""
    from .bench import DATASETS
    from .strategies import strategy_names

    multi_objective = bool(args.objectives) or args.strategy not in strategy_names(multi_objective=False)
    _check_outputs(args, multi_objective)
    if multi_objective:
        if args.table or not args.benchmark.startswith("nb201-"):
            args.error("multi-objective runs (--objectives) use HW-NAS-Bench's costs of NAS-Bench-201 cells: "
                       "choose an nb201-* --benchmark")
        return bench_fronts(args)
    if args.hw_table and not args.hw_column:
        args.error("--hw-table needs --hw-column: the column of the table to report")

    from .bench import markdown_table, plot_best_so_far, published_ranks_table, published_table, run
    from .hardware import TableProfiler

    benchmark = _benchmark(args)
    profiler = None
    if args.hw_column:
        # a user CSV keyed by arch_str, or HW-NAS-Bench's table of the data set
        try:
            profiler = (
                TableProfiler(args.hw_table, [args.hw_column]) if args.hw_table
                else benchmark.profiler([args.hw_column])
            )
        except (OSError, ValueError) as exc:
            raise SystemExit(f"cannot use the hardware table: {exc}") from None
    partial = _PartialRuns(args.json)
    try:
        record = run(
            args.strategy, benchmark, args.budget, args.seeds, profiler=profiler, batch_size=args.batch_size,
            n_jobs=args.n_jobs, verbose=1, on_run=partial,
        )
    except ValueError as exc:  # e.g. a strategy that weighs proxies on a table without any
        raise SystemExit(f"cannot run {args.strategy}: {exc}") from None
    except KeyboardInterrupt:
        return partial.interrupted()
    summary = record["summary"]
    protocol = f" ({record['protocol']} protocol)" if record["protocol"] else ""
    print(f"{args.strategy} on {record['benchmark']}{protocol}, budget {record['budget']}, {len(args.seeds)} seeds")
    if record["proxies"]:
        print(f"proxies weighed: {', '.join(record['proxies'])} (values of {record['proxy_source']})")
    if record["dataset"] in DATASETS and record["dataset"] != record["proxy_source"]:
        print(f"note: {record['dataset']} has no zero-cost table; proxies are {record['proxy_source']}'s")
    for key in ("test_accuracy", "objective", "rank", "queries_to_best", "search_cost_s", "wall_s"):
        if key not in summary:
            continue
        s = summary[key]
        if s["mean"] is None:
            print(f"{key}: " + ("not recorded by this benchmark" if key == "search_cost_s" else "not found in any run"))
            continue
        extra = f" (found in {s['found']} of {len(args.seeds)} runs)" if key == "queries_to_best" else ""
        print(f"{key}: {s['mean']:.4f} ± {s['std']:.4f} [{s['min']:.4f}, {s['max']:.4f}]{extra}")
    for column, s in summary.get("hardware", {}).items():
        if s["mean"] is None:
            print(f"{column} of the cell found: not in the hardware table")
        else:
            print(f"{column} of the cell found: {s['mean']:.4f} ± {s['std']:.4f} [{s['min']:.4f}, {s['max']:.4f}]")
    published = (published_table([record["dataset"]]) if record["dataset"] in DATASETS
                 else published_ranks_table([record["benchmark"]]))
    table = markdown_table([record]) + ("\n\n" + published if published else "")
    print()
    print(table)
    return _write_outputs(args, record, partial, table, plot_best_so_far)


def _benchmark(args: argparse.Namespace):
    """The benchmark of ``--benchmark``, or of ``--table`` with ``--space`` and ``--objective``."""
    from .bench import TableBenchmark, make_benchmark
    from .spaces import SPACES, make_space

    if not args.table:
        if args.space or args.objective or args.proxies or args.key:
            args.error("--space, --objective, --proxies and --key describe a --table; give --table FILE.csv too")
        try:
            return make_benchmark(args.benchmark, args.protocol)
        except ValueError as exc:
            args.error(str(exc))
    if not args.space or not args.objective:
        args.error(f"--table needs --space NAME (one of {', '.join(SPACES)}) and --objective COLUMN")
    if args.space not in SPACES:
        args.error(f"--space {args.space!r} is not a registered space; use one of {', '.join(SPACES)}")
    proxies = [p for p in args.proxies.split(",") if p] if args.proxies else None
    try:
        return TableBenchmark.from_csv(args.table, make_space(args.space), args.objective, proxies=proxies,
                                       key=args.key)
    except (OSError, ValueError) as exc:
        raise SystemExit(f"cannot use the table: {exc}") from None


def bench_fronts(args: argparse.Namespace) -> int:
    """Multi-objective runs (``--objectives accuracy,COLUMN``): hypervolume ratio to the true front."""
    from .strategies import strategy_names

    if not args.objectives:
        args.error(f"{args.strategy} is multi-objective: give --objectives accuracy,COLUMN")
    if args.strategy not in strategy_names(multi_objective=True):
        args.error(f"--objectives needs a multi-objective strategy: {', '.join(strategy_names(multi_objective=True))}")
    objectives = args.objectives.split(",")
    if objectives[0] != "accuracy" or len(objectives) < 2 or not all(objectives[1:]):
        args.error(f"--objectives reads accuracy,COLUMN[,COLUMN...]; got {args.objectives!r}")
    columns = objectives[1:]
    try:
        bounds = None if not args.bounds else [float(b) for b in args.bounds.split(",")]
    except ValueError:
        args.error(f"--bounds reads one number per cost column, e.g. 5.0 or 5.0,2.5; got {args.bounds!r}")
    if bounds is not None and len(bounds) != len(columns):
        args.error(f"--bounds needs one bound per cost column ({len(columns)}), got {len(bounds)}")

    from .bench import plot_fronts, run_fronts
    from .hardware import TableProfiler

    partial = _PartialRuns(args.json)
    try:
        profiler = TableProfiler(args.hw_table, columns) if args.hw_table else None
        budget = args.budget or 20
        record = run_fronts(args.strategy, args.benchmark, columns, budget, args.seeds, bounds=bounds,
                            protocol=args.protocol, profiler=profiler, batch_size=args.batch_size,
                            n_jobs=args.n_jobs, verbose=1, on_run=partial)
    except (OSError, ValueError, KeyError) as exc:
        raise SystemExit(f"cannot run the multi-objective search: {exc}") from None
    except KeyboardInterrupt:
        return partial.interrupted()
    s = record["summary"]["hypervolume_ratio"]
    print(f"{args.strategy} on {args.benchmark} ({args.protocol} protocol), objectives {args.objectives}, "
          f"budget {record['budget']}, {len(args.seeds)} seeds; true front: {len(record['true_front'])} cells")
    print(f"hypervolume ratio: {s['mean']:.4f} ± {s['std']:.4f} [{s['min']:.4f}, {s['max']:.4f}]")
    return _write_outputs(args, record, partial, None, plot_fronts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sknas", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    demo_parser = commands.add_parser(
        "demo", help="search a CNN for scikit-learn's digits with PO-NAS, beside scikit-learn's classifiers"
    )
    demo_parser.add_argument("--strategy", choices=tuple(_estimators()), default="ponas")
    demo_parser.add_argument("--budget", type=int, default=20, help="architectures to train")
    demo_parser.add_argument("--seed", type=int, default=0)
    demo_parser.set_defaults(run=demo)

    from .bench import BENCHMARKS
    from .strategies import strategy_names

    bench_parser = commands.add_parser(
        "bench", help="run a strategy on a tabular benchmark (NAS-Bench-201, TransNAS-Bench-101, a CSV) over many seeds"
    )
    bench_parser.add_argument("--strategy", choices=strategy_names(), required=True)
    bench_parser.add_argument("--benchmark", choices=tuple(BENCHMARKS), default="nb201-cifar10", metavar="NAME",
                              help=f"a shipped benchmark: {', '.join(BENCHMARKS)} (default nb201-cifar10)")
    bench_parser.add_argument("--protocol", choices=("paper", "own"), default="paper",
                              help="NAS-Bench-201's protocol (default paper)")
    bench_parser.add_argument("--table", help="a benchmark of your own: a CSV (plain or .gz) with one row per "
                              "architecture; needs --space and --objective")
    bench_parser.add_argument("--space", help="with --table: the registered space whose strings the table holds")
    bench_parser.add_argument("--objective", help="with --table: the column to maximise")
    bench_parser.add_argument("--proxies", help="with --table: proxy columns, e.g. synflow,zen (default: every "
                              "column named like a registered proxy)")
    bench_parser.add_argument("--key", help="with --table: the column of architecture strings (default arch_str, "
                              "else arch; NASLib op tuples are read where the space can map them)")
    bench_parser.add_argument("--budget", type=_positive_int, default=None,
                              help="queries per run (default 100 on TransNAS-Bench-101, else 20)")
    bench_parser.add_argument(
        "--seeds", type=parse_seeds, default=list(range(30)), help="e.g. 0-29 (default) or 0,3,7"
    )
    bench_parser.add_argument("--batch-size", type=_positive_int, default=1,
                              help="cells the strategy asks at once (default 1)")
    bench_parser.add_argument("--n-jobs", type=_n_jobs, default=None, help="seeds run in parallel (-1: every core)")
    bench_parser.add_argument(
        "--json", help="write the runs and their summary to this file; until then each finished run is "
        "appended to JSON.partial.jsonl (one run a line), which an interrupted command leaves behind"
    )
    bench_parser.add_argument("--markdown", help="write the summary table to this file")
    bench_parser.add_argument("--plot", help="plot best-so-far test accuracy (with --objectives: the fronts) "
                              "to this image file (.png, .pdf, .svg...)")
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
    bench_parser.set_defaults(run=bench, error=bench_parser.error)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
