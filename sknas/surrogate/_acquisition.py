"""Choosing the next architecture of a finite pool by a BoTorch acquisition function."""

from __future__ import annotations

import numpy as np
import torch
from botorch.acquisition import LogExpectedImprovement, UpperConfidenceBound
from botorch.acquisition.logei import qLogNoisyExpectedImprovement
from botorch.acquisition.monte_carlo import qUpperConfidenceBound
from botorch.sampling import SobolQMCNormalSampler
from botorch.models.model import Model
from botorch.optim import optimize_acqf_discrete

from ._gp import quiet_botorch

ACQUISITIONS = ("ei", "ucb")

#: Rows a q-batch is chosen among: the best by the analytic acquisition of each row alone.
#: The Monte-Carlo batch acquisition over a whole pool of thousands costs more than the
#: picks it saves; the batch's members come from the best rows anyway.
BATCH_CHOICES = 256


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


def best_candidates(model: Model, candidates, q: int, *, acquisition: str = "ei", best_f: float | None = None,
                    beta: float = 2.576**2, observed=None, pending=None, seed: int = 0) -> list[int]:
    """The ``q`` rows of ``candidates`` chosen jointly by the acquisition (a q-batch).

    With ``q == 1`` and nothing pending this is :func:`best_candidate` (analytic log-EI or
    UCB). Otherwise BoTorch's Monte-Carlo acquisitions choose the batch:
    ``qLogNoisyExpectedImprovement`` over the ``observed`` points (``"ei"``) or
    ``qUpperConfidenceBound`` (``"ucb"``), conditioned on the ``pending`` points (asked,
    not yet evaluated), and ``optimize_acqf_discrete`` picks the batch over the discrete
    ``candidates`` one row at a time, each conditioned on those chosen before it.

    Parameters
    ----------
    model : botorch Model
        The fitted surrogate.
    candidates : array-like of shape (n, d)
        Features of the unqueried architectures.
    q : int
        Rows to choose (at most ``n``).
    acquisition : {"ei", "ucb"}, default="ei"
    best_f : float, default=None
        The best objective observed; required for ``"ei"`` when ``q == 1``.
    beta : float, default=2.576**2
    observed : array-like of shape (k, d) or None, default=None
        Features of the evaluated architectures (the baseline of noisy EI); required for
        ``"ei"`` when a batch is chosen.
    pending : array-like of shape (m, d) or None, default=None
        Features of the architectures asked and not evaluated yet.
    seed : int, default=0
        Seeds the quasi-Monte-Carlo samples.

    Returns
    -------
    rows : list of int
        Distinct rows of ``candidates``, in the order chosen.
    """
    choices = torch.as_tensor(np.asarray(candidates, dtype=np.float64))
    q = min(int(q), len(choices))
    X_pending = None if pending is None or not len(pending) else torch.as_tensor(np.asarray(pending, dtype=np.float64))
    if q == 1 and X_pending is None:
        return [best_candidate(model, choices, acquisition=acquisition, best_f=best_f, beta=beta)]
    rows_kept = _screen(model, choices, acquisition, best_f, beta)
    screened = choices[rows_kept]
    sampler = SobolQMCNormalSampler(sample_shape=torch.Size([256]), seed=int(seed))
    if acquisition == "ei":
        if observed is None:
            raise ValueError("a batch by acquisition='ei' needs the observed points")
        baseline = torch.as_tensor(np.asarray(observed, dtype=np.float64))
        function = qLogNoisyExpectedImprovement(model, X_baseline=baseline, sampler=sampler,
                                                X_pending=X_pending, prune_baseline=True)
    elif acquisition == "ucb":
        function = qUpperConfidenceBound(model, beta=float(beta), sampler=sampler, X_pending=X_pending)
    else:
        raise ValueError(f"unknown acquisition {acquisition!r}; use one of {', '.join(ACQUISITIONS)}")
    with torch.random.fork_rng(devices=[]), quiet_botorch():
        torch.manual_seed(int(seed))
        chosen, _ = optimize_acqf_discrete(function, q=q, choices=screened, unique=True)
    rows: list[int] = []
    for point in chosen:
        matches = rows_kept[torch.nonzero((screened == point).all(dim=1))[:, 0]].tolist()
        rows.append(next(i for i in matches if i not in rows))
    return rows


def _screen(model: Model, choices: torch.Tensor, acquisition: str, best_f: float | None,
            beta: float) -> torch.Tensor:
    """Indices of the ``BATCH_CHOICES`` rows of best analytic acquisition (all rows when fewer)."""
    if len(choices) <= BATCH_CHOICES or (acquisition == "ei" and best_f is None):
        return torch.arange(len(choices))
    if acquisition == "ei":
        function = LogExpectedImprovement(model, best_f=float(best_f))
    else:
        function = UpperConfidenceBound(model, beta=float(beta))
    with torch.no_grad(), quiet_botorch():
        values = torch.cat([function(chunk.unsqueeze(-2)) for chunk in torch.split(choices, 4096)])
    return torch.sort(torch.topk(values, BATCH_CHOICES).indices).values


def posterior_mean_std(model: Model, X) -> tuple[np.ndarray, np.ndarray]:
    """The posterior mean and standard deviation of ``model`` at the rows of ``X`` (float64).

    Parameters
    ----------
    model : botorch.models.model.Model
        A fitted single-output model (e.g. from :func:`fit_gp`).
    X : array-like of shape (n, d)
        The points, in the model's input space.

    Returns
    -------
    mean : ndarray of shape (n,)
        The posterior mean at each point.
    std : ndarray of shape (n,)
        The posterior standard deviation at each point (of each point's marginal).
    """
    # one point per batch: the marginals only, never the joint covariance of all rows
    X = torch.as_tensor(np.asarray(X, dtype=np.float64)).unsqueeze(-2)
    means, stds = [], []
    with torch.no_grad(), quiet_botorch():
        for chunk in torch.split(X, 4096):
            posterior = model.posterior(chunk)
            means.append(posterior.mean.reshape(-1))
            stds.append(posterior.variance.clamp(min=0.0).sqrt().reshape(-1))
    return torch.cat(means).numpy(), torch.cat(stds).numpy()
