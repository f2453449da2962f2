"""Zero-cost proxies: definitions against naive reimplementations, sharing, NaN handling, scoring."""

from __future__ import annotations

import copy
import csv
import math
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
from scipy.stats import spearmanr
from torch import nn

from sknas.evaluation import TrainingEvaluator
from sknas.evaluation._training import architecture_seed
from sknas.proxies import (
    PONAS_PROXIES,
    ProxyScorer,
    available_proxies,
    combine_scores,
    compute,
    count_flops,
    normalise_scores,
    resolve_names,
)
from sknas.spaces import CellSpace, MLPSpace

ISSUE_NAMES = [
    "grad_norm", "snip", "grasp", "fisher", "synflow", "jacob_cov", "nwot", "zen", "epe_nas",
    "l2_norm", "plain", "params", "flops",
]
SMALL_CELLS = CellSpace(channels=4, cells_per_stage=1)
GOOD_CELL = "|nor_conv_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|"
DEAD_CELL = "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"
SAMPLE = Path(__file__).parent / "data" / "nb201_zc_cifar10_sample.csv"


def cell_network(cell=GOOD_CELL, seed=0, space=SMALL_CELLS, in_channels=1, size=8, n_classes=3):
    torch.manual_seed(seed)
    return space.build(space.parse(cell), (in_channels, size, size), n_classes)


def mlp_network(arch="mlp:64-128,relu,dropout=0.1,norm=batch", n_inputs=6, n_outputs=3, seed=0):
    torch.manual_seed(seed)
    space = MLPSpace()
    return space.build(space.parse(arch), (n_inputs,), n_outputs)


def image_batch(n=16, n_classes=3, seed=0, size=8):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, 1, size, size, generator=g), torch.arange(n) % n_classes


def tabular_batch(n=16, n_inputs=6, n_classes=3, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, n_inputs, generator=g), torch.arange(n) % n_classes


def weight_layers(net):
    return [m for m in net.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]


def loss_backward(net, X, y):
    """A fresh copy in training mode with dropout off, after loss.backward()."""
    net = copy.deepcopy(net).train()
    for m in net.modules():
        if isinstance(m, nn.Dropout):
            m.eval()
    nn.functional.cross_entropy(net(X), y).backward()
    return net


# ---------------------------------------------------------------------------------------------
# the registry
# ---------------------------------------------------------------------------------------------


def test_the_thirteen_proxies_of_the_issue_are_registered():
    assert sorted(available_proxies()) == sorted(ISSUE_NAMES)


def test_jacov_is_an_alias_of_jacob_cov():
    assert resolve_names("jacov") == ("jacob_cov",)
    assert resolve_names(["jacov", "jacob_cov", "snip"]) == ("jacob_cov", "snip")


def test_unknown_proxy_names_list_the_available_ones():
    with pytest.raises(ValueError, match="unknown proxy 'synflw'.*grad_norm.*zen"):
        resolve_names(["synflow", "synflw"])
    with pytest.raises(ValueError, match="no proxy names"):
        resolve_names([])
    with pytest.raises(ValueError, match="unknown proxy"):
        compute(mlp_network(), *tabular_batch(), ["fishr"])


# ---------------------------------------------------------------------------------------------
# each proxy as defined: against naive reimplementations
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("make", [cell_network, mlp_network], ids=["cell", "mlp"])
def test_every_proxy_is_finite_on_both_spaces(make):
    net = make()
    X, y = image_batch() if make is cell_network else tabular_batch()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no proxy may fail here
        scores = compute(net, X, y, available_proxies())
    assert list(scores) == available_proxies()
    assert all(math.isfinite(v) for v in scores.values())


def test_gradient_proxies_match_a_plain_backward_pass():
    net = mlp_network()
    X, y = tabular_batch()
    ref = loss_backward(net, X, y)
    layers = weight_layers(ref)
    for m in layers:
        m.weight.requires_grad_(False)
    scores = compute(net, X, y, ["grad_norm", "snip", "plain"])
    assert scores["grad_norm"] == pytest.approx(sum(float(m.weight.grad.norm()) for m in layers), rel=1e-5)
    assert scores["snip"] == pytest.approx(sum(float((m.weight * m.weight.grad).abs().sum()) for m in layers), rel=1e-5)
    assert scores["plain"] == pytest.approx(sum(float((m.weight * m.weight.grad).sum()) for m in layers), rel=1e-5)


def test_grasp_matches_two_separate_passes_as_in_the_suite():
    net = cell_network()
    X, y = image_batch()
    ref = copy.deepcopy(net).train()
    weights = [m.weight for m in weight_layers(ref)]
    first = torch.autograd.grad(nn.functional.cross_entropy(ref(X), y), weights)
    second = torch.autograd.grad(nn.functional.cross_entropy(ref(X), y), weights, create_graph=True)
    hg = torch.autograd.grad(sum((a * b).sum() for a, b in zip(first, second)), weights)
    expected = -sum(float((w.detach() * h).sum()) for w, h in zip(weights, hg))
    assert compute(net, X, y, ["grasp"])["grasp"] == pytest.approx(expected, rel=1e-4)


def test_fisher_sums_half_the_squared_channel_saliency_over_the_batch():
    net = cell_network()
    X, y = image_batch()
    ref = copy.deepcopy(net).train()
    outputs = []

    def keep(module, args, output):
        output.retain_grad()
        outputs.append(output)

    for layer in weight_layers(ref):
        layer.register_forward_hook(keep)
    nn.functional.cross_entropy(ref(X), y).backward()
    expected = 0.0
    for a in outputs:
        g_nk = (a * a.grad).sum(dim=(2, 3)) if a.dim() == 4 else a * a.grad
        expected += float(0.5 * g_nk.detach().pow(2).mean(0).sum())
    assert compute(net, X, y, ["fisher"])["fisher"] == pytest.approx(expected, rel=1e-5)


def input_jacobian(net, X):
    """∂(Σ outputs)/∂x per sample, flattened, from a plain backward pass in training mode."""
    x = X.clone().requires_grad_(True)
    copy.deepcopy(net).train()(x).sum().backward()
    return x.grad.reshape(len(x), -1).double().numpy()


def test_jacob_cov_matches_its_formula():
    net = cell_network()
    X, y = image_batch()
    corr = np.corrcoef(input_jacobian(net, X))
    eig = np.real(np.linalg.eig(corr)[0])
    expected = -np.sum(np.log(eig + 1e-5) + 1.0 / (eig + 1e-5))
    assert compute(net, X, y, ["jacov"])["jacob_cov"] == pytest.approx(expected, rel=1e-6)


def test_epe_nas_matches_its_per_class_formula():
    net = cell_network()
    X, y = image_batch()
    J = input_jacobian(net, X)
    expected = sum(abs(np.sum(np.log(np.abs(np.corrcoef(J[y.numpy() == c])) + 1e-5))) for c in range(3))
    assert compute(net, X, y, ["epe_nas"])["epe_nas"] == pytest.approx(expected, rel=1e-6)


def test_nwot_matches_the_hamming_kernel_of_relu_codes():
    net = cell_network()
    X, y = image_batch()
    ref = copy.deepcopy(net).train()
    K = np.zeros((len(X), len(X)))

    def hook(module, args):
        c = (args[0].detach().reshape(len(X), -1) > 0).double().numpy()
        K[:] += c @ c.T + (1 - c) @ (1 - c).T

    for m in ref.modules():
        if isinstance(m, nn.ReLU):
            m.register_forward_pre_hook(hook)
    ref(X)
    assert compute(net, X, y, ["nwot"])["nwot"] == pytest.approx(np.linalg.slogdet(K)[1], rel=1e-9)


def test_synflow_is_the_log_synaptic_flow_of_the_absolute_network_without_norms():
    net = mlp_network("mlp:64-128,relu,dropout=0,norm=none")
    X, y = tabular_batch()
    ref = copy.deepcopy(net).double()
    with torch.no_grad():
        for p in ref.parameters():
            p.abs_()
    ref(torch.ones(1, 6, dtype=torch.float64)).sum().backward()
    expected = math.log(sum(float((m.weight.detach() * m.weight.grad).sum()) for m in weight_layers(ref)))
    assert compute(net, X, y, ["synflow"])["synflow"] == pytest.approx(expected, rel=1e-12)
    # batch normalisation is bypassed, not applied to a batch of one
    with_norm = mlp_network("mlp:64-128,relu,dropout=0,norm=batch")
    assert compute(with_norm, X, y, ["synflow"])["synflow"] == pytest.approx(expected, rel=1e-12)


def test_synflow_ignores_the_data():
    net = cell_network()
    X, y = image_batch()
    assert compute(net, X, y, ["synflow"]) == compute(net, X * 5 + 1, y, ["synflow"])


def test_zen_redraws_the_weights_so_it_ignores_the_initialisation():
    X, y = image_batch()
    a = compute(cell_network(seed=0), X, y, ["zen"], seed=7)["zen"]
    b = compute(cell_network(seed=1), X, y, ["zen"], seed=7)["zen"]
    assert a == pytest.approx(b, rel=1e-6)
    assert compute(cell_network(seed=0), X, y, ["zen"], seed=8)["zen"] != a


def test_l2_norm_and_params():
    net = mlp_network()
    X, y = tabular_batch()
    scores = compute(net, X, y, ["l2_norm", "params"])
    assert scores["l2_norm"] == pytest.approx(sum(float(m.weight.detach().norm()) for m in weight_layers(net)), rel=1e-6)
    assert scores["params"] == sum(p.numel() for p in net.parameters()) / 1e6


def test_count_flops_of_convolutions_pools_norms_and_activations():
    net = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.AvgPool2d(2),
                        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 10))
    conv = 8 * 3 * 9 * 64 + 8 * 64
    expected = conv + 2 * 8 * 64 + 8 * 64 + 4 * 8 * 16 + 8 * 16 + (8 * 10 + 10)
    assert count_flops(net, (3, 8, 8)) == expected
    assert compute(net, torch.zeros(2, 3, 8, 8), torch.tensor([0, 1]), ["flops"])["flops"] == expected / 1e6


# ---------------------------------------------------------------------------------------------
# sharing passes changes nothing; the network is left alone
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("make", [cell_network, mlp_network], ids=["cell", "mlp"])
def test_proxies_computed_together_equal_proxies_computed_alone(make):
    net = make()
    X, y = image_batch() if make is cell_network else tabular_batch()
    together = compute(net, X, y, available_proxies())
    for name in available_proxies():
        assert compute(net, X, y, [name])[name] == pytest.approx(together[name], rel=1e-6, abs=1e-12), name


def test_compute_leaves_the_network_untouched():
    net = cell_network().eval()
    before = copy.deepcopy(net.state_dict())
    compute(net, *image_batch(), available_proxies())
    assert not net.training
    assert all(p.grad is None for p in net.parameters())
    after = net.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)


def test_compute_takes_string_labels():
    X, y = image_batch()
    names = np.array(["ant", "bee", "cat"])[y.numpy()]
    assert compute(cell_network(), X, names, ["snip", "epe_nas"]) == compute(cell_network(), X, y, ["snip", "epe_nas"])


def test_compute_is_deterministic():
    X, y = image_batch()
    assert compute(cell_network(), X, y, available_proxies()) == compute(cell_network(), X, y, available_proxies())


# ---------------------------------------------------------------------------------------------
# failures become NaN, never exceptions
# ---------------------------------------------------------------------------------------------


def test_a_network_with_no_path_from_the_input_gives_nan_with_reasons():
    net = cell_network(DEAD_CELL)
    with pytest.warns(RuntimeWarning, match="jacob_cov: .*constant"):
        scores = compute(net, *image_batch(), available_proxies())
    for name in ("jacob_cov", "synflow", "nwot", "zen"):
        assert math.isnan(scores[name]), name
    assert scores["params"] > 0 and math.isfinite(scores["flops"])


class Exploding(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(6, 3)

    def forward(self, x):
        if self.training:
            raise RuntimeError("boom")
        return self.linear(x)


def test_a_failing_forward_pass_gives_nan_for_what_needs_it_only():
    with pytest.warns(RuntimeWarning, match="grad_norm: RuntimeError: boom"):
        scores = compute(Exploding(), *tabular_batch(), ["grad_norm", "params", "synflow"])
    assert math.isnan(scores["grad_norm"])
    assert scores["params"] == 21 / 1e6
    assert math.isfinite(scores["synflow"])  # synflow runs in eval mode


def test_epe_nas_is_nan_for_regression_and_the_rest_works():
    X, _ = tabular_batch()
    net = mlp_network(n_outputs=1)
    with pytest.warns(RuntimeWarning, match="epe_nas is defined for classification only"):
        scores = compute(net, X, torch.randn(len(X)), available_proxies())
    assert math.isnan(scores["epe_nas"])
    assert all(math.isfinite(v) for k, v in scores.items() if k != "epe_nas")


# ---------------------------------------------------------------------------------------------
# ProxyScorer
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def images():
    rng = np.random.default_rng(0)
    return rng.normal(size=(80, 1, 8, 8)).astype(np.float32), rng.integers(0, 3, size=80)


@pytest.fixture(scope="module")
def cells():
    return SMALL_CELLS.sample_pool(6, np.random.default_rng(0))


def test_scorer_shape_and_column_order(images, cells):
    scorer = ProxyScorer(SMALL_CELLS, ["synflow", "jacov", "params"], *images, random_state=0)
    assert scorer.names == ("synflow", "jacob_cov", "params")
    scores = scorer.score(cells)
    assert scores.shape == (6, 3)
    assert scorer.score([]).shape == (0, 3)
    assert len(scorer.X_batch_) == 64


def test_scorer_is_reproducible_and_independent_of_order(images, cells):
    a = ProxyScorer(SMALL_CELLS, PONAS_PROXIES, *images, random_state=3).score(cells)
    b = ProxyScorer(SMALL_CELLS, PONAS_PROXIES, *images, random_state=3).score(cells[::-1])
    np.testing.assert_array_equal(a, b[::-1])
    c = ProxyScorer(SMALL_CELLS, PONAS_PROXIES, *images, random_state=4).score(cells)
    assert not np.array_equal(a, c)


def test_scorer_in_parallel_equals_serial(images, cells):
    serial = ProxyScorer(SMALL_CELLS, ["snip", "nwot", "synflow"], *images, random_state=1).score(cells)
    parallel = ProxyScorer(SMALL_CELLS, ["snip", "nwot", "synflow"], *images, random_state=1, n_jobs=2).score(cells)
    np.testing.assert_allclose(parallel, serial, rtol=1e-6)


def test_scorer_scores_the_weights_the_training_evaluator_starts_from(images, cells):
    X, y = images
    evaluator = TrainingEvaluator(SMALL_CELLS, X, y, X, y, seed=11)
    scorer = ProxyScorer(SMALL_CELLS, ["l2_norm"], X, y, random_state=11)
    expected = [compute(evaluator.build(a), X[:2], y[:2], ["l2_norm"])["l2_norm"] for a in cells]
    np.testing.assert_allclose(scorer.score(cells)[:, 0], expected, rtol=1e-6)


def test_scorer_gives_exactly_what_compute_gives_on_the_same_network(images, cells):
    # the scorer runs the shared pass on the network it built and rebuilds it for the proxies
    # that change weights; compute deep-copies the network it is handed: the same scores
    X, y = images
    names = available_proxies()
    scorer = ProxyScorer(SMALL_CELLS, names, X, y, random_state=5)
    evaluator = TrainingEvaluator(SMALL_CELLS, X, y, X, y, seed=5)
    for arch, row in zip(cells, scorer.score(cells)):
        expected = compute(evaluator.build(arch), scorer.X_batch_, scorer.y_batch_, names,
                           seed=architecture_seed(5 + 3, arch))
        np.testing.assert_array_equal(row, [expected[name] for name in names])


class CountingSpace(CellSpace):
    def __init__(self):
        super().__init__(channels=4, cells_per_stage=1)
        self.built = 0

    def build(self, arch, input_shape, n_outputs):
        self.built += 1
        return super().build(arch, input_shape, n_outputs)


def test_scorer_caches_scores_per_architecture(images, cells):
    space = CountingSpace()
    scorer = ProxyScorer(space, ["params"], *images, random_state=0)
    first = scorer.score(cells[:3])
    again = scorer.score(cells[2::-1] + cells[:1])
    assert space.built == 3
    np.testing.assert_array_equal(again[:3], first[::-1])


def test_scorer_records_nan_with_the_reason(images):
    scorer = ProxyScorer(SMALL_CELLS, ["jacob_cov", "params"], *images, random_state=0)
    dead, good = SMALL_CELLS.parse(DEAD_CELL), SMALL_CELLS.parse(GOOD_CELL)
    scores = scorer.score([dead, good])
    assert math.isnan(scores[0, 0]) and np.isfinite(scores[1]).all() and scores[0, 1] > 0
    assert set(scorer.errors_) == {DEAD_CELL}
    assert "constant" in scorer.errors_[DEAD_CELL]["jacob_cov"]


def test_scorer_takes_labels_of_any_type_and_regression_targets(images, cells):
    X, y = images
    labels = np.array(["ant", "bee", "cat"])[y]
    by_name = ProxyScorer(SMALL_CELLS, ["grad_norm"], X, labels, random_state=0).score(cells[:2])
    by_index = ProxyScorer(SMALL_CELLS, ["grad_norm"], X, y, random_state=0).score(cells[:2])
    np.testing.assert_array_equal(by_name, by_index)
    regression = ProxyScorer(SMALL_CELLS, ["grad_norm", "epe_nas"], X, y + 0.5, random_state=0)
    assert regression.task == "regression" and regression.n_outputs == 1
    scores = regression.score(cells[:2])
    assert np.isfinite(scores[:, 0]).all() and np.isnan(scores[:, 1]).all()


def test_scorer_rejects_bad_input(images):
    X, y = images
    with pytest.raises(ValueError, match="8x8|at least 8"):
        ProxyScorer(SMALL_CELLS, ["params"], X[:, :, :4, :4], y)
    with pytest.raises(ValueError, match="NaN"):
        ProxyScorer(SMALL_CELLS, ["params"], np.where(X > 2, np.nan, X), y)
    with pytest.raises(ValueError, match="80 samples but y has 79"):
        ProxyScorer(SMALL_CELLS, ["params"], X, y[:-1])
    with pytest.raises(ValueError, match="unknown proxy"):
        ProxyScorer(SMALL_CELLS, ["nope"], X, y)
    with pytest.raises(ValueError, match="needs X and y"):
        ProxyScorer(SMALL_CELLS, ["params"])


# ---------------------------------------------------------------------------------------------
# normalisation and combination
# ---------------------------------------------------------------------------------------------


def test_normalise_ignores_nan_and_infinity():
    scores = np.array([[1.0, -np.inf, 7.0], [3.0, 2.0, 7.0], [np.nan, 4.0, 7.0], [2.0, 3.0, 7.0]])
    out = normalise_scores(scores)
    np.testing.assert_array_equal(out[:, 0], [0.0, 1.0, np.nan, 0.5])
    np.testing.assert_array_equal(out[:, 1], [np.nan, 0.0, 1.0, 0.5])
    np.testing.assert_array_equal(out[:, 2], [0.5] * 4)


def test_combine_averages_the_available_normalised_proxies():
    scores = np.array([[0.0, 10.0], [1.0, np.nan], [0.5, 20.0], [np.nan, np.nan]])
    combined = combine_scores(scores)
    np.testing.assert_allclose(combined[:3], [0.0, 1.0, 0.75])
    assert np.isnan(combined[3])
    # a negative weight reads the proxy inverted
    np.testing.assert_allclose(combine_scores(scores, [1.0, -1.0])[:3], [0.5, 1.0, 0.25])
    with pytest.raises(ValueError, match="one entry per proxy"):
        combine_scores(scores, [1.0])


# ---------------------------------------------------------------------------------------------
# against NAS-Bench-Suite-Zero's published values (NAS-Bench-201, CIFAR-10 skeleton)
# ---------------------------------------------------------------------------------------------


def suite_rows(n):
    with open(SAMPLE, newline="") as f:
        return list(csv.DictReader(f))[:n]


def check_against_the_suite(n):
    rows = suite_rows(n)
    space = CellSpace(channels=16, cells_per_stage=5)
    archs = [space.parse(r["arch_str"]) for r in rows]
    X = np.zeros((2, 3, 32, 32), dtype=np.float32)
    scores = ProxyScorer(space, ["params", "flops", "synflow"], X, [0, 1], n_outputs=10, random_state=0).score(archs)
    column = {name: np.array([float(r[name]) for r in rows]) for name in ("params", "flops", "synflow")}
    np.testing.assert_array_equal(np.round(scores[:, 0], 6), column["params"])
    assert spearmanr(scores[:, 1], column["flops"]).statistic > 0.99
    # the suite also counts a constant 1,078 operations of the skeleton that we do not
    np.testing.assert_allclose(column["flops"] - scores[:, 1], 0.001078, atol=1e-9)
    assert spearmanr(scores[:, 2], column["synflow"]).statistic > 0.99


def test_params_flops_and_synflow_agree_with_the_suite_on_60_cells():
    check_against_the_suite(60)


def test_scorer_scores_small_minibatches_on_one_thread_and_gives_the_threads_back(monkeypatch):
    from sknas._parallel import torch_threads
    from sknas.proxies import _scorer

    seen = []
    real = _scorer._score_architectures
    monkeypatch.setattr(_scorer, "_score_architectures",
                        lambda *args: seen.append(torch.get_num_threads()) or real(*args))
    space = CellSpace(channels=4, cells_per_stage=1)
    arch = space.sample(np.random.default_rng(0))
    rng = np.random.default_rng(0)
    y = rng.integers(3, size=64)
    small = ProxyScorer(space, ["synflow"], rng.random((64, 1, 8, 8)), y, random_state=0)  # 4,096 values
    large = ProxyScorer(space, ["synflow"], rng.random((64, 1, 20, 20)), y, random_state=0)  # 25,600
    with torch_threads(2):
        small.score([arch])
        large.score([arch])
        assert torch.get_num_threads() == 2
    assert seen == [1, 2]
