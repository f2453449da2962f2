"""bfloat16 autocast and the channels-last layout (``precision``)."""

import numpy as np
import pytest
import torch

from sknas import RandomSearch
from sknas.evaluation import TrainingRecipe, resolve_precision, train_network
from sknas.evaluation import _device
from sknas.spaces import CellSpace

CPU = torch.device("cpu")
TINY_IMAGES = dict(budget=2, epochs=2, final_epochs=1, image_shape=(8, 8), random_state=0)


@pytest.mark.parametrize("native, images, asked, expected", [
    (True, True, "auto", ("bfloat16", True)),
    (True, False, "auto", ("float32", False)),   # perceptrons measured no faster
    (False, True, "auto", ("float32", False)),   # emulated bfloat16 is slow
    (False, True, "bfloat16", ("bfloat16", True)),
    (True, False, "bfloat16", ("bfloat16", False)),
    (True, True, "float32", ("float32", False)),
])
def test_auto_picks_bfloat16_for_image_networks_on_native_hardware(monkeypatch, native, images, asked, expected):
    monkeypatch.setattr(_device, "native_bfloat16", lambda device: native)
    assert resolve_precision(asked, CPU, images) == expected


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
