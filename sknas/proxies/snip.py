"""``snip`` (Lee et al., 2019): connection sensitivity, the saliency of every weight."""

from ._base import register


@register("snip", "Σ |W ⊙ ∂L/∂W|", needs=["loss_gradients"])
def snip(context) -> float:
    """Σ over convolutions and linear layers of |W ⊙ ∂L/∂W|.

    NAS-Bench-Suite-Zero takes the gradient with respect to a multiplicative mask of ones on
    each weight, which is exactly W ⊙ ∂L/∂W.
    """
    return float(sum((w.detach() * g).abs().sum() for w, g in zip(context.weights, context.loss_gradients)))
