"""Hardware profilers of built networks: parameters, FLOPs, latency."""

from __future__ import annotations

import gzip
import math

import numpy as np
import pytest
import torch
from torch import nn

from sknas.bench import read_table
from sknas.bench._tables import MAX_HEADER_BYTES
from sknas.evaluation._training import build_network
from sknas.hardware import (
    METRICS,
    NetworkProfiler,
    TableProfiler,
    count_params,
    hypervolume,
    hypervolume_ratio,
    measure_latency,
    pareto_mask,
)
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
    wide = profiler.profile(space.parse("mlp:256,relu,dropout=0,norm=none"))
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


# -- Pareto fronts -------------------------------------------------------------------------


def test_pareto_mask_keeps_the_non_dominated_rows():
    rng = np.random.default_rng(0)
    points = rng.random((200, 2))
    mask = pareto_mask(points)
    for i, p in enumerate(points):
        dominated = ((points <= p).all(axis=1) & (points < p).any(axis=1)).any()
        assert mask[i] == (not dominated)


def test_hypervolume_of_a_staircase():
    # the box [0.5, 1] x [0.25, 1] of the first point, plus the strip [0.25, 0.5] x [0.5, 1]
    front = [[0.5, 0.25], [0.25, 0.5]]
    assert hypervolume(front, [1.0, 1.0]) == pytest.approx(0.5 * 0.75 + 0.25 * 0.5)
    assert hypervolume([[2.0, 0.0]], [1.0, 1.0]) == 0.0  # outside the reference: nothing
    assert hypervolume(np.empty((0, 2)), [1.0, 1.0]) == 0.0


def test_the_true_front_has_ratio_one_and_a_subset_less():
    rng = np.random.default_rng(1)
    points = rng.random((100, 3))
    front = points[pareto_mask(points)]
    reference = points.max(axis=0) + 0.1
    assert hypervolume_ratio(front, front, reference) == pytest.approx(1.0)
    assert hypervolume_ratio(points, front, reference) == pytest.approx(1.0)  # dominated add nothing
    assert hypervolume_ratio(front[:1], front, reference) < 1.0


def test_bad_points_are_refused():
    with pytest.raises(ValueError, match="must be finite"):
        pareto_mask([[0.0, np.nan]])
    with pytest.raises(ValueError, match="shape \\(n_points, n_objectives >= 2\\)"):
        pareto_mask([1.0, 2.0])
    with pytest.raises(ValueError, match="reference has 3 objectives but the points have 2"):
        hypervolume([[0.0, 0.0]], [1.0, 1.0, 1.0])


# -- tables of costs -----------------------------------------------------------------------


def _csv(tmp_path, text, name="costs.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_a_ragged_hardware_csv_names_its_line(tmp_path):
    path = _csv(tmp_path, f"arch_str,ms\n{CELL},1.5\n\n{CELL}x,2.0,7\n")
    with pytest.raises(ValueError, match=r"costs.csv, line 4: 3 fields where the header has 2 \(arch_str, ms\)"):
        TableProfiler(path)
    short = _csv(tmp_path, f"arch_str,ms,mj\n{CELL},1.5\n", "short.csv")
    with pytest.raises(ValueError, match="line 2: 2 fields where the header has 3"):
        TableProfiler(short)


def test_a_binary_or_endless_hardware_table_fails_fast(tmp_path):
    with pytest.raises(ValueError, match="/dev/zero is not a text CSV file"):
        TableProfiler("/dev/zero")
    latin = tmp_path / "latin.csv"
    latin.write_bytes("arch_str,ms\ncaf\xe9,1\n".encode("latin-1"))
    with pytest.raises(ValueError, match="is not UTF-8 text"):
        TableProfiler(latin)
    no_lines = _csv(tmp_path, "a" * (MAX_HEADER_BYTES + 10), "one_line.csv")
    with pytest.raises(ValueError, match="has no line break in its first 1 MB"):
        TableProfiler(no_lines)
    not_gzip = _csv(tmp_path, "arch_str,ms\n", "costs.csv.gz")
    with pytest.raises(ValueError, match="cannot be decompressed as gzip"):
        TableProfiler(not_gzip)


def test_a_table_over_the_size_limit_is_refused(tmp_path):
    path = _csv(tmp_path, f"arch_str,ms\n{CELL},1.5\n" * 10)
    assert len(read_table(path, max_bytes=10_000)["ms"]) == 19  # (the repeated header reads as a row)
    with pytest.raises(ValueError, match="holds more than 100 bytes of text; pass a smaller table"):
        read_table(path, max_bytes=100)
    huge = tmp_path / "huge.csv.gz"  # a small file that decompresses to more than the limit
    with gzip.open(huge, "wb") as f:
        f.write(b"arch_str,ms\n" + b"x,1\n" * 300_000)
    with pytest.raises(ValueError, match="holds more than 1 MB"):
        read_table(huge, max_bytes=2**20)


def test_table_columns_and_rows_must_be_consistent(tmp_path):
    with pytest.raises(ValueError, match="must all have the 2 rows of 'arch_str'; 'ms' has 1"):
        TableProfiler({"arch_str": ["a", "b"], "ms": [1.0]})
    with pytest.raises(ValueError, match="more than one row for a; keep one per architecture"):
        TableProfiler({"arch_str": ["a", "b", "a"], "ms": [1.0, 2.0, 3.0]})
    with pytest.raises(ValueError, match=r"names the columns \['ms'\] more than once"):
        TableProfiler(_csv(tmp_path, "arch_str,ms,ms\na,1,2\n"))
    with pytest.raises(ValueError, match="no numeric column of costs"):
        TableProfiler({"arch_str": ["a"], "device": ["phone"]})
