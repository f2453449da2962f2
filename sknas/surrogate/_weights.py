"""Per-architecture weightings of the proxies (PO-NAS) and the score they give."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def proxy_contributions(weights: torch.Tensor, metrics: torch.Tensor) -> torch.Tensor:
    """Each proxy's weighted contribution φ_k(A) to PO-NAS's score; they sum to S(A).

    The weights are L1-normalised, ŵ = w / Σ|w|, and
    ``φ_k = relu(ŵ_k)·m_k + relu(−ŵ_k)·(1 − m_k)``: a negative weight rewards a low value
    of its proxy.

    Parameters
    ----------
    weights : Tensor of shape (..., n, K) or (K,)
        Raw weights, per architecture or shared.
    metrics : Tensor of shape (n, K)
        Proxies normalised to [0, 1].

    Returns
    -------
    contributions : Tensor of shape (..., n, K)
        φ_k(A) of each architecture and proxy, in [0, 1]; each row sums to at most 1.
    """
    normalised = weights / weights.abs().sum(dim=-1, keepdim=True).clamp(min=1e-12)
    return torch.relu(normalised) * metrics + torch.relu(-normalised) * (1.0 - metrics)


def weighted_score(weights: torch.Tensor, metrics: torch.Tensor) -> torch.Tensor:
    """PO-NAS's score ``S(A) = Σ_k φ_k(A)`` ∈ [0, 1], of shape ``(..., n)``.

    The arguments are those of :func:`proxy_contributions`.

    Parameters
    ----------
    weights : Tensor of shape (..., n, K) or (K,)
        Raw weights, per architecture or shared.
    metrics : Tensor of shape (n, K)
        Proxies normalised to [0, 1].

    Returns
    -------
    scores : Tensor of shape (..., n)
        The sum of each architecture's proxy contributions, in [0, 1].
    """
    return proxy_contributions(weights, metrics).sum(dim=-1)


class MemberLinear(nn.Module):
    """``n_members`` independent linear maps, applied to inputs of shape ``(E, ..., in)`` or ``(..., in)``.

    Initialised as ``nn.Linear`` initialises each (uniform in ±1/√in).

    Parameters
    ----------
    n_members : int
        E, the number of independent maps.
    in_features : int
        Length of an input row.
    out_features : int
        Length of an output row.
    """

    def __init__(self, n_members: int, in_features: int, out_features: int):
        super().__init__()
        bound = 1.0 / in_features**0.5
        self.weight = nn.Parameter(torch.empty(n_members, in_features, out_features).uniform_(-bound, bound))
        self.bias = nn.Parameter(torch.empty(n_members, out_features).uniform_(-bound, bound))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply each member's map to its own rows, or to rows shared by every member.

        Parameters
        ----------
        x : torch.Tensor of shape (E, ..., n, in_features) or (n, in_features)
            One input per member (leading dimension E), or one input that every member reads.

        Returns
        -------
        outputs : torch.Tensor of shape (E, ..., n, out_features)
            ``x @ W_e + b_e`` for each member ``e``.
        """
        n_members = self.weight.shape[0]
        if x.shape[0] != n_members or x.ndim < 3:  # shared input: the same rows for every member
            x = x.expand(n_members, *x.shape)
        # every row of every member in one matrix product per member: a broadcast product over
        # the middle dimensions would copy the weights once per row block, and so would its backward
        rows = x.reshape(n_members, -1, x.shape[-1])
        out = torch.baddbmm(self.bias[:, None, :], rows, self.weight)
        return out.view(*x.shape[:-1], out.shape[-1])


class WeightGenerator(nn.Module):
    """Maps an architecture's embedding to its own weight for each of the K proxies.

    K learned metric tokens (dimension ``d``) read one architecture token (an MLP of the
    embedding); a sigmoid gate mixes each metric token with what it read, and a shared MLP
    maps each mixed token to a raw weight w_k.

    The reference reads by multi-head cross-attention of the metric tokens over the
    architecture token. With a single key the attention weights are all 1, so the
    attention is its value and output projections: here one linear map (the same
    functions, without the query and key weights, which get no gradient).

    ``n_members`` generators of independent initialisations are held as one module (every
    parameter has a leading member dimension) so that an ensemble trains in one pass.

    Parameters
    ----------
    embedding_dim : int
        Length of the architecture embeddings.
    n_proxies : int
        K.
    d : int, default=16
        Token dimension (the reference's 64 gives 4 times the free parameters, for at most
        a few hundred queried architectures).
    n_members : int, default=1
        Generators in the ensemble.
    """

    def __init__(self, embedding_dim: int, n_proxies: int, d: int = 16, n_members: int = 1):
        super().__init__()
        self.n_members = int(n_members)
        self.metric_tokens = nn.Parameter(torch.randn(n_members, n_proxies, d) * 0.02)
        self.token_hidden = MemberLinear(n_members, embedding_dim, d)
        self.token_out = MemberLinear(n_members, d, d)
        self.read = MemberLinear(n_members, d, d)
        self.gate = MemberLinear(n_members, 2 * d, d)
        self.weight_hidden = MemberLinear(n_members, d, d)
        self.weight_out = MemberLinear(n_members, d, 1)

    def forward(self, embeddings: torch.Tensor) -> torch.Tensor:
        """Raw weights ``(E, n, K)`` for embeddings ``(n, embedding_dim)``.

        Parameters
        ----------
        embeddings : torch.Tensor of shape (n, embedding_dim)
            Embeddings of ``n`` architectures.

        Returns
        -------
        weights : torch.Tensor of shape (E, n, K)
            Each member's raw weight of each proxy for each architecture.
        """
        architecture = self.token_out(F.gelu(self.token_hidden(embeddings)))  # (E, n, d)
        read = self.read(architecture)  # (E, n, d)
        metrics = self.metric_tokens  # (E, K, d)
        # the gate is a linear map of [metric token, read]: each half is multiplied once, by
        # its own rows of the gate's weight, and the two broadcast over (n, K)
        d = metrics.shape[-1]
        gate_of_metric = torch.baddbmm(self.gate.bias[:, None, :], metrics, self.gate.weight[:, :d, :])  # (E, K, d)
        gate_of_read = torch.bmm(read, self.gate.weight[:, d:, :])  # (E, n, d)
        gate = torch.sigmoid(gate_of_metric[:, None, :, :] + gate_of_read[:, :, None, :])  # (E, n, K, d)
        read = read[:, :, None, :]
        mixed = read + gate * (metrics[:, None, :, :] - read)  # gate·metric + (1 − gate)·read: (E, n, K, d)
        return self.weight_out(F.gelu(self.weight_hidden(mixed))).squeeze(-1)


class GlobalWeights(nn.Module):
    """One weight vector shared by every architecture (the ``per_architecture=False`` ablation).

    Every member starts from equal weights 1/K.

    Parameters
    ----------
    embedding_dim : int
        Length of the architecture embeddings (unused: the weights ignore them; kept so that
        it is built like :class:`WeightGenerator`).
    n_proxies : int
        K.
    n_members : int, default=1
        Weight vectors in the ensemble.
    """

    def __init__(self, embedding_dim: int, n_proxies: int, n_members: int = 1):
        super().__init__()
        self.n_members = int(n_members)
        self.weights = nn.Parameter(torch.full((n_members, n_proxies), 1.0 / n_proxies))

    def forward(self, embeddings: torch.Tensor) -> torch.Tensor:
        """Raw weights ``(E, n, K)``.

        Parameters
        ----------
        embeddings : torch.Tensor of shape (n, embedding_dim)
            Embeddings of ``n`` architectures; only their number is read.

        Returns
        -------
        weights : torch.Tensor of shape (E, n, K)
            Each member's weight vector, repeated for every architecture.
        """
        return self.weights[:, None, :].expand(-1, embeddings.shape[0], -1)
