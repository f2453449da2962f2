"""PO-NAS's online objective and training schedule for a weighting of the proxies."""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from ._weights import weighted_score


def _masked_standardise(values: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """``values`` standardised over the entries where ``mask`` holds, along the last dimension."""
    count = mask.sum(dim=-1, keepdim=True).clamp(min=1)
    mean = (values * mask).sum(dim=-1, keepdim=True) / count
    # clamped before the root: the same value as clamping the root at 1e-8, without its
    # infinite gradient at 0 (a single pair, whose spread is 0, made every gradient NaN)
    std = (((values - mean) ** 2 * mask).sum(dim=-1, keepdim=True) / count).clamp(min=1e-16).sqrt()
    return (values - mean) / std


def online_loss(scores: torch.Tensor, objectives: torch.Tensor, tie_threshold: float = 0.1,
                mask: torch.Tensor | None = None) -> torch.Tensor:
    """The loss that makes PO-NAS's score agree with the queried objectives.

    ``L = (1 − Pearson(S, y)) + 0.5·L_align + 100·mean_{pairs} relu(−ΔS·Δy)``.
    ``L_align`` is the mean squared difference of the standardised ``|ΔS|`` and ``|Δy|``
    over the pairs, leaving out the pairs whose objectives differ by less than
    ``tie_threshold`` and whose order S gets wrong (a near tie is not worth fitting).

    Parameters
    ----------
    scores : Tensor of shape (..., n)
        S of the queried architectures (one row per ensemble member, or one).
    objectives : Tensor of shape (n,)
        Their objectives, in accuracy points (so that ``tie_threshold`` and the weight 100
        of the ranking term mean what the reference means).
    tie_threshold : float, default=0.1
        T_th, in the units of ``objectives``.
    mask : Tensor of bool of shape (..., n) or None, default=None
        The architectures each row of ``scores`` is fitted to (the others are left out of
        its correlation and pairs); None: all.

    Returns
    -------
    Tensor of shape (...)
        The loss of each row of ``scores``.
    """
    n = scores.shape[-1]
    if n < 2:
        return scores.sum(dim=-1) * 0.0
    # Without a mask the terms are computed as before masks existed, in the same order: the
    # gradients, and so every earlier search, stay bit-identical (a masked path with an
    # all-true mask gives the same values but sums gradients in another order).
    if mask is None:
        s, y = scores - scores.mean(dim=-1, keepdim=True), objectives - objectives.mean()
    else:
        weight = mask.to(scores.dtype)
        count = weight.sum(dim=-1, keepdim=True).clamp(min=1)
        s = (scores - (scores * weight).sum(dim=-1, keepdim=True) / count) * weight
        y = (objectives - (objectives * weight).sum(dim=-1, keepdim=True) / count) * weight
    pearson = (s * y).sum(dim=-1) / (s.norm(dim=-1) * y.norm(dim=-1)).clamp(min=1e-12)
    i, j = torch.triu_indices(n, n, 1)
    d_score, d_objective = scores[..., i] - scores[..., j], objectives[i] - objectives[j]
    if mask is None:
        in_pair = None
        ranking = torch.relu(-d_score * d_objective).mean(dim=-1)
    else:
        in_pair = weight[..., i] * weight[..., j]
        ranking = (torch.relu(-d_score * d_objective) * in_pair).sum(dim=-1) / in_pair.sum(dim=-1).clamp(min=1)
    keep = ~((d_objective.abs() < tie_threshold) & (torch.sign(d_score) != torch.sign(d_objective)))
    keep = keep.to(scores.dtype) if in_pair is None else keep.to(scores.dtype) * in_pair
    gap = _masked_standardise(d_score.abs(), keep) - _masked_standardise(d_objective.abs().expand_as(d_score), keep)
    kept = keep.sum(dim=-1)
    align = torch.where(kept >= 2, (gap**2 * keep).sum(dim=-1) / kept.clamp(min=1), torch.zeros_like(kept))
    return (1.0 - pearson) + 0.5 * align + 100.0 * ranking


@dataclass
class OnlineFitReport:
    """How an online fit went: its final (best) loss, training periods and epochs run.

    Each parameter is kept as the attribute of the same name.

    Parameters
    ----------
    loss : float
        The members' mean best loss.
    periods : int
        Training periods run (the first and the restarts).
    epochs : int
        Epochs run in all periods.
    """

    loss: float
    periods: int
    epochs: int


def fit_weights(
    model: nn.Module,
    embeddings: torch.Tensor,
    metrics: torch.Tensor,
    objectives: torch.Tensor,
    *,
    epochs: int = 100,
    learning_rate: float = 3e-4,
    weight_decay: float = 0.01,
    target_loss: float = 0.1,
    max_restarts: int = 100,
    max_epochs: int | None = None,
    min_improvement: float | None = None,
    tie_threshold: float = 0.1,
    mask: torch.Tensor | None = None,
) -> OnlineFitReport:
    """Train a weighting ``model`` (an ensemble of E members) on the queried architectures, in place.

    A training period runs ``epochs`` epochs of AdamW (each member's gradient clipped at
    norm 1) under a cosine schedule, full batch. While some member's best loss is above
    ``target_loss``, a new period restarts every member from its best weights with 10 %
    more epochs, at most ``max_restarts`` times and at most ``max_epochs`` epochs in all.
    With ``min_improvement``, a period after the first that lowers no member's best loss by
    at least that fraction ends the fit too (the loss has stalled above the target).
    Each member ends with the weights of the lowest loss it reached. The members share the schedule and
    nothing else: AdamW and the clipping act on each member's parameters alone.

    Parameters
    ----------
    model : nn.Module
        Maps embeddings ``(n, D)`` to raw weights ``(E, n, K)``; every parameter has the
        member dimension E first.
    embeddings : Tensor of shape (n, D)
        Embeddings of the queried architectures.
    metrics : Tensor of shape (n, K)
        Normalised proxies of the queried architectures.
    objectives : Tensor of shape (n,)
        Their objectives in accuracy points.
    epochs, learning_rate, weight_decay : int, float, float
        The first period's length and AdamW's settings.
    target_loss, max_restarts, max_epochs : float, int, int or None
        When to stop restarting: every member's best loss at most ``target_loss``, or that many
        restarts, or that many epochs in all (None: no cap).
    min_improvement : float or None
        The relative decrease of some member's best loss a restart period must achieve for the
        next one to run; None restarts until another rule stops.
    tie_threshold : float
        :func:`online_loss`'s T_th.
    mask : Tensor of bool of shape (E, n) or None, default=None
        The architectures each member is fitted to (:func:`online_loss`); None: all.

    Returns
    -------
    OnlineFitReport
        The members' mean best loss, the periods and the epochs run.
    """
    parameters = list(model.parameters())
    n_members = parameters[0].shape[0]
    best_loss = torch.full((n_members,), float("inf"))
    best = [p.detach().clone() for p in parameters]
    period, periods, done = int(epochs), 0, 0
    limit = float("inf") if max_epochs is None else int(max_epochs)
    finished = False  # the target is reached, or the loss stalled
    while periods <= max_restarts and done < limit and not finished:
        if periods:
            with torch.no_grad():
                for parameter, saved in zip(parameters, best):
                    parameter.copy_(saved)
            period = math.ceil(period * 1.1)
        periods += 1
        length = int(min(period, limit - done))
        start_loss = best_loss.clone()
        # fused: one kernel per step for all parameters (10-15 % faster epochs than foreach on a CPU)
        optimizer = torch.optim.AdamW(parameters, lr=learning_rate, weight_decay=weight_decay, fused=True)
        scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=length)
        for _ in range(length):
            loss = online_loss(weighted_score(model(embeddings), metrics), objectives, tie_threshold, mask)
            with torch.no_grad():
                improved = loss < best_loss
                if improved.any():
                    best_loss = torch.where(improved, loss.detach(), best_loss)
                    for parameter, saved in zip(parameters, best):
                        # torch.where, not a boolean index: one kernel instead of a gather and a scatter
                        saved.copy_(torch.where(improved.view(-1, *[1] * (saved.ndim - 1)), parameter, saved))
            optimizer.zero_grad(set_to_none=True)
            loss.sum().backward()
            _clip_each_member(parameters, n_members, 1.0)
            optimizer.step()
            scheduler.step()
            done += 1
        finished = bool((best_loss <= target_loss).all())
        if min_improvement is not None and periods > 1:
            gain = (start_loss - best_loss) / start_loss.clamp(min=1e-12)
            finished = finished or bool((gain < min_improvement).all())
    with torch.no_grad():
        for parameter, saved in zip(parameters, best):
            parameter.copy_(saved)
    return OnlineFitReport(float(best_loss.mean()), periods, done)


def _clip_each_member(parameters: list[torch.Tensor], n_members: int, max_norm: float) -> None:
    """Scale each member's gradient to norm at most ``max_norm`` (``clip_grad_norm_`` per member)."""
    grads = [p.grad for p in parameters if p.grad is not None]
    if not grads:
        return
    norms = torch.stack([g.reshape(n_members, -1).pow(2).sum(dim=1) for g in grads]).sum(dim=0).sqrt()
    factor = (max_norm / (norms + 1e-6)).clamp(max=1.0)
    for g in grads:
        g.mul_(factor.view(n_members, *([1] * (g.ndim - 1))))
