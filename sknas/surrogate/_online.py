"""PO-NAS's online objective and training schedule for a weighting of the proxies."""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass

import torch
from torch import nn

from ._weights import weighted_score


def _standardise(values: torch.Tensor) -> torch.Tensor:
    return (values - values.mean()) / values.std(unbiased=False).clamp(min=1e-8)


def online_loss(scores: torch.Tensor, objectives: torch.Tensor, tie_threshold: float = 0.1) -> torch.Tensor:
    """The loss that makes PO-NAS's score agree with the queried objectives.

    ``L = (1 − Pearson(S, y)) + 0.5·L_align + 100·mean_{pairs} relu(−ΔS·Δy)``.
    ``L_align`` is the mean squared difference of the standardised ``|ΔS|`` and ``|Δy|``
    over the pairs, leaving out the pairs whose objectives differ by less than
    ``tie_threshold`` and whose order S gets wrong (a near tie is not worth fitting).

    Parameters
    ----------
    scores : Tensor of shape (n,)
        S of the queried architectures.
    objectives : Tensor of shape (n,)
        Their objectives, in accuracy points (so that ``tie_threshold`` and the weight 100
        of the ranking term mean what the reference means).
    tie_threshold : float, default=0.1
        T_th, in the units of ``objectives``.
    """
    if scores.shape[0] < 2:
        return scores.sum() * 0.0
    s, y = scores - scores.mean(), objectives - objectives.mean()
    pearson = (s * y).sum() / (s.norm() * y.norm()).clamp(min=1e-12)
    i, j = torch.triu_indices(len(scores), len(scores), 1)
    d_score, d_objective = scores[i] - scores[j], objectives[i] - objectives[j]
    ranking = torch.relu(-d_score * d_objective).mean()
    keep = ~((d_objective.abs() < tie_threshold) & (torch.sign(d_score) != torch.sign(d_objective)))
    if keep.sum() >= 2:
        align = ((_standardise(d_score.abs()[keep]) - _standardise(d_objective.abs()[keep])) ** 2).mean()
    else:
        align = scores.sum() * 0.0
    return (1.0 - pearson) + 0.5 * align + 100.0 * ranking


@dataclass
class OnlineFitReport:
    """How an online fit went: its final (best) loss, training periods and epochs run."""

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
    tie_threshold: float = 0.1,
) -> OnlineFitReport:
    """Train a weighting ``model`` on the queried architectures (full batch), in place.

    A training period runs ``epochs`` epochs of AdamW (gradients clipped at norm 1) under a
    cosine schedule. While the best loss is above ``target_loss``, a new period restarts
    from the best weights with 10 % more epochs, at most ``max_restarts`` times and at most
    ``max_epochs`` epochs in all. The model ends with the weights of the lowest loss seen.

    Parameters
    ----------
    model : nn.Module
        Maps embeddings ``(n, D)`` to raw weights ``(n, K)``.
    embeddings : Tensor of shape (n, D)
    metrics : Tensor of shape (n, K)
        Normalised proxies of the queried architectures.
    objectives : Tensor of shape (n,)
        Their objectives in accuracy points.
    """
    best_loss, best_state = float("inf"), copy.deepcopy(model.state_dict())
    period, periods, done = int(epochs), 0, 0
    limit = float("inf") if max_epochs is None else int(max_epochs)
    while periods <= max_restarts and done < limit:
        if periods:
            model.load_state_dict(best_state)
            period = math.ceil(period * 1.1)
        periods += 1
        length = int(min(period, limit - done))
        optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate, weight_decay=weight_decay)
        scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=length)
        for _ in range(length):
            loss = online_loss(weighted_score(model(embeddings), metrics), objectives, tie_threshold)
            if loss.item() < best_loss:
                best_loss, best_state = loss.item(), copy.deepcopy(model.state_dict())
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
        done += length
        if best_loss <= target_loss:
            break
    model.load_state_dict(best_state)
    return OnlineFitReport(best_loss, periods, done)
