"""``grad_norm`` (Abdelfattah et al., 2021): the summed norms of the loss gradients."""

from ._base import register


@register("grad_norm", "Σ over weight layers of ‖∂L/∂W‖₂", needs=["loss_gradients"])
def grad_norm(context) -> float:
    """Σ over convolutions and linear layers of the Euclidean norm of ∂L/∂W."""
    return float(sum(g.norm() for g in context.loss_gradients))
