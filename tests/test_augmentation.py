"""Random translations of training images: what they move, and where they apply."""

import numpy as np
import pytest
import torch

from sknas.evaluation import TrainingEvaluator, TrainingRecipe, auto_max_shift, random_shifts
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


@pytest.mark.parametrize("input_shape, expected", [((1, 28, 28), 2), ((3, 32, 32), 2), ((1, 8, 8), 0),
                                                    ((1, 13, 40), 0), ((64,), 0)])
def test_auto_gives_one_pixel_per_fourteen_of_the_shorter_side_and_none_to_tabular_rows(input_shape, expected):
    assert auto_max_shift(input_shape) == expected


@pytest.mark.filterwarnings("ignore:no candidate's validation loss")
def test_the_estimator_resolves_max_shift_and_trains_with_it():
    from sknas import RandomSearch

    rng = np.random.default_rng(0)
    X, y = rng.random((40, 1, 14, 14), dtype=np.float32), np.arange(40) % 2
    params = dict(budget=1, epochs=1, final_epochs=1, batch_size=16, space=CellSpace(channels=4), random_state=0)
    auto = RandomSearch(**params).fit(X, y)
    assert auto.max_shift_ == 1
    none = RandomSearch(**params, max_shift=0).fit(X, y)
    assert none.max_shift_ == 0
    assert auto.results_["val_loss"] != none.results_["val_loss"]  # the shifts reached training
    assert RandomSearch(**params, max_shift=1).fit(X, y).results_["val_loss"] == auto.results_["val_loss"]
    assert RandomSearch(space="mlp", budget=1, epochs=1, final_epochs=1).fit(X.reshape(40, -1), y).max_shift_ == 0


@pytest.mark.parametrize("max_shift, X, message", [
    (1, np.zeros((20, 5)), r"max_shift=1 moves images, but X is tabular \(5 features per row\)"),
    (8, np.zeros((20, 1, 8, 8)), r"max_shift=8 pixels is not smaller than the images \(8x8\)"),
    (-1, np.zeros((20, 1, 8, 8)), r"'max_shift' parameter .* Got -1"),
], ids=["tabular", "too large", "negative"])
def test_a_max_shift_that_cannot_apply_is_refused_before_training(max_shift, X, message):
    from sknas import RandomSearch

    with pytest.raises(ValueError, match=message):
        RandomSearch(budget=1, epochs=1, max_shift=max_shift).fit(X, np.arange(20) % 2)
