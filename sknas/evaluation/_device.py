"""Where networks train: the device a user names, checked before any work."""

from __future__ import annotations

import functools

import torch


def resolve_device(device: str | torch.device) -> torch.device:
    """``"auto"`` means CUDA when available, else CPU; a device that cannot train is an error.

    A CUDA device must exist (``"cuda:N"`` with ``N`` below the number of GPUs); any other
    device but the CPU is tried once per process (a tiny tensor, a backward pass, its value
    read back), so that ``"meta"``, or ``"mps"`` on a machine without it, is refused here
    rather than failing every candidate later. CUDA is not tried: that would create its
    context in this process before workers are forked.

    Parameters
    ----------
    device : str or torch.device
        ``"auto"``, ``"cpu"``, ``"cuda"``, ``"cuda:N"`` or another torch device.

    Returns
    -------
    device : torch.device
        The device to train on.

    Raises
    ------
    ValueError
        If the device is unknown, absent, or cannot train networks on this machine.
    """
    if str(device) == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError):
        raise ValueError(f"unknown device {device!r}; use 'cpu', 'cuda', 'cuda:N' or 'auto'") from None
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device={device!r} was asked for but CUDA is not available; use device='cpu'")
    if resolved.type == "cuda" and (resolved.index or 0) >= torch.cuda.device_count():
        raise ValueError(
            f"device={device!r} was asked for but this machine has {torch.cuda.device_count()} "
            "CUDA device(s), numbered from 0; use 'cuda' or 'auto'"
        )
    if resolved.type not in ("cpu", "cuda"):
        _check_trainable(str(resolved))
    return resolved


@functools.cache  # a failed try raises, so only devices that work are cached
def _check_trainable(device: str) -> None:
    try:
        weight = torch.ones(2, device=device, requires_grad=True)
        loss = (weight * weight).sum()
        loss.backward()
        weight.grad.sum().item()  # reading a value back runs the work (a meta tensor has none)
    except (RuntimeError, NotImplementedError, AssertionError, ImportError, TypeError) as exc:
        reason = (str(exc).strip().splitlines() or [""])[0]
        raise ValueError(
            f"device={device!r} cannot train networks on this machine ({type(exc).__name__}: "
            f"{reason}); use device='cpu', or 'auto' for CUDA when it is available"
        ) from None


#: The dtypes networks may train in; ``precision`` may also be "auto" (one of them, chosen here).
TRAINING_DTYPES = ("float32", "bfloat16")
PRECISIONS = ("auto", *TRAINING_DTYPES)


def native_bfloat16(device: torch.device) -> bool:
    """Whether ``device`` computes in bfloat16 natively: a CUDA GPU that supports it, or a
    CPU with AVX-512 BF16 or AMX instructions (elsewhere bfloat16 is emulated, and slower).

    Parameters
    ----------
    device : torch.device
        A resolved device.

    Returns
    -------
    bool
        True when bfloat16 autocast is expected to be fast there.
    """
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    if device.type != "cpu":
        return False
    checks = (getattr(torch.cpu, "_is_avx512_bf16_supported", None), getattr(torch.cpu, "_is_amx_tile_supported", None))
    return any(check is not None and check() for check in checks)


def resolve_precision(precision: str, device: torch.device, images: bool) -> tuple[str, bool]:
    """The dtype networks train in and whether they use the channels-last memory layout.

    ``"auto"``, for convolutional networks (image inputs): bfloat16 autocast with
    channels-last on a device with native bfloat16 (:func:`native_bfloat16`), where it
    measured 1.3× (8×8) to 2.0× (28×28) faster on a CPU, test accuracy within noise of
    float32's; float32 with channels-last on any other CPU, where it measured 1.16–2.65×
    faster on the cells of the default space (pooling gains most) and computes the same
    sums in another order (``benchmarks/training_precision.md`` and
    ``training_precision_no_bf16.md``); float32 in the default layout on other devices.
    Perceptrons train in float32 everywhere: they measured no faster. ``"bfloat16"`` asks
    for bfloat16 with channels-last anywhere; ``"float32"`` for full precision and the
    default layout.

    Parameters
    ----------
    precision : {"auto", "float32", "bfloat16"}
        What the user asked for.
    device : torch.device
        Where the networks train.
    images : bool
        Whether the inputs are images (4-D).

    Returns
    -------
    dtype : {"float32", "bfloat16"}
        The autocast dtype of training (the weights stay float32).
    channels_last : bool
        Whether networks and batches use the channels-last layout.

    Examples
    --------
    >>> import torch
    >>> resolve_precision("float32", torch.device("cpu"), images=True)
    ('float32', False)
    >>> resolve_precision("auto", torch.device("cpu"), images=False)
    ('float32', False)
    """
    if precision not in PRECISIONS:
        raise ValueError(f"unknown precision {precision!r}; use one of {', '.join(PRECISIONS)}")
    if precision == "bfloat16":
        return precision, images
    if precision == "float32" or not images:
        return "float32", False
    if native_bfloat16(device):
        return "bfloat16", True
    return "float32", device.type == "cpu"
