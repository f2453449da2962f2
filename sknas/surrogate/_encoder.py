"""The architecture graph encoder of PO-NAS and its masked pre-training (no labels needed)."""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..spaces import Architecture, SearchSpace


@dataclass(frozen=True)
class GraphBatch:
    """Architectures as dense tensors: node features, edge types (self loops included).

    ``edge_types[b, j, i]`` is the type of the edge from node ``i`` to node ``j`` of graph
    ``b``: the space's edge type, ``n_edge_types`` for the self loop every node has, and -1
    where there is no edge.

    Parameters
    ----------
    node_features : torch.Tensor of shape (B, N, F)
        Float32 features of the N nodes of each of the B graphs.
    edge_types : torch.Tensor of shape (B, N, N)
        Int64 edge types, as above.
    """

    node_features: torch.Tensor  # (B, N, F) float32
    edge_types: torch.Tensor  # (B, N, N) int64

    def __len__(self) -> int:
        return self.node_features.shape[0]

    def __getitem__(self, index) -> "GraphBatch":
        return GraphBatch(self.node_features[index], self.edge_types[index])


def graph_batch(space: SearchSpace, archs: Sequence[Architecture]) -> tuple[GraphBatch, int]:
    """The graphs of ``archs`` stacked into a :class:`GraphBatch`, and the space's edge types.

    Parameters
    ----------
    space : SearchSpace
        The space of the architectures; ``space.to_graph`` gives each graph.
    archs : sequence of Architecture
        At least one architecture.

    Returns
    -------
    graphs : GraphBatch
        The graphs, in the order of ``archs``, self loops added.
    n_edge_types : int
        The number of edge types of the space (the self loops' type).
    """
    graphs = [space.to_graph(arch) for arch in archs]
    if not graphs:
        raise ValueError("graph_batch needs at least one architecture")
    n_edge_types = graphs[0].n_edge_types
    features = torch.as_tensor(np.stack([g.node_features for g in graphs]), dtype=torch.float32)
    edges = torch.as_tensor(np.stack([g.edge_ops for g in graphs]), dtype=torch.int64)
    n_nodes = edges.shape[1]
    diagonal = torch.eye(n_nodes, dtype=torch.bool).expand_as(edges)
    edges = torch.where(diagonal, torch.full_like(edges, n_edge_types), edges)
    return GraphBatch(features, edges), n_edge_types


class DenseGraphAttention(nn.Module):
    """One graph-attention layer (GAT with edge features) over a dense adjacency.

    For each head, node ``j`` attends to the nodes it reads (and itself) with logits
    ``LeakyReLU(a_dst·Wh_j + a_src·Wh_i + a_edge·W_e e_ji)``; the heads are concatenated.
    """

    def __init__(self, in_features: int, n_edge_types: int, heads: int = 4, channels: int = 32):
        super().__init__()
        self.heads, self.channels = heads, channels
        self.linear = nn.Linear(in_features, heads * channels, bias=False)
        # one embedding row per edge type, the last for self loops
        self.edge_embedding = nn.Embedding(n_edge_types + 1, heads * channels)
        self.att_src = nn.Parameter(torch.empty(heads, channels))
        self.att_dst = nn.Parameter(torch.empty(heads, channels))
        self.att_edge = nn.Parameter(torch.empty(heads, channels))
        self.bias = nn.Parameter(torch.zeros(heads * channels))
        for parameter in (self.att_src, self.att_dst, self.att_edge):
            nn.init.xavier_uniform_(parameter)

    def forward(self, x: torch.Tensor, edge_types: torch.Tensor) -> torch.Tensor:
        B, N, _ = x.shape
        h = self.linear(x).view(B, N, self.heads, self.channels)
        # a·Wx = (Wᵀa)·x: both attention vectors folded into the linear map, so the logits
        # of the sources and destinations are one small product of x, not two of h
        folded = self.linear.weight.view(self.heads, self.channels, -1)  # (H, C, in)
        per_head = torch.stack([self.att_src, self.att_dst])[:, :, :, None] * folded  # (2, H, C, in)
        src, dst = (x @ per_head.sum(dim=2).flatten(0, 1).T).view(B, N, 2, self.heads).unbind(dim=2)  # (B, N, H) each
        # a_edge·W_e e is linear in the one-hot e: one logit per edge type and head
        edge_logits = (self.edge_embedding.weight.view(-1, self.heads, self.channels) * self.att_edge).sum(-1)
        logits = dst[:, :, None, :] + src[:, None, :, :] + edge_logits[edge_types.clamp(min=0)]  # (B, j, i, H)
        logits = F.leaky_relu(logits, 0.2).masked_fill((edge_types < 0)[..., None], float("-inf"))
        attention = torch.softmax(logits, dim=2)
        out = torch.einsum("bjih,bihc->bjhc", attention, h).reshape(B, N, self.heads * self.channels)
        return out + self.bias


class GraphEncoder(nn.Module):
    """Two graph-attention layers (4 heads × 32 channels, ELU) and mean pooling → embedding.

    Two heads serve pre-training: one predicts the architecture's normalised proxies from
    the embedding, one reconstructs the features of masked nodes.

    Parameters
    ----------
    n_node_features : int
        Length of a node's feature vector.
    n_edge_types : int
        Edge types of the space.
    n_proxies : int
        Proxies the proxy head predicts.
    heads, channels : int, default=4, 32
        Attention heads per layer and channels per head (embedding: ``heads * channels``).
    """

    def __init__(self, n_node_features: int, n_edge_types: int, n_proxies: int, heads: int = 4, channels: int = 32):
        super().__init__()
        width = heads * channels
        self.embedding_dim = width
        self.mask_token = nn.Parameter(torch.zeros(n_node_features))
        self.layers = nn.ModuleList([
            DenseGraphAttention(n_node_features, n_edge_types, heads, channels),
            DenseGraphAttention(width, n_edge_types, heads, channels),
        ])
        self.proxy_head = nn.Sequential(nn.Linear(width, width), nn.ELU(), nn.Linear(width, n_proxies))
        self.node_head = nn.Linear(width, n_node_features)

    def node_states(self, graphs: GraphBatch, masked: torch.Tensor | None = None) -> torch.Tensor:
        """Per-node states ``(B, N, width)``; nodes where ``masked`` is True read the mask token.

        Parameters
        ----------
        graphs : GraphBatch
            B graphs of N nodes.
        masked : torch.Tensor of shape (B, N) or None, default=None
            Boolean: the nodes whose features are replaced by the learned mask token; None
            masks none.

        Returns
        -------
        states : torch.Tensor of shape (B, N, width)
            The state of each node after both attention layers (``width = heads * channels``).
        """
        x = graphs.node_features
        if masked is not None:
            x = torch.where(masked[..., None], self.mask_token.expand_as(x), x)
        for layer in self.layers:
            x = F.elu(layer(x, graphs.edge_types))
        return x

    def forward(self, graphs: GraphBatch) -> torch.Tensor:
        """The embeddings ``(B, width)`` of unmasked graphs.

        Parameters
        ----------
        graphs : GraphBatch
            B graphs of N nodes.

        Returns
        -------
        embeddings : torch.Tensor of shape (B, width)
            The mean of each graph's node states.
        """
        return self.node_states(graphs).mean(dim=1)

    def predict_proxies(self, graphs: GraphBatch) -> torch.Tensor:
        """Predicted normalised proxies ``(B, n_proxies)``.

        Parameters
        ----------
        graphs : GraphBatch
            B graphs of N nodes.

        Returns
        -------
        proxies : torch.Tensor of shape (B, n_proxies)
            The proxy head's prediction from each graph's embedding.
        """
        return self.proxy_head(self(graphs))


def _masked_mse(prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """MSE over the finite entries of ``target`` (NaN marks a proxy that failed)."""
    finite = torch.isfinite(target)
    if not finite.any():
        return prediction.sum() * 0.0
    return ((prediction - torch.nan_to_num(target)) ** 2)[finite].mean()


def warmup_cosine(step: int, total: int, warmup: int) -> float:
    """Learning-rate factor: linear warm-up over ``warmup`` steps, then cosine decay to 0."""
    if step < warmup:
        return (step + 1) / warmup
    progress = (step - warmup) / max(total - warmup, 1)
    return 0.5 * (1.0 + math.cos(math.pi * min(progress, 1.0)))


@dataclass
class PretrainingReport:
    """What pre-training did: epochs run, the best held-out proxy MSE and its epoch.

    Each parameter is kept as the attribute of the same name.

    Parameters
    ----------
    epochs : int
        Epochs run.
    best_epoch : int
        The epoch (from 0) whose weights the encoder kept; -1 if none had a finite MSE.
    best_heldout_mse : float
        The proxy MSE of that epoch on the held-out architectures (on the training ones when
        too few architectures to hold some out).
    train_loss : list of float
        The mean training loss of each epoch.
    heldout_mse : list of float
        The held-out proxy MSE after each epoch.
    """

    epochs: int
    best_epoch: int
    best_heldout_mse: float
    train_loss: list[float]
    heldout_mse: list[float]


def pretrain_encoder(
    encoder: GraphEncoder,
    graphs: GraphBatch,
    proxies: np.ndarray,
    *,
    epochs: int = 100,
    learning_rate: float = 5e-3,
    batch_size: int = 64,
    mask_rate: float = 0.2,
    heldout_fraction: float = 0.2,
    warmup_epochs: int = 5,
    seed: int = 0,
) -> PretrainingReport:
    """Masked pre-training of ``encoder`` in place; it keeps the weights of the best epoch.

    Each epoch, on the training 80 %, ``mask_rate`` of the nodes read the learned mask token,
    and the loss is ``0.5 · MSE(predicted proxies) + 0.3 · MSE(reconstructed masked node
    features)``. Adam with linear warm-up then cosine decay. The weights kept are those
    with the lowest proxy MSE on the held-out 20 % (unmasked).

    Parameters
    ----------
    encoder : GraphEncoder
        The encoder to train.
    graphs : GraphBatch
        The architectures of the pool.
    proxies : ndarray of shape (len(graphs), n_proxies)
        Their proxies normalised to [0, 1]; NaN where a proxy failed (left out of the loss).
    epochs, learning_rate, batch_size, mask_rate, heldout_fraction, warmup_epochs
        The schedule; the defaults are the reference's.
    seed : int
        Seeds the split, the masks, the batches (and nothing outside this call).

    Returns
    -------
    report : PretrainingReport
        The epochs run, the losses of each, and the best held-out epoch.
    """
    targets = torch.as_tensor(np.asarray(proxies, dtype=np.float32))
    n = len(graphs)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        order = torch.randperm(n)
        n_heldout = int(round(heldout_fraction * n)) if n >= 5 else 0
        heldout, train = order[:n_heldout], order[n_heldout:]
        steps_per_epoch = math.ceil(len(train) / batch_size)
        total = epochs * steps_per_epoch
        optimizer = torch.optim.Adam(encoder.parameters(), lr=learning_rate, fused=True)  # one kernel per step
        scheduler = torch.optim.lr_scheduler.LambdaLR(
            optimizer, lambda step: warmup_cosine(step, total, warmup_epochs * steps_per_epoch)
        )
        best_state, best_mse, best_epoch = copy.deepcopy(encoder.state_dict()), float("inf"), -1
        train_losses, heldout_mses = [], []
        for epoch in range(epochs):
            encoder.train()
            running = 0.0
            for batch in train[torch.randperm(len(train))].split(batch_size):
                sub = graphs[batch]
                masked = torch.rand(sub.node_features.shape[:2]) < mask_rate
                states = encoder.node_states(sub, masked)
                proxy_loss = _masked_mse(encoder.proxy_head(states.mean(dim=1)), targets[batch])
                if masked.any():
                    node_loss = F.mse_loss(encoder.node_head(states[masked]), sub.node_features[masked])
                else:
                    node_loss = states.sum() * 0.0
                loss = 0.5 * proxy_loss + 0.3 * node_loss
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                scheduler.step()
                running += loss.item() * len(batch)
            train_losses.append(running / max(len(train), 1))
            encoder.eval()
            checked = heldout if len(heldout) else train
            with torch.no_grad():
                mse = float(_masked_mse(encoder.predict_proxies(graphs[checked]), targets[checked]))
            heldout_mses.append(mse)
            if mse < best_mse:
                best_state, best_mse, best_epoch = copy.deepcopy(encoder.state_dict()), mse, epoch
    encoder.load_state_dict(best_state)
    encoder.eval()
    return PretrainingReport(epochs, best_epoch, best_mse, train_losses, heldout_mses)
