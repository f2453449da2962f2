"""Random translations of training images: what they move, and where they apply."""

import numpy as np
import pytest
import torch

from sknas.evaluation import TrainingEvaluator, TrainingRecipe, random_shifts
from sknas.spaces import CellSpace, MLPSpace


def translated(image: torch.Tensor, dy: int, dx: int) -> torch.Tensor:
    """``image`` (C, H, W) moved down by ``dy`` and right by ``dx``, its border repeated."""
    height, width = image.shape[1:]
    rows = torch.clamp(torch.arange(height) - dy, 0, height - 1)
    cols = torch.clamp(torch.arange(width) - dx, 0, width - 1)
    return image[:, rows][:, :, cols]


def test_each_image_moves_by_its_own_offset_within_the_limit_and_its_channels_together():
    images = torch.randn(64, 3, 6, 5)
    shifted = random_shifts(images, 2, torch.Generator().manual_seed(0))
    assert shifted.shape == images.shape
    seen = set()
    for image, moved in zip(images, shifted):
        offsets = [(dy, dx) for dy in range(-2, 3) for dx in range(-2, 3)
                   if torch.equal(moved, translated(image, dy, dx))]
        assert offsets, "every shifted image is a translation of its own image by at most 2 pixels"
        seen.add(offsets[0])
    assert len(seen) > 10  # the offsets are drawn per image, not once per batch


def test_the_offsets_come_from_the_generator():
    images = torch.randn(16, 1, 8, 8)
    first = random_shifts(images, 1, torch.Generator().manual_seed(3))
    again = random_shifts(images, 1, torch.Generator().manual_seed(3))
    other = random_shifts(images, 1, torch.Generator().manual_seed(4))
    assert torch.equal(first, again)
    assert not torch.equal(first, other)


def test_a_negative_shift_is_refused():
    with pytest.raises(ValueError, match="max_shift must be >= 0"):
        TrainingRecipe(max_shift=-1)


def image_data(n=96, seed=0):
    """A bright square in the left or right half of an 8 x 8 image: the class is the side."""
    rng = np.random.default_rng(seed)
    y = rng.integers(2, size=n)
    X = 0.1 * rng.normal(size=(n, 1, 8, 8)).astype(np.float32)
    for i, label in enumerate(y):
        top, left = rng.integers(1, 5), rng.integers(0, 2) + 5 * label
        X[i, 0, top : top + 2, left : left + 2] += 2.0
    return X[: 3 * n // 4], y[: 3 * n // 4], X[3 * n // 4 :], y[3 * n // 4 :]


def test_shifted_training_of_an_image_network_learns_and_differs_from_unshifted():
    space = CellSpace(channels=4, cells_per_stage=1)
    arch = space.sample(np.random.default_rng(1))
    results = {}
    for shift in (0, 1):
        evaluator = TrainingEvaluator(space, *image_data(), recipe=TrainingRecipe(epochs=8, batch_size=16,
                                                                                  max_shift=shift))
        module, _ = evaluator.fit_network(arch, evaluator.X_train, evaluator.y_train, evaluator.recipe)
        results[shift] = (evaluator.evaluate(arch), module)
    assert results[1][0].ok and results[1][0].objective >= 0.75
    assert not torch.equal(next(results[0][1].parameters()), next(results[1][1].parameters()))


def test_tabular_inputs_are_never_shifted():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 5)).astype(np.float32)
    y = (X[:, 0] > 0).astype(int)
    space = MLPSpace()
    arch = space.parse("mlp:64,relu,dropout=0,norm=none")
    modules = []
    for shift in (0, 3):
        evaluator = TrainingEvaluator(space, X[:60], y[:60], X[60:], y[60:],
                                      recipe=TrainingRecipe(epochs=3, max_shift=shift))
        modules.append(evaluator.fit_network(arch, evaluator.X_train, evaluator.y_train, evaluator.recipe)[0])
    for a, b in zip(modules[0].parameters(), modules[1].parameters()):
        assert torch.equal(a, b)
