"""Zero-cost proxies: training-free scores of untrained networks on one minibatch of data.

Every proxy lives in its own module and registers itself by name; ``compute`` scores one
network, ``ProxyScorer`` many architectures of a search space. Proxies asked for together
share their forward and backward passes.
"""

from . import (  # noqa: F401 - importing a proxy module registers it
    epe_nas,
    fisher,
    flops,
    grad_norm,
    grasp,
    jacob_cov,
    l2_norm,
    nwot,
    params,
    plain,
    snip,
    synflow,
    zen,
)
from ._base import (
    ALIASES,
    PONAS_PROXIES,
    PROXIES,
    ZERO_COST_PROXIES,
    Proxy,
    available_proxies,
    register,
    resolve_names,
)
from ._context import ProxyContext
from ._evolved import EvolvedProxy, evolve_proxy, proxy_inputs
from ._normalise import combine_scores, normalise_scores
from ._scorer import ProxyScorer, compute
from .flops import count_flops

__all__ = [
    "ALIASES",
    "EvolvedProxy",
    "PONAS_PROXIES",
    "PROXIES",
    "ZERO_COST_PROXIES",
    "Proxy",
    "ProxyContext",
    "ProxyScorer",
    "available_proxies",
    "combine_scores",
    "compute",
    "count_flops",
    "evolve_proxy",
    "normalise_scores",
    "proxy_inputs",
    "register",
    "resolve_names",
]
