"""Per-architecture weightings of the proxies (PO-NAS) and the score they give."""

from __future__ import annotations

import torch
from torch import nn


def weighted_score(weights: torch.Tensor, metrics: torch.Tensor) -> torch.Tensor:
    """PO-NAS's score S(A) ∈ [0, 1] of normalised proxies under signed weights.

    The weights are L1-normalised, ŵ = w / Σ|w|, and
    ``S = Σ_k relu(ŵ_k)·m_k + relu(−ŵ_k)·(1 − m_k)``: a negative weight rewards a low value
    of its proxy.

    Parameters
    ----------
    weights : Tensor of shape (n, K) or (K,)
        Raw weights, per architecture or shared.
    metrics : Tensor of shape (n, K)
        Proxies normalised to [0, 1].

    Returns
    -------
    Tensor of shape (n,)
    """
    normalised = weights / weights.abs().sum(dim=-1, keepdim=True).clamp(min=1e-12)
    return (torch.relu(normalised) * metrics + torch.relu(-normalised) * (1.0 - metrics)).sum(dim=-1)


class WeightGenerator(nn.Module):
    """Maps an architecture's embedding to its own weight for each of the K proxies.

    K learned metric tokens (dimension ``d``) attend to one architecture token (an MLP of
    the embedding) by multi-head cross-attention; a sigmoid gate mixes each metric token
    with what it read, and a shared MLP maps each mixed token to a raw weight w_k.

    Parameters
    ----------
    embedding_dim : int
        Length of the architecture embeddings.
    n_proxies : int
        K.
    d : int, default=64
        Token dimension.
    heads : int, default=4
        Attention heads.
    """

    def __init__(self, embedding_dim: int, n_proxies: int, d: int = 64, heads: int = 4):
        super().__init__()
        self.metric_tokens = nn.Parameter(torch.randn(n_proxies, d) * 0.02)
        self.architecture_token = nn.Sequential(nn.Linear(embedding_dim, d), nn.GELU(), nn.Linear(d, d))
        self.attention = nn.MultiheadAttention(d, heads, batch_first=True)
        self.gate = nn.Linear(2 * d, d)
        self.to_weight = nn.Sequential(nn.Linear(d, d), nn.GELU(), nn.Linear(d, 1))

    def forward(self, embeddings: torch.Tensor) -> torch.Tensor:
        """Raw weights ``(n, K)`` for embeddings ``(n, embedding_dim)``."""
        n = embeddings.shape[0]
        architecture = self.architecture_token(embeddings)[:, None, :]  # (n, 1, d)
        metrics = self.metric_tokens.expand(n, -1, -1)  # (n, K, d)
        read, _ = self.attention(metrics, architecture, architecture, need_weights=False)
        gate = torch.sigmoid(self.gate(torch.cat([metrics, read], dim=-1)))
        mixed = gate * metrics + (1.0 - gate) * read
        return self.to_weight(mixed).squeeze(-1)


class GlobalWeights(nn.Module):
    """One weight vector shared by every architecture (the ``per_architecture=False`` ablation)."""

    def __init__(self, embedding_dim: int, n_proxies: int):
        super().__init__()
        self.weights = nn.Parameter(torch.full((n_proxies,), 1.0 / n_proxies))

    def forward(self, embeddings: torch.Tensor) -> torch.Tensor:
        return self.weights.expand(embeddings.shape[0], -1)
