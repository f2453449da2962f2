"""Surrogate models: Gaussian processes that predict an objective from architecture features."""

from ._gp import fit_gp, quiet_botorch

__all__ = ["fit_gp", "quiet_botorch"]
