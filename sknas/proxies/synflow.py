"""``synflow`` (Tanaka et al., 2020): synaptic flow, a data-free measure of signal paths."""

import math

import torch
from torch import nn

from ._base import NORMALISATIONS, register
from ._context import weight_layers


def bypass_normalisation(module: nn.Module) -> nn.Module:
    """Replace every normalisation layer of ``module`` by the identity, in place."""
    for name, child in list(module.named_children()):
        if isinstance(child, NORMALISATIONS):
            setattr(module, name, nn.Identity())
        else:
            bypass_normalisation(child)
    return module


@register("synflow", "log Σ W ⊙ ∂R/∂W with |W|, input of ones, no normalisation, float64")
def synflow(context) -> float:
    """The natural log of Σ W ⊙ ∂R/∂W, NAS-Bench-Suite-Zero's stored form.

    Every parameter is replaced by its absolute value, normalisation layers are bypassed
    (a single constant input has no spread to normalise), and R is the sum of the outputs
    for one input of ones. It runs in float64, as the sum overflows float32 on deep networks.
    The data is not used, only its shape.
    """
    net = bypass_normalisation(context.copy()).double().eval()
    with torch.no_grad():
        for parameter in net.parameters():
            parameter.abs_()
    weights = [layer.weight for layer in weight_layers(net)]
    ones = torch.ones((1, *context.X.shape[1:]), dtype=torch.float64, device=context.X.device)
    grads = torch.autograd.grad(net(ones).sum(), weights, allow_unused=True)
    total = sum(float((w.detach() * g).sum()) for w, g in zip(weights, grads) if g is not None)
    if total <= 0:
        raise FloatingPointError("no signal reaches the output: synaptic flow is 0 and its log -inf")
    return math.log(total)
