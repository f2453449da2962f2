"""``jacob_cov`` (Mellor et al., 2021, v1): how uncorrelated the input Jacobians of a batch are."""

import numpy as np

from ._base import register

K = 1e-5


@register(
    "jacob_cov",
    "−Σ [log(λ+k) + 1/(λ+k)] over eigenvalues λ of corrcoef(∂f/∂x)",
    needs=["input_jacobian"],
)
def jacob_cov(context) -> float:
    """−Σ [log(λ + k) + 1/(λ + k)], k = 1e-5, λ the eigenvalues of the correlation matrix of
    the per-sample Jacobians J = ∂(Σ outputs)/∂x. Also accepted as ``jacov``."""
    with np.errstate(all="ignore"):
        correlation = np.corrcoef(context.input_jacobian)
    if not np.isfinite(correlation).all():
        raise FloatingPointError("a sample's input Jacobian is constant, so its correlation is undefined")
    eigenvalues = np.linalg.eigvalsh(correlation)
    with np.errstate(all="ignore"):
        return float(-np.sum(np.log(eigenvalues + K) + 1.0 / (eigenvalues + K)))
