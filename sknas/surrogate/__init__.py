"""Surrogate models: Gaussian processes, acquisition over a pool, and PO-NAS's learned weighting."""

from ._acquisition import ACQUISITIONS, best_candidate, best_candidates, posterior_mean_std
from ._encoder import GraphBatch, GraphEncoder, PretrainingReport, graph_batch, pretrain_encoder
from ._gp import fit_gp, gp_hyperparameters, quiet_botorch
from ._online import OnlineFitReport, fit_weights, online_loss
from ._proxy_kernel import EnsembleContributionKernel, ScoreMean, contribution_features, fit_contribution_gp
from ._weights import GlobalWeights, MemberLinear, WeightGenerator, proxy_contributions, weighted_score

__all__ = [
    "ACQUISITIONS",
    "best_candidate",
    "best_candidates",
    "posterior_mean_std",
    "fit_gp",
    "gp_hyperparameters",
    "quiet_botorch",
    "GraphBatch",
    "GraphEncoder",
    "PretrainingReport",
    "graph_batch",
    "pretrain_encoder",
    "OnlineFitReport",
    "fit_weights",
    "online_loss",
    "EnsembleContributionKernel",
    "ScoreMean",
    "contribution_features",
    "fit_contribution_gp",
    "proxy_contributions",
    "GlobalWeights",
    "WeightGenerator",
    "MemberLinear",
    "weighted_score",
]
