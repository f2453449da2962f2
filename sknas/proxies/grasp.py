"""``grasp`` (Wang et al., 2020): gradient-signal preservation, by a double backward pass."""

from ._base import register


@register(
    "grasp", "−Σ W ⊙ (H·∂L/∂W)", needs=["loss_gradients", "hessian_gradients"]
)
def grasp(context) -> float:
    """−Σ over convolutions and linear layers of W ⊙ Hg, H the Hessian of the loss, g its gradient.

    Hg is the gradient of z = Σ stopgrad(g)·g, the backward pass of a backward pass, as in
    NAS-Bench-Suite-Zero (temperature 1, one iteration).
    """
    return float(-sum((w.detach() * hg).sum() for w, hg in zip(context.weights, context.hessian_gradients)))
