"""``l2_norm`` (NAS-Bench-Suite-Zero): the summed norms of the initial weights."""

from ._base import register
from ._context import weight_layers


@register("l2_norm", "Σ over weight layers of ‖W‖₂")
def l2_norm(context) -> float:
    """Σ over convolutions and linear layers of the Euclidean (Frobenius) norm of W at initialisation."""
    return float(sum(layer.weight.detach().norm() for layer in weight_layers(context.module)))
