"""``nwot`` (Mellor et al., 2021, "NASWOT"): how differently a batch activates the network."""

import numpy as np

from ._base import register


@register(
    "nwot", "log|det K|, K the Hamming agreements of binary activation codes", needs=["activation_kernel"]
)
def nwot(context) -> float:
    """log |det K|, where K[i, j] counts the units whose pre-activation has the same sign for
    samples i and j (N_A minus the Hamming distance of their binary codes), summed over every
    activation layer (ReLU in the paper; any elementwise activation here, by the sign of its
    input)."""
    kernel = context.activation_kernel
    if not kernel.any():
        raise ValueError("the network has no activation layers to take binary codes from")
    _, logdet = np.linalg.slogdet(kernel)
    return float(logdet)
