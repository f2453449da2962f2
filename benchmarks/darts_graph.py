"""How PO-NAS's encoder should see a DARTS genotype: one graph of both cells, linked, against the
cells left apart, measured by how well the pre-trained encoder predicts the proxies.

``DartsSpace.to_graph`` gives one graph of 14 nodes (per cell: two inputs, four intermediate
nodes, the concatenating output), with a cell-type node feature and edges from the normal
cell's output into the reduction cell's inputs. The variants:

- ``linked`` (shipped): as above;
- ``apart``: no edge between the cells (a shared encoder over two graphs, pooled together);
- ``apart, no cell type``: no link and no cell-type feature (the encoder cannot tell the
  normal from the reduction cell).

The six PO-NAS proxies are computed for ``--pool`` random genotypes of ``DartsSpace()`` on a
64-image batch of sklearn's digits (8x8) and min-max normalised, as PO-NAS does; each variant
pre-trains the encoder (PO-NAS's schedule) with ``--seeds`` seeds, and the figure is its best
held-out proxy MSE (lower: the encoder's embedding carries more of what the proxies measure).

    python benchmarks/darts_graph.py              # 300 genotypes, 5 seeds: ~6 min on one core
    python benchmarks/darts_graph.py --pool 40 --seeds 1 --quick
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time

import numpy as np
import torch
from sklearn.datasets import load_digits

from _report import HERE, environment_lines, markdown_table, write_report
from sknas.proxies import PONAS_PROXIES, ProxyScorer
from sknas.spaces import DartsSpace
from sknas.surrogate import GraphEncoder, graph_batch, pretrain_encoder

PER_CELL = 7  # two inputs, four intermediate nodes, the output


class GraphVariant:
    """A stand-in space whose ``to_graph`` is a variant of ``DartsSpace.to_graph``."""

    def __init__(self, space: DartsSpace, link: bool, cell_type: bool):
        self.space, self.link, self.cell_type = space, link, cell_type

    def to_graph(self, arch):
        graph = self.space.to_graph(arch)
        adjacency, edge_ops = graph.adjacency.copy(), graph.edge_ops.copy()
        features = graph.node_features
        if not self.link:
            adjacency[PER_CELL : PER_CELL + 2, PER_CELL - 1] = 0.0
            edge_ops[PER_CELL : PER_CELL + 2, PER_CELL - 1] = -1
        if not self.cell_type:
            features = features[:, 1:]
        return dataclasses.replace(graph, node_features=features, adjacency=adjacency, edge_ops=edge_ops)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pool", type=int, default=300)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="print only, write nothing")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    space = DartsSpace()
    pool = space.sample_pool(args.pool, np.random.default_rng(0))
    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).reshape(-1, 1, 8, 8).astype(np.float32)
    start = time.perf_counter()
    raw = ProxyScorer(space, PONAS_PROXIES, X, y, n_outputs=10, random_state=0).score(pool)
    proxy_s = time.perf_counter() - start
    low, high = np.nanmin(raw, axis=0), np.nanmax(raw, axis=0)
    metrics = np.clip((raw - low) / np.where(high > low, high - low, 1.0), 0.0, 1.0)
    variants = {"linked (shipped)": (True, True), "apart": (False, True), "apart, no cell type": (False, False)}
    rows = []
    for name, (link, cell_type) in variants.items():
        graphs, n_edge_types = graph_batch(GraphVariant(space, link, cell_type), pool)
        mse = []
        for seed in range(args.seeds):
            torch.manual_seed(seed)
            encoder = GraphEncoder(graphs.node_features.shape[2], n_edge_types, len(PONAS_PROXIES))
            mse.append(pretrain_encoder(encoder, graphs, metrics, seed=seed).best_heldout_mse)
        rows.append([name, f"{np.mean(mse):.4f} ± {np.std(mse):.4f}", ", ".join(f"{m:.4f}" for m in mse)])
        print(name, rows[-1][1], file=sys.stderr, flush=True)
    variance = float(np.nanmean(np.nanvar(metrics, axis=0)))
    text = "\n".join([
        "# PO-NAS's encoder in the DARTS space: one linked graph of both cells, or the cells apart",
        "",
        *environment_lines(sys.argv),
        f"- pool: {len(pool)} random genotypes of DartsSpace() (seed 0); six PO-NAS proxies on 64 digits "
        f"images (8x8), {proxy_s:.0f} s ({proxy_s / len(pool):.2f} s per genotype); min-max normalised",
        f"- pre-training: PO-NAS's schedule (100 epochs, 80/20 split), seeds 0..{args.seeds - 1}; the "
        f"variance of the normalised proxies (predicting their mean) is {variance:.4f}",
        "",
        markdown_table(["graph", "best held-out proxy MSE (mean ± std)", "per seed"], rows, "lrl"),
    ])
    write_report(text, None if args.quick else HERE / "darts_graph.md")


if __name__ == "__main__":
    main(sys.argv[1:])
