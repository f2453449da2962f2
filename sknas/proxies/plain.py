"""``plain`` (NAS-Bench-Suite-Zero): the signed first-order saliency of the weights."""

from ._base import register


@register("plain", "Σ W ⊙ ∂L/∂W", needs=["loss_gradients"])
def plain(context) -> float:
    """Σ over convolutions and linear layers of W ⊙ ∂L/∂W, signs kept."""
    return float(sum((w.detach() * g).sum() for w, g in zip(context.weights, context.loss_gradients)))
