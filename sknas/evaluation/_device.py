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
