"""``params`` (NAS-Bench-Suite-Zero): the number of trainable parameters, in millions."""

from ._base import register


@register("params", "trainable parameters, in millions")
def params(context) -> float:
    """Trainable parameters in millions, the unit of NAS-Bench-201's ``params`` column."""
    return sum(p.numel() for p in context.module.parameters() if p.requires_grad) / 1e6
