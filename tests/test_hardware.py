"""Hardware profilers of built networks: parameters, FLOPs, latency."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from sknas.evaluation._training import build_network
from sknas.hardware import METRICS, NetworkProfiler, count_params, measure_latency
from sknas.proxies import count_flops
from sknas.spaces import CellSpace, MLPSpace

CELL = "|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|none~0|avg_pool_3x3~1|nor_conv_3x3~2|"


def test_count_params_counts_trainable_parameters_only():
    module = nn.Sequential(nn.Linear(3, 5), nn.BatchNorm1d(5), nn.Linear(5, 2))
    assert count_params(module) == 3 * 5 + 5 + 2 * 5 + 5 * 2 + 2
    module[0].requires_grad_(False)
    assert count_params(module) == 2 * 5 + 5 * 2 + 2


def test_the_profile_is_that_of_the_network_a_search_builds():
    space = CellSpace(channels=4, cells_per_stage=1)
    arch = space.parse(CELL)
    profiler = NetworkProfiler(space, (1, 8, 8), 10, repeats=2, number=1, warmup=1, seed=3)
    costs = profiler.profile(arch)
    assert list(costs) == list(METRICS) == list(profiler.columns)
    module = build_network(space, arch, (1, 8, 8), 10, seed=3)
    assert costs["params"] == sum(p.numel() for p in module.parameters())
    assert costs["flops"] == count_flops(module, (1, 8, 8))
    assert math.isfinite(costs["latency_ms"]) and costs["latency_ms"] > 0
    # the counts are exact: a second profile repeats them
    again = profiler.profile(arch)
    assert (again["params"], again["flops"]) == (costs["params"], costs["flops"])


def test_a_wider_network_costs_more_params_and_flops():
    space = MLPSpace()
    profiler = NetworkProfiler(space, (20,), 3, metrics=("params", "flops"))
    narrow = profiler.profile(space.parse("mlp:64,relu,dropout=0,norm=none"))
    wide = profiler.profile(space.parse("mlp:512,relu,dropout=0,norm=none"))
    assert wide["params"] > narrow["params"] and wide["flops"] > narrow["flops"]


def test_latency_is_measured_in_eval_mode_without_gradients():
    seen = []

    class Spy(nn.Module):
        def forward(self, x):
            seen.append((self.training, torch.is_grad_enabled(), tuple(x.shape)))
            return x

    latency = measure_latency(Spy().train(), (3,), batch_size=4, warmup=2, repeats=3, number=2)
    assert latency > 0
    assert set(seen) == {(False, False, (4, 3))}
    assert len(seen) >= 2 + 3 * 2  # (the Timer also warms up before each measurement)


@pytest.mark.parametrize("name", ["batch_size", "repeats", "number"])
def test_latency_settings_are_checked(name):
    with pytest.raises(ValueError, match=f"{name} must be an integer >= 1"):
        measure_latency(nn.Linear(2, 2), (2,), **{name: 0})


def test_unknown_metrics_are_refused():
    with pytest.raises(ValueError, match="unknown metrics \\['energy'\\]; choose from params, flops, latency_ms"):
        NetworkProfiler(MLPSpace(), (4,), 2, metrics=("params", "energy"))
