"""Data augmentation of training images: random translations, and how far they go by default."""

from __future__ import annotations

from typing import Sequence

import torch

#: Image side (pixels) per pixel of ``max_shift="auto"``: 8-px digits get none (1 px cost
#: 0.002 of test accuracy there), 28-px MNIST and 32-px CIFAR 2 px (+0.0016 on MNIST, 4 of 5
#: seeds; ``benchmarks/augmentation.md``).
PIXELS_PER_SHIFT = 14


def auto_max_shift(input_shape: Sequence[int]) -> int:
    """The largest random translation ``max_shift="auto"`` gives inputs of ``input_shape``.

    One pixel per :data:`PIXELS_PER_SHIFT` of the shorter image side, rounded down; none for
    tabular inputs (a 1-D ``input_shape``).

    Parameters
    ----------
    input_shape : sequence of int
        The shape of one sample: ``(C, H, W)`` for images, ``(n_features,)`` for tabular rows.

    Returns
    -------
    max_shift : int
        The largest move along each axis, in pixels.

    Examples
    --------
    >>> auto_max_shift((1, 28, 28)), auto_max_shift((1, 8, 8)), auto_max_shift((30,))
    (2, 0, 0)
    """
    if len(input_shape) != 3:
        return 0
    return min(int(input_shape[1]), int(input_shape[2])) // PIXELS_PER_SHIFT


def random_shifts(images: torch.Tensor, max_shift: int, generator: torch.Generator) -> torch.Tensor:
    """Each image moved by its own random offset of up to ``max_shift`` pixels along each axis.

    The images are padded by repeating their border pixels, then each is cropped back to its
    size at an offset drawn uniformly from ``[0, 2 * max_shift]`` per axis, so the content
    moves by ``-max_shift`` to ``max_shift`` pixels (the usual pad-and-crop augmentation;
    the repeated border keeps a uniform background uniform).

    Parameters
    ----------
    images : torch.Tensor of shape (n, C, H, W)
        A batch of images.
    max_shift : int
        The largest move along each axis, in pixels.
    generator : torch.Generator
        A CPU generator that draws the offsets.

    Returns
    -------
    shifted : torch.Tensor of shape (n, C, H, W)
        The moved images, on the device of ``images``.

    Examples
    --------
    >>> import torch
    >>> image = torch.arange(9.0).reshape(1, 1, 3, 3)
    >>> shifted = random_shifts(image, 1, torch.Generator().manual_seed(0))
    >>> shifted.shape
    torch.Size([1, 1, 3, 3])
    """
    n, _, height, width = images.shape
    padded = torch.nn.functional.pad(images, (max_shift,) * 4, mode="replicate")
    offsets = torch.randint(0, 2 * max_shift + 1, (2, n), generator=generator).to(images.device)
    rows = offsets[0, :, None] + torch.arange(height, device=images.device)  # (n, H)
    cols = offsets[1, :, None] + torch.arange(width, device=images.device)  # (n, W)
    batch = torch.arange(n, device=images.device)[:, None, None, None]
    channels = torch.arange(images.shape[1], device=images.device)[None, :, None, None]
    return padded[batch, channels, rows[:, None, :, None], cols[:, None, None, :]]
