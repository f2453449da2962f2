"""PO-NAS's GP: a kernel over each architecture's learned proxy contributions, S as prior mean.

An architecture A is described by what PO-NAS learned about it: the contributions
φ_k(A) = relu(ŵ_k(A))·m_k(A) + relu(−ŵ_k(A))·(1 − m_k(A)) of its K proxies under its own
weights ŵ(A), whose sum is the learned score S(A). An ensemble of E weightings, trained
from different initialisations, gives E such vectors. The kernel is the average over the
members of a Matérn-5/2 kernel on the contributions (ARD: one lengthscale per proxy, shared
by the members),

    k(A, A') = s² · (1/E) Σ_e Matérn(φ^e(A), φ^e(A')),

so two architectures are similar when their proxies contribute alike *under their own
learned weightings*, and similar only as far as the members agree: where the fits disagree
about A, A correlates less with what was observed and its posterior stays uncertain. The
prior mean is ``c + b · s(A)``, with c and b fitted with the kernel's hyperparameters by
marginal likelihood: the GP starts from PO-NAS's learned score and corrects it where the
queried architectures disagree. ``s`` is the members' mean score S̄, or, for a queried
architecture under cross-fitting, the score of a weighting that was not fitted to it. With
the in-sample S̄ (PO-NAS's default) a weighting that ranks the queried architectures as they
scored leaves the GP no error to correct: on NAS-Bench-201 the kernel's variance fits to 0
and the posterior mean is c + b · S̄ (``benchmarks/ponas_gp_choices.md``).
"""

from __future__ import annotations

import math

import numpy as np
import torch
from gpytorch.constraints import GreaterThan
from gpytorch.kernels import Kernel, MaternKernel, ScaleKernel
from gpytorch.means import Mean
from gpytorch.priors import LogNormalPrior

from ._gp import fit_gp


class EnsembleContributionKernel(Kernel):
    """The mean over E ensemble members of a Matérn-5/2 kernel on the K proxy contributions.

    Inputs are the E members' contribution vectors concatenated: ``(..., n, E·K)``; further
    columns (the prior score of :func:`contribution_features`) are not read.

    Parameters
    ----------
    n_members : int
        E.
    n_proxies : int
        K.
    **kwargs
        Passed to ``gpytorch.kernels.Kernel`` (e.g. ``batch_shape``, ``active_dims``).
    """

    has_lengthscale = False

    def __init__(self, n_members: int, n_proxies: int, **kwargs):
        super().__init__(**kwargs)
        self.n_members, self.n_proxies = int(n_members), int(n_proxies)
        # BoTorch's default lengthscale prior for K unit-cube inputs (dimension-scaled log-normal)
        prior = LogNormalPrior(loc=math.sqrt(2) + 0.5 * math.log(self.n_proxies), scale=math.sqrt(3))
        self.base_kernel = MaternKernel(nu=2.5, ard_num_dims=self.n_proxies, lengthscale_prior=prior,
                                        lengthscale_constraint=GreaterThan(2.5e-2))

    def _members(self, x: torch.Tensor) -> torch.Tensor:
        """``(..., n, E·K + …)`` → ``(..., E, n, K)``."""
        split = x[..., : self.n_members * self.n_proxies].reshape(*x.shape[:-1], self.n_members, self.n_proxies)
        return split.movedim(-2, -3)

    def forward(self, x1: torch.Tensor, x2: torch.Tensor, diag: bool = False, **params) -> torch.Tensor:
        """The members' mean Matérn-5/2 covariance between the rows of ``x1`` and ``x2``.

        Parameters
        ----------
        x1 : torch.Tensor of shape (..., n, E·K) or (..., n, E·K + 1)
            The first points: the E members' contribution vectors, concatenated (and the
            prior score, not read).
        x2 : torch.Tensor of shape (..., m, E·K) or (..., m, E·K + 1)
            The second points, likewise.
        diag : bool, default=False
            Only the diagonal (``n == m``): the covariance of each row of ``x1`` with the same
            row of ``x2``.
        **params
            Passed to the Matérn kernel's ``forward``.

        Returns
        -------
        covariance : torch.Tensor of shape (..., n, m), or (..., n) when ``diag``
            The mean over the members of their Matérn covariances.
        """
        values = self.base_kernel.forward(self._members(x1), self._members(x2), diag=diag, **params)
        return values.mean(dim=-2 if diag else -3)


class ScoreMean(Mean):
    """The prior mean ``c + b · s``: s is the prior score, the last input column.

    The inputs are :func:`contribution_features`: the members' scaled contributions, then the
    prior score of each architecture.
    """

    def __init__(self):
        super().__init__()
        self.register_parameter("constant", torch.nn.Parameter(torch.zeros(1, dtype=torch.float64)))
        self.register_parameter("slope", torch.nn.Parameter(torch.zeros(1, dtype=torch.float64)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The prior mean ``c + b · s`` at the rows of ``x``.

        Parameters
        ----------
        x : torch.Tensor of shape (..., n, d)
            Inputs whose last column is the prior score.

        Returns
        -------
        mean : torch.Tensor of shape (..., n)
            The prior mean of each row.
        """
        return self.constant.to(x) + self.slope.to(x) * x[..., -1]


def contribution_features(contributions, prior_scores=None, encodings=None) -> np.ndarray:
    """GP inputs from the members' contributions ``(E, n, K)``: ``(n, E·K [+ D] + 1)``.

    Each proxy's contributions are divided by their largest value over the members and
    architectures (1 where all are 0), so every input is in [0, 1] and the kernel's
    lengthscales have the unit-cube meaning BoTorch's priors assume. Then come the
    architectures' ``encodings``, if given (for the structure kernel of
    :func:`fit_contribution_gp`). The last column is the prior score that
    :class:`ScoreMean` reads: the members' mean score S̄ (the unscaled contributions summed
    over the proxies, averaged over the members), or ``prior_scores``.

    Parameters
    ----------
    contributions : array-like of shape (E, n, K)
        The proxy contributions (:func:`proxy_contributions`) of ``n`` architectures under
        each of the E members' weightings.
    prior_scores : array-like of shape (n,) or None, default=None
        The prior score of each architecture; None: S̄.
    encodings : array-like of shape (n, D) or None, default=None
        Each architecture's encoding (``space.encode``); None: none.

    Returns
    -------
    features : ndarray of shape (n, E·K + 1), or (n, E·K + D + 1) with ``encodings``
        Each architecture's scaled contributions, the members' concatenated, its encoding,
        and its prior score.
    """
    values = np.asarray(contributions, dtype=np.float64)
    n_members, n, n_proxies = values.shape
    if prior_scores is None:
        prior_scores = values.sum(axis=2).mean(axis=0)
    scale = values.max(axis=(0, 1))
    scale = np.where(scale > 0, scale, 1.0)
    features = [(values / scale).transpose(1, 0, 2).reshape(n, n_members * n_proxies)]
    if encodings is not None:
        features.append(np.asarray(encodings, dtype=np.float64).reshape(n, -1))
    return np.column_stack([*features, np.asarray(prior_scores, dtype=np.float64).reshape(n)])


def fit_contribution_gp(features, objectives, n_members: int, *, n_encoding: int = 0, seed: int = 0,
                        start_from: dict | None = None):
    """A BoTorch ``SingleTaskGP`` with the ensemble contribution kernel and the score mean.

    With ``n_encoding``, the kernel is the sum of the contribution kernel and a structure
    kernel: a scaled Matérn-5/2 kernel with one lengthscale on the architectures'
    encodings (as :class:`sknas.strategies.BayesianOptimisation`'s GP), each with its own
    outputscale, so the marginal likelihood decides how much of the objective the proxies' contributions
    explain and how much the architectures' structure does.

    Hyperparameters (lengthscales, outputscales, noise, c and b) are fitted by maximum
    marginal likelihood (:func:`sknas.surrogate.fit_gp`).

    Parameters
    ----------
    features : array-like of shape (n, E·K + n_encoding + 1)
        :func:`contribution_features` of the queried architectures.
    objectives : array-like of shape (n,)
        Their objectives.
    n_members : int
        E.
    n_encoding : int, default=0
        D, the width of the encodings in ``features``; 0: none (the contribution kernel alone).
    seed : int, default=0
        Seeds the fitting.
    start_from : dict or None, default=None
        ``gp_hyperparameters`` of the previous step's model: the fit starts there.

    Returns
    -------
    model : botorch.models.SingleTaskGP
        The fitted model, in eval mode, float64.
    """
    n_encoding = int(n_encoding)
    n_proxies = (np.asarray(features).shape[1] - 1 - n_encoding) // int(n_members)
    kernel = ScaleKernel(EnsembleContributionKernel(n_members, n_proxies))
    if n_encoding:
        first = n_members * n_proxies
        kernel = kernel + ScaleKernel(MaternKernel(nu=2.5, active_dims=tuple(range(first, first + n_encoding))))
    return fit_gp(features, objectives, seed=seed, start_from=start_from, covar_module=kernel,
                  mean_module=ScoreMean())
