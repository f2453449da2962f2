"""bfloat16 autocast and the channels-last layout (``precision``)."""

import numpy as np
import pytest
import torch

from sknas import RandomSearch
from sknas.evaluation import TrainingRecipe, predict_outputs, resolve_precision, train_network
from sknas.evaluation import _device
from sknas.spaces import CellSpace

CPU = torch.device("cpu")
TINY_IMAGES = dict(budget=2, epochs=2, final_epochs=1, image_shape=(8, 8), random_state=0)


@pytest.mark.parametrize("native, images, asked, device, expected", [
    (True, True, "auto", "cpu", ("bfloat16", True)),
    (True, False, "auto", "cpu", ("float32", False)),   # perceptrons measured no faster
    (False, True, "auto", "cpu", ("float32", True)),    # emulated bfloat16 is slow; channels-last is not
    (False, True, "auto", "cuda", ("float32", False)),  # channels-last in float32 unmeasured on a GPU
    (True, True, "auto", "cuda", ("bfloat16", True)),
    (False, True, "bfloat16", "cpu", ("bfloat16", True)),
    (True, False, "bfloat16", "cpu", ("bfloat16", False)),
    (True, True, "float32", "cpu", ("float32", False)),
    (False, True, "float32", "cpu", ("float32", False)),
])
def test_auto_picks_bfloat16_or_channels_last_for_image_networks(monkeypatch, native, images, asked, device,
                                                                  expected):
    monkeypatch.setattr(_device, "native_bfloat16", lambda device: native)
    assert resolve_precision(asked, torch.device(device), images) == expected


def test_unknown_precisions_are_refused():
    with pytest.raises(ValueError, match="unknown precision 'half'"):
        resolve_precision("half", CPU, True)
    with pytest.raises(ValueError, match="unknown precision 'auto'; use 'float32' or 'bfloat16'"):
        TrainingRecipe(precision="auto")


def test_bfloat16_channels_last_training_learns_and_hands_back_the_default_layout():
    space = CellSpace(channels=8, cells_per_stage=1)
    torch.manual_seed(0)
    module = space.build(space.parse("|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|none~0|avg_pool_3x3~1|"
                                     "nor_conv_3x3~2|"), (1, 8, 8), 2)
    X = torch.randn(128, 1, 8, 8)
    y = (X.mean(dim=(1, 2, 3)) > 0).long()
    losses = train_network(module, X, y, task="classification", device=CPU, generator=torch.Generator().manual_seed(0),
                           recipe=TrainingRecipe(epochs=6, precision="bfloat16", channels_last=True))
    assert losses[-1] < losses[0]
    assert all(p.dtype == torch.float32 and p.is_contiguous() for p in module.parameters())


def test_a_bfloat16_search_is_deterministic_and_predicts_in_float32(digits):
    X, y = digits
    first = RandomSearch(**TINY_IMAGES, precision="bfloat16").fit(X, y)
    again = RandomSearch(**TINY_IMAGES, precision="bfloat16").fit(X, y)
    assert first.precision_ == "bfloat16"
    assert first.results_["objective"] == again.results_["objective"]
    np.testing.assert_array_equal(first.predict_proba(X), again.predict_proba(X))
    assert first.predict_proba(X).dtype == np.float64


def test_float32_turns_it_off(digits):
    search = RandomSearch(**TINY_IMAGES, precision="float32").fit(*digits)
    assert search.precision_ == "float32"
    with pytest.raises(ValueError, match="precision"):
        RandomSearch(**TINY_IMAGES, precision="fp16").fit(*digits)


def test_float32_channels_last_trains_the_same_network_as_the_default_layout():
    """channels-last only reorders memory: the same initial weights and batches give the same
    training, up to the order of float sums."""
    space = CellSpace(channels=8, cells_per_stage=1)
    arch = space.parse("|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|none~0|avg_pool_3x3~1|nor_conv_3x3~2|")
    X = torch.randn(96, 1, 8, 8, generator=torch.Generator().manual_seed(1))
    y = (X.mean(dim=(1, 2, 3)) > 0).long()
    trained = {}
    for channels_last in (False, True):
        torch.manual_seed(0)
        module = space.build(arch, (1, 8, 8), 2)
        losses = train_network(module, X, y, task="classification", device=CPU,
                               generator=torch.Generator().manual_seed(0),
                               recipe=TrainingRecipe(epochs=3, channels_last=channels_last))
        trained[channels_last] = (losses, module)
    np.testing.assert_allclose(trained[True][0], trained[False][0], rtol=1e-4)
    assert all(p.is_contiguous() for p in trained[True][1].parameters())
    # AdamW turns a gradient at rounding level into a step of the learning rate, so a few
    # weights differ by that much; the functions the two networks compute agree.
    outputs = [predict_outputs(trained[layout][1], X, CPU) for layout in (True, False)]
    torch.testing.assert_close(*outputs, rtol=1e-3, atol=1e-3)
