"""Command line: ``python -m sknas demo`` searches a network for scikit-learn's digits."""

from __future__ import annotations

import argparse
import sys
import time


def _strategies() -> dict:
    from . import EvolutionSearch, RandomSearch, ZeroCostSearch

    return {"evolution": EvolutionSearch, "random": RandomSearch, "zero-cost": ZeroCostSearch}


def demo(args: argparse.Namespace) -> int:
    """Search on digits (75/25 stratified split), print the architecture and test accuracy."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=0
    )
    estimator = _strategies()[args.strategy]
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sknas", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    demo_parser = commands.add_parser("demo", help="search a CNN for scikit-learn's digits")
    demo_parser.add_argument(
        "--strategy", choices=("evolution", "random", "zero-cost"), default="evolution"
    )
    demo_parser.add_argument("--budget", type=int, default=20, help="architectures to train")
    demo_parser.add_argument("--seed", type=int, default=0)
    demo_parser.set_defaults(run=demo)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
