"""``zen`` (Lin et al., 2021): the expressivity of a network with Gaussian weights."""

import math

import torch

from ._base import register
from ._context import disable_dropout, pre_pooling_features, weight_layers

MIXUP_GAMMA = 1e-2


@register(
    "zen", "log E‖f(x) − f(x + γε)‖₁ + Σ log √(mean BN running variance), Gaussian weights"
)
def zen(context) -> float:
    """Zen-score: log of the mean L1 change of the pre-pooling features under a small input
    perturbation (γ = 0.01), plus Σ over batch normalisations of log √(mean running variance).

    Weights are redrawn from N(0, 1) (biases 0, normalisation scales 1, shifts 0) and both
    inputs are Gaussian, seeded; the network is in training mode, as in NAS-Bench-Suite-Zero.
    """
    net = disable_dropout(context.copy().train())
    generator = context.generator()
    with torch.no_grad():
        for layer in weight_layers(net):
            layer.weight.normal_(generator=generator)
            if layer.bias is not None:
                layer.bias.zero_()
        for m in net.modules():
            if isinstance(m, torch.nn.modules.batchnorm._BatchNorm) and m.affine:
                m.weight.fill_(1.0)
                m.bias.zero_()
        x = torch.randn(context.X.shape, generator=generator, device=context.X.device)
        noise = torch.randn(context.X.shape, generator=generator, device=context.X.device)
        output = pre_pooling_features(net, x)
        perturbed = pre_pooling_features(net, x + MIXUP_GAMMA * noise)
        difference = (output - perturbed).abs()
        score = difference.reshape(len(difference), -1).sum(1).mean()
        bn_scaling = sum(
            math.log(math.sqrt(float(m.running_var.mean())))
            for m in net.modules()
            if isinstance(m, torch.nn.modules.batchnorm._BatchNorm) and m.running_var is not None
        )
    if not score > 0:
        raise FloatingPointError("the features do not change with the input, so the log is -inf")
    return math.log(float(score)) + bn_scaling
