"""The training evaluator: learning, reproducibility, failures, devices, recipes and scores."""

import math

import numpy as np
import pytest
import torch
from sklearn.metrics import accuracy_score, r2_score

from sknas.evaluation import (
    EvaluationResult,
    TrainingEvaluator,
    TrainingRecipe,
    resolve_device,
    score_outputs,
)
from sknas.spaces import CellSpace, MLPSpace

FAST = TrainingRecipe(epochs=15, batch_size=32)



def classification_data(n=300, seed=0):
    """Three well separated Gaussian blobs in five dimensions."""
    rng = np.random.default_rng(seed)
    centres = 4.0 * np.eye(3, 5)
    y = rng.integers(3, size=n)
    X = (centres[y] + rng.normal(size=(n, 5))).astype(np.float32)
    return X[: n * 3 // 4], y[: n * 3 // 4], X[n * 3 // 4 :], y[n * 3 // 4 :]


def regression_data(n=300, seed=0, n_targets=1):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4)).astype(np.float32)
    w = rng.normal(size=(4, n_targets))
    y = np.tanh(X) @ w + 0.05 * rng.normal(size=(n, n_targets))
    y = y.ravel() if n_targets == 1 else y
    return X[: n * 3 // 4], y[: n * 3 // 4], X[n * 3 // 4 :], y[n * 3 // 4 :]


def evaluator(space=None, data=None, **kwargs):
    kwargs.setdefault("recipe", FAST)
    return TrainingEvaluator(space or MLPSpace(), *(data or classification_data()), **kwargs)


def arch(string="mlp:64,relu,dropout=0,norm=none"):
    return MLPSpace().parse(string)


def n_params(module):
    return sum(p.numel() for p in module.parameters())


def assert_same_weights(a, b):
    sa, sb = a.state_dict(), b.state_dict()
    assert list(sa) == list(sb)
    for key in sa:
        assert torch.equal(sa[key], sb[key]), key


# ---------------------------------------------------------------------------------------------
# learning
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "string",
    ["mlp:64,relu,dropout=0,norm=none", "mlp:128-64,gelu,dropout=0.1,norm=batch", "mlp:64,tanh,dropout=0,norm=layer"],
)
def test_learns_an_easy_classification_problem(string):
    ev = evaluator()
    result = ev.evaluate(arch(string))
    assert isinstance(result, EvaluationResult)
    assert result.status == "ok" and result.ok and result.error is None
    assert result.objective > 0.9
    assert result.cost_s > 0
    assert result.metrics["params"] == n_params(ev.build(arch(string)))
    assert math.isfinite(result.metrics["train_loss"])
    assert ev.n_outputs == 3


def test_learns_an_easy_regression_problem():
    ev = evaluator(data=regression_data(), task="regression")
    assert ev.n_outputs == 1
    result = ev.evaluate(arch("mlp:64-64,silu,dropout=0,norm=none"))
    assert result.status == "ok"
    assert result.objective > 0.8


def test_learns_a_multi_target_regression_problem():
    ev = evaluator(data=regression_data(n_targets=3), task="regression")
    assert ev.n_outputs == 3
    result = ev.evaluate(arch("mlp:64-64,silu,dropout=0,norm=none"))
    assert result.status == "ok"
    assert result.objective > 0.8


def test_objective_is_the_validation_score():
    X_train, y_train, X_val, y_val = classification_data()
    ev = evaluator(data=(X_train, y_train, X_val, y_val))
    a = arch()
    module, losses = ev.fit_network(a, ev.X_train, ev.y_train, ev.recipe)
    assert len(losses) == ev.recipe.epochs
    assert losses[-1] < losses[0]
    assert not module.training  # left in eval mode
    with torch.no_grad():
        predicted = module(torch.as_tensor(X_val)).argmax(dim=1).numpy()
    assert ev.evaluate(a).objective == pytest.approx(accuracy_score(y_val, predicted))


def test_sgd_trains_too():
    ev = evaluator(recipe=TrainingRecipe(epochs=15, batch_size=32, optimizer="sgd"))
    result = ev.evaluate(arch())
    assert result.status == "ok"
    assert result.objective > 0.9
    adamw = evaluator().evaluate(arch())
    assert result.metrics["train_loss"] != adamw.metrics["train_loss"]  # another optimiser ran


def test_explicit_n_outputs():
    ev = evaluator(n_outputs=5)
    assert ev.n_outputs == 5
    assert ev.build(arch())(torch.zeros(2, 5)).shape == (2, 5)
    assert ev.evaluate(arch()).status == "ok"


def test_cell_space_image_path_end_to_end():
    rng = np.random.default_rng(0)
    y = rng.integers(2, size=160)
    X = rng.normal(size=(160, 1, 8, 8)).astype(np.float32)
    X[y == 1, :, :4, :] += 1.5  # class 1 is brighter in the top half
    space = CellSpace(channels=4, cells_per_stage=1)
    ev = TrainingEvaluator(
        space, X[:120], y[:120], X[120:], y[120:], recipe=TrainingRecipe(epochs=8, batch_size=32)
    )
    assert ev.input_shape == (1, 8, 8) and ev.n_outputs == 2
    cell = space.parse("|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|none~0|avg_pool_3x3~1|nor_conv_3x3~2|")
    result = ev.evaluate(cell)
    assert result.status == "ok", result.error
    assert result.objective > 0.8
    assert result.metrics["params"] == n_params(space.build(cell, (1, 8, 8), 2))
    again = ev.evaluate(cell)
    assert again.objective == result.objective
    assert again.metrics["train_loss"] == result.metrics["train_loss"]


# ---------------------------------------------------------------------------------------------
# reproducibility
# ---------------------------------------------------------------------------------------------

DROPOUT_BN = "mlp:64-64,relu,dropout=0.3,norm=batch"


@pytest.mark.parametrize("string", ["mlp:64,relu,dropout=0,norm=none", DROPOUT_BN])
def test_same_seed_gives_identical_objective_and_weights(string):
    a = arch(string)
    ev1, ev2 = evaluator(seed=3), evaluator(seed=3)
    torch.manual_seed(1)  # the global torch state must not matter
    m1, losses1 = ev1.fit_network(a, ev1.X_train, ev1.y_train, ev1.recipe)
    torch.manual_seed(2)
    m2, losses2 = ev2.fit_network(a, ev2.X_train, ev2.y_train, ev2.recipe)
    assert losses1 == losses2
    assert_same_weights(m1, m2)
    r1, r2 = ev1.evaluate(a), ev2.evaluate(a)
    assert r1.objective == r2.objective
    assert r1.metrics == r2.metrics
    # and the same evaluator twice in a row
    m3, losses3 = ev1.fit_network(a, ev1.X_train, ev1.y_train, ev1.recipe)
    assert losses3 == losses1
    assert_same_weights(m1, m3)


def test_another_seed_gives_other_weights():
    a = arch(DROPOUT_BN)
    first = evaluator(seed=0).build(a).state_dict()
    other = evaluator(seed=1).build(a).state_dict()
    assert any(not torch.equal(first[k], other[k]) for k in other)
    r0, r1 = evaluator(seed=0).evaluate(a), evaluator(seed=1).evaluate(a)
    assert r0.metrics["train_loss"] != r1.metrics["train_loss"]


def test_evaluation_order_does_not_change_results():
    archs = [arch(DROPOUT_BN), arch("mlp:64,gelu,dropout=0.1,norm=layer"), arch()]
    forward, backward = evaluator(seed=5), evaluator(seed=5)
    torch.manual_seed(10)
    first = {str(a): forward.evaluate(a) for a in archs}
    torch.manual_seed(20)
    torch.rand(100)
    second = {str(a): backward.evaluate(a) for a in reversed(archs)}
    for key in first:
        assert first[key].objective == second[key].objective
        assert first[key].metrics == second[key].metrics


def test_evaluate_leaves_the_global_torch_generator_alone():
    torch.manual_seed(123)
    expected = torch.rand(5)
    torch.manual_seed(123)
    evaluator().evaluate(arch(DROPOUT_BN))
    assert torch.equal(torch.rand(5), expected)


# ---------------------------------------------------------------------------------------------
# failures
# ---------------------------------------------------------------------------------------------


class BrokenSpace(MLPSpace):
    def build(self, arch, input_shape, n_outputs):
        raise RuntimeError("cannot build this network: out of memory")


def assert_failed(result, *fragments):
    assert isinstance(result, EvaluationResult)
    assert result.status == "failed"
    assert not result.ok
    assert math.isnan(result.objective)
    assert result.cost_s >= 0
    assert isinstance(result.error, str) and result.error
    for fragment in fragments:
        assert fragment in result.error, result.error


def test_a_candidate_whose_build_raises_fails_without_raising():
    result = evaluator(space=BrokenSpace()).evaluate(arch())
    assert_failed(result, "RuntimeError", "cannot build this network: out of memory")


def test_a_candidate_whose_build_raises_fails_via_monkeypatch(monkeypatch):
    space = MLPSpace()
    ev = evaluator(space=space)
    good = ev.evaluate(arch())
    assert good.status == "ok"

    def build(*args, **kwargs):
        raise ValueError("width 64 is unlucky")

    monkeypatch.setattr(space, "build", build)
    assert_failed(ev.evaluate(arch()), "ValueError", "width 64 is unlucky")


@pytest.mark.parametrize("task", ["classification", "regression"])
@pytest.mark.parametrize("epochs, batch_size", [(3, 32), (1, 10_000)])
def test_a_diverging_candidate_fails_without_raising(task, epochs, batch_size):
    data = classification_data() if task == "classification" else regression_data()
    recipe = TrainingRecipe(epochs=epochs, batch_size=batch_size, learning_rate=1e30)
    result = evaluator(data=data, task=task, recipe=recipe).evaluate(arch())
    # (1, 10_000): one step, the loss was finite, the weights are not
    assert_failed(result, "TrainingDiverged")
    assert "nan" in result.error.lower() or "inf" in result.error.lower() or "not finite" in result.error


@pytest.mark.filterwarnings("ignore:overflow encountered in cast:RuntimeWarning")
@pytest.mark.parametrize("bad", [np.nan, 1e39])
def test_non_finite_data_fails_without_raising(bad):
    X_train, y_train, X_val, y_val = classification_data()
    X_train = X_train.astype(np.float64)
    X_train[5, 2] = bad  # 1e39 overflows float32 to inf
    result = evaluator(data=(X_train, y_train, X_val, y_val)).evaluate(arch())
    assert_failed(result, "TrainingDiverged", "epoch 1")


def test_a_failed_candidate_does_not_disturb_the_next_one():
    ev = evaluator()
    before = ev.evaluate(arch())
    broken = evaluator(recipe=TrainingRecipe(epochs=2, learning_rate=1e30))
    assert broken.evaluate(arch()).status == "failed"
    after = ev.evaluate(arch())
    assert after.objective == before.objective


# ---------------------------------------------------------------------------------------------
# devices, recipes, tasks
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("device", ["cuda", "cuda:0", torch.device("cuda")])
def test_cuda_without_cuda_is_a_value_error(monkeypatch, device):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ValueError, match="CUDA"):
        evaluator(device=device)
    with pytest.raises(ValueError, match="CUDA is not available"):
        resolve_device(device)


def test_device_resolution(monkeypatch):
    assert resolve_device("cpu") == torch.device("cpu")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert resolve_device("auto") == torch.device("cpu")
    assert evaluator(device="auto").device == torch.device("cpu")
    with pytest.raises(ValueError, match="unknown device 'gpu'"):
        resolve_device("gpu")


def test_recipe_validation():
    with pytest.raises(ValueError, match="unknown optimizer 'adam'"):
        TrainingRecipe(optimizer="adam")
    for kwargs in [dict(epochs=0), dict(epochs=-3), dict(batch_size=0)]:
        with pytest.raises(ValueError, match="must be >= 1"):
            TrainingRecipe(**kwargs)
    assert TrainingRecipe().peak_learning_rate == pytest.approx(3e-3)
    assert TrainingRecipe(optimizer="sgd").peak_learning_rate == pytest.approx(0.05)
    assert TrainingRecipe(optimizer="sgd", learning_rate=0.2).peak_learning_rate == pytest.approx(0.2)
    assert TrainingRecipe(epochs=1, batch_size=1).epochs == 1


def test_unknown_task_is_rejected():
    with pytest.raises(ValueError, match="unknown task 'ranking'"):
        evaluator(task="ranking")


# ---------------------------------------------------------------------------------------------
# scores
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(5))
def test_score_outputs_matches_sklearn_accuracy(seed):
    rng = np.random.default_rng(seed)
    n_classes = int(rng.integers(2, 6))
    logits = rng.normal(size=(50, n_classes)).astype(np.float32)
    y = rng.integers(n_classes, size=50)
    score = score_outputs(torch.as_tensor(logits), torch.as_tensor(y), "classification")
    assert score == pytest.approx(accuracy_score(y, logits.argmax(axis=1)), abs=1e-12)
    assert score_outputs(torch.as_tensor(logits), torch.as_tensor(logits.argmax(axis=1)), "classification") == 1.0


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("n_targets", [1, 3])
def test_score_outputs_matches_sklearn_r2(seed, n_targets):
    rng = np.random.default_rng(seed)
    y = rng.normal(size=(40, n_targets)) * rng.uniform(0.5, 5, size=n_targets) + rng.normal(size=n_targets)
    pred = y + rng.normal(scale=rng.uniform(0.1, 2.0), size=y.shape)
    score = score_outputs(torch.as_tensor(pred, dtype=torch.float32), torch.as_tensor(y, dtype=torch.float32), "regression")
    assert score == pytest.approx(r2_score(y, pred), abs=1e-5)
    perfect = score_outputs(torch.as_tensor(y), torch.as_tensor(y), "regression")
    assert perfect == pytest.approx(1.0)


def test_score_outputs_on_a_constant_target_follows_sklearn():
    y = np.column_stack([np.full(20, 3.0), np.linspace(0, 1, 20)])
    good = y.copy()
    good[:, 1] += 0.1
    bad = good.copy()
    bad[:, 0] += 1.0
    for pred in (good, bad):
        expected = r2_score(y, pred)
        score = score_outputs(torch.as_tensor(pred), torch.as_tensor(y), "regression")
        assert score == pytest.approx(expected, abs=1e-9)
        assert math.isfinite(score)


def test_evaluation_result_helpers():
    ok = EvaluationResult(0.5, 1.0, {"params": 3.0})
    assert ok.ok and ok.status == "ok" and ok.error is None
    failed = EvaluationResult.failed("boom", cost_s=2.0, params=1.0)
    assert not failed.ok and failed.status == "failed" and failed.error == "boom"
    assert math.isnan(failed.objective) and failed.cost_s == 2.0 and failed.metrics == {"params": 1.0}
    assert not EvaluationResult(float("inf"), 0.0).ok


def test_validation_loss_matches_sklearn():
    from sklearn.metrics import log_loss, mean_squared_error

    from sknas.evaluation._training import validation_loss

    rng = np.random.default_rng(0)
    logits = rng.normal(size=(40, 3))
    y = rng.integers(3, size=40)
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    loss = validation_loss(torch.as_tensor(logits), torch.as_tensor(y), "classification")
    assert loss == pytest.approx(log_loss(y, proba, labels=[0, 1, 2]), rel=1e-9)
    outputs, targets = rng.normal(size=(40, 1)), rng.normal(size=(40, 1))
    loss = validation_loss(torch.as_tensor(outputs), torch.as_tensor(targets), "regression")
    assert loss == pytest.approx(mean_squared_error(targets, outputs), rel=1e-9)


# ---------------------------------------------------------------------------------------------
# settings that would train nothing
# ---------------------------------------------------------------------------------------------


def _train(string, batch_size, n=6):
    from sknas.evaluation import train_network

    X, y = torch.randn(n, 5, generator=torch.Generator().manual_seed(0)), torch.arange(n) % 2
    module = MLPSpace().build(arch(string), (5,), 2)
    before = [p.detach().clone() for p in module.parameters()]
    losses = train_network(module, X, y, task="classification", recipe=TrainingRecipe(epochs=1, batch_size=batch_size),
                           device=torch.device("cpu"), generator=torch.Generator().manual_seed(0))
    changed = any(not torch.equal(a, b) for a, b in zip(before, module.parameters()))
    return losses, changed


def test_batch_size_1_with_batch_norm_is_refused_instead_of_skipping_every_batch():
    with pytest.raises(ValueError, match="batch_size=1 cannot train a network with batch normalisation.*>= 2"):
        _train("mlp:64,relu,dropout=0,norm=batch", batch_size=1)


def test_batch_size_1_without_batch_norm_trains_on_every_sample():
    losses, changed = _train("mlp:64,relu,dropout=0,norm=none", batch_size=1)
    assert changed and losses[0] > 0


def test_a_one_sample_last_batch_is_skipped_but_the_epoch_still_steps():
    losses, changed = _train("mlp:64,relu,dropout=0,norm=batch", batch_size=4, n=5)  # batches of 4 and 1
    assert changed and losses[0] > 0


def test_a_device_that_cannot_train_is_refused_up_front():
    with pytest.raises(ValueError, match="device='meta' cannot train networks on this machine.*use device='cpu'"):
        resolve_device("meta")
    with pytest.raises(ValueError, match="cannot train networks|CUDA is not available"):
        evaluator(device="meta" if torch.backends.mps.is_available() else "mps")


def test_evaluate_keeps_the_untrained_validation_loss_to_show_whether_training_helped():
    ev = evaluator(data=regression_data(), task="regression", recipe=TrainingRecipe(epochs=2, batch_size=32))
    learned = ev.evaluate(arch())
    assert learned.metrics["val_loss"] < learned.metrics["initial_val_loss"]
    ev.recipe = TrainingRecipe(epochs=2, batch_size=32, learning_rate=1e3)
    wrecked = ev.evaluate(arch())
    assert wrecked.ok and wrecked.metrics["initial_val_loss"] == learned.metrics["initial_val_loss"]
    assert not wrecked.metrics["val_loss"] < wrecked.metrics["initial_val_loss"]


# ---------------------------------------------------------------------------------------------
# sample weights and batch-independent predictions
# ---------------------------------------------------------------------------------------------


def test_validation_weights_make_the_objective_a_weighted_accuracy():
    X_train, y_train, X_val, y_val = classification_data()
    plain = evaluator(data=(X_train, y_train, X_val, y_val))
    only_class_0 = (y_val == 0).astype(float)
    weighted = evaluator(data=(X_train, y_train, X_val, y_val), sample_weight_val=only_class_0)
    module, _ = plain.fit_network(arch(), plain.X_train, plain.y_train, plain.recipe)
    from sknas.evaluation import predict_outputs

    predicted = predict_outputs(module, plain.X_val, torch.device("cpu")).argmax(1).numpy()
    result = weighted.evaluate(arch())
    assert result.objective == pytest.approx(accuracy_score(y_val, predicted, sample_weight=only_class_0))
    assert result.metrics["val_loss"] != pytest.approx(plain.evaluate(arch()).metrics["val_loss"])


@pytest.mark.parametrize("name, weight", [
    ("sample_weight_train", -np.ones(225)),
    ("sample_weight_train", np.ones(10)),
    ("sample_weight_val", np.zeros(75)),
])
def test_evaluator_refuses_unusable_weights(name, weight):
    with pytest.raises(ValueError, match=f"{name} must hold .* finite, non-negative weights, not all zero"):
        evaluator(**{name: weight})


def test_fixed_batches_make_a_sample_s_output_independent_of_its_batch():
    from sknas.evaluation import predict_outputs

    module = MLPSpace().build(arch("mlp:128-64,gelu,dropout=0,norm=layer"), (5,), 3).eval()
    X = torch.randn(100, 5)
    whole = predict_outputs(module, X, torch.device("cpu"), batch_size=32, fixed_batch=True)
    alone = torch.cat([predict_outputs(module, X[i : i + 1], torch.device("cpu"), 32, fixed_batch=True)
                       for i in range(len(X))])
    assert torch.equal(whole, alone)
