"""Choosing the next architecture of a finite pool by a BoTorch acquisition function."""

from __future__ import annotations

import numpy as np
import torch
from botorch.acquisition import LogExpectedImprovement, UpperConfidenceBound
from botorch.models.model import Model
from botorch.optim import optimize_acqf_discrete

from ._gp import quiet_botorch

ACQUISITIONS = ("ei", "ucb")


def best_candidate(model: Model, candidates, *, acquisition: str = "ei", best_f: float | None = None,
                   beta: float = 2.576**2) -> int:
    """The row of ``candidates`` that maximises the acquisition, by ``optimize_acqf_discrete``.

    Parameters
    ----------
    model : botorch Model
        The fitted surrogate (higher objective is better).
    candidates : array-like of shape (n, d)
        Features of the unqueried architectures.
    acquisition : {"ei", "ucb"}, default="ei"
        Log expected improvement over ``best_f``, or the upper confidence bound
        ``μ + √beta · σ``.
    best_f : float, default=None
        The best objective observed; required for ``"ei"``.
    beta : float, default=2.576**2
        UCB's β (κ = 2.576, the 99 % quantile).
    """
    if acquisition == "ei":
        if best_f is None:
            raise ValueError("acquisition='ei' needs best_f, the best objective observed")
        function = LogExpectedImprovement(model, best_f=float(best_f))
    elif acquisition == "ucb":
        function = UpperConfidenceBound(model, beta=float(beta))
    else:
        raise ValueError(f"unknown acquisition {acquisition!r}; use one of {', '.join(ACQUISITIONS)}")
    choices = torch.as_tensor(np.asarray(candidates, dtype=np.float64))
    with quiet_botorch():
        best, _ = optimize_acqf_discrete(function, q=1, choices=choices, unique=True)
    return int(torch.nonzero((choices == best).all(dim=1))[0, 0])


def posterior_mean_std(model: Model, X) -> tuple[np.ndarray, np.ndarray]:
    """The posterior mean and standard deviation of ``model`` at the rows of ``X`` (float64)."""
    # one point per batch: the marginals only, never the joint covariance of all rows
    X = torch.as_tensor(np.asarray(X, dtype=np.float64)).unsqueeze(-2)
    means, stds = [], []
    with torch.no_grad(), quiet_botorch():
        for chunk in torch.split(X, 4096):
            posterior = model.posterior(chunk)
            means.append(posterior.mean.reshape(-1))
            stds.append(posterior.variance.clamp(min=0.0).sqrt().reshape(-1))
    return torch.cat(means).numpy(), torch.cat(stds).numpy()
