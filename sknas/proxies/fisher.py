"""``fisher`` (Turner et al., 2020): the Fisher information of each channel's activation."""

from ._base import register


@register(
    "fisher", "Σ over channels of ½ mean_n (Σ_spatial a·∂L/∂a)²", needs=["activation_gradients"]
)
def fisher(context) -> float:
    """Σ over channels of ½ (Σ_spatial a·∂L/∂a)², averaged over the batch.

    ``a`` is the output of each convolution and linear layer, as in NAS-Bench-Suite-Zero.
    """
    total = 0.0
    for act, grad in context.activation_gradients:
        product = act * grad
        per_channel = product.sum(dim=tuple(range(2, product.dim()))) if product.dim() > 2 else product
        total += float(per_channel.pow(2).mean(0).mul(0.5).sum())
    return total
