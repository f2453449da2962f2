"""A BoTorch Gaussian process, fitted the same way by every strategy that needs one."""

from __future__ import annotations

import contextlib
import copy
import warnings

import numpy as np
import torch
from botorch.exceptions import BadInitialCandidatesWarning, InputDataWarning, OptimizationWarning
from linear_operator.utils.warnings import NumericalWarning
from botorch.fit import fit_gpytorch_mll
from botorch.models import SingleTaskGP
from botorch.models.transforms import Normalize, Standardize
from gpytorch.kernels import MaternKernel, ScaleKernel
from gpytorch.mlls import ExactMarginalLogLikelihood


@contextlib.contextmanager
def quiet_botorch():
    """Silence BoTorch's routine warnings about small, repeated data.

    Few points in many dimensions, repeated points (several weightings can pick the same
    architecture) and flat acquisition surfaces are the normal case in NAS, not a fault.
    """
    with warnings.catch_warnings():
        for category in (InputDataWarning, OptimizationWarning, NumericalWarning, BadInitialCandidatesWarning):
            warnings.simplefilter("ignore", category)
        yield


def fit_gp(X, y, *, bounds=None, ard: bool = True, seed: int = 0, hyperparameters: dict | None = None,
           covar_module=None, mean_module=None, start_from: dict | None = None) -> SingleTaskGP:
    """A ``SingleTaskGP`` (Matérn-5/2 kernel by default), fitted by maximum marginal likelihood.

    Outcomes are standardised; inputs are scaled to the unit cube when ``bounds`` is given.
    Fitting is seeded (its random restarts draw from torch's generator), so the same data
    give the same model. If every fitting attempt fails, the model keeps its initial
    hyperparameters rather than raising: a strategy must never stop over a surrogate.

    Parameters
    ----------
    X : array-like of shape (n, d)
        Features of the observed points.
    y : array-like of shape (n,)
        Their objective values (higher is better).
    bounds : array-like of shape (2, d), default=None
        Lower and upper bounds of the features.
    ard : bool, default=True
        One lengthscale per feature; False shares one, which fits faster and suits many
        similar binary features (one-hot encodings) observed a few times.
    seed : int, default=0
        Seeds the fitting.
    hyperparameters : dict or None, default=None
        ``gp_hyperparameters`` of an earlier model with the same features: the new model
        takes them and is not fitted (conditioning on new data only, much faster).
    covar_module, mean_module : gpytorch modules or None, default=None
        Another kernel or prior mean (``ard`` is then unused); default: a scaled Matérn-5/2
        kernel and a constant mean.
    start_from : dict or None, default=None
        ``gp_hyperparameters`` of an earlier model with the same features, where the fit
        starts (a warm start: when one more point is observed, the optimum moves little and
        the fit converges in a few iterations).

    Returns
    -------
    model : botorch.models.SingleTaskGP
        In eval mode, float64.
    """
    train_X = torch.as_tensor(np.asarray(X, dtype=np.float64))
    train_Y = torch.as_tensor(np.asarray(y, dtype=np.float64)).reshape(-1, 1)
    d = train_X.shape[-1]
    input_transform = None
    if bounds is not None:
        input_transform = Normalize(d, bounds=torch.as_tensor(np.asarray(bounds, dtype=np.float64)))
    if covar_module is None:
        covar_module = ScaleKernel(MaternKernel(nu=2.5, ard_num_dims=d if ard else None))
    model = SingleTaskGP(
        train_X,
        train_Y,
        covar_module=covar_module,
        mean_module=mean_module,
        input_transform=input_transform,
        outcome_transform=Standardize(m=1),
    )
    for name, state in (hyperparameters or start_from or {}).items():
        getattr(model, name).load_state_dict(state)
    if hyperparameters is not None:
        return model.eval()
    mll = ExactMarginalLogLikelihood(model.likelihood, model)
    with torch.random.fork_rng(devices=[]), quiet_botorch():
        torch.manual_seed(seed)
        try:
            fit_gpytorch_mll(mll)
        except Exception:  # noqa: BLE001 - keep the prior hyperparameters
            pass
    return model.eval()


def gp_hyperparameters(model: SingleTaskGP) -> dict:
    """The fitted kernel, likelihood and mean of ``model``, to reuse with ``fit_gp(hyperparameters=...)``.

    Parameters
    ----------
    model : botorch.models.SingleTaskGP
        A model from :func:`fit_gp`.

    Returns
    -------
    hyperparameters : dict of str to dict
        Copies of the state dicts of its ``covar_module``, ``likelihood`` and ``mean_module``.
    """
    return {name: copy.deepcopy(getattr(model, name).state_dict())
            for name in ("covar_module", "likelihood", "mean_module")}
