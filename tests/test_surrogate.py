"""sknas.surrogate: the weighting ensemble, its online fit, and PO-NAS's proxy-contribution GP."""

import numpy as np
import pytest
import torch
from gpytorch.kernels import MaternKernel

from sknas.surrogate import (
    EnsembleContributionKernel,
    GlobalWeights,
    WeightGenerator,
    contribution_features,
    fit_contribution_gp,
    fit_gp,
    fit_weights,
    gp_hyperparameters,
    online_loss,
    posterior_mean_std,
    proxy_contributions,
    weighted_score,
)


def test_contributions_sum_to_the_score_and_use_the_inverted_metric_for_negative_weights():
    weights = torch.tensor([[2.0, -1.0, 1.0]])
    metrics = torch.tensor([[0.2, 0.9, 0.5]])
    phi = proxy_contributions(weights, metrics)
    np.testing.assert_allclose(phi.numpy(), [[0.5 * 0.2, 0.25 * (1 - 0.9), 0.25 * 0.5]], rtol=1e-6)
    assert weighted_score(weights, metrics).item() == pytest.approx(phi.sum().item())


def test_generator_members_are_independent_models():
    torch.manual_seed(0)
    model = WeightGenerator(8, 3, n_members=3)
    embeddings = torch.randn(5, 8)
    weights = model(embeddings)
    assert weights.shape == (3, 5, 3)
    assert not torch.allclose(weights[0], weights[1])  # independent initialisations
    weights[1].sum().backward()  # one member's output moves only that member's parameters
    for parameter in model.parameters():
        grad = parameter.grad.reshape(3, -1)
        assert grad[0].abs().sum() == 0 and grad[2].abs().sum() == 0 and grad[1].abs().sum() > 0


def test_generator_is_the_gated_mix_of_metric_tokens_and_what_they_read():
    # the documented function, written out with the gate on the concatenation
    # [metric token, read]: the generator's split of the gate's weight must match it, so that
    # saved weightings keep their meaning
    torch.manual_seed(0)
    model = WeightGenerator(8, 3, d=4, n_members=2)
    embeddings = torch.randn(5, 8)

    def linear(layer, x):  # each member's map on its rows x of shape (E, ..., in)
        middle = (1,) * (x.ndim - 3)
        return x @ layer.weight.view(2, *middle, *layer.weight.shape[1:]) + layer.bias.view(2, *middle, 1, -1)

    with torch.no_grad():
        gelu = torch.nn.functional.gelu
        architecture = linear(model.token_out, gelu(linear(model.token_hidden, embeddings.expand(2, 5, 8))))
        read = linear(model.read, architecture)[:, :, None, :].expand(-1, -1, 3, -1)
        metrics = model.metric_tokens[:, None].expand(-1, 5, -1, -1)
        gate = torch.sigmoid(linear(model.gate, torch.cat([metrics, read], dim=-1)))
        mixed = gate * metrics + (1 - gate) * read
        expected = linear(model.weight_out, gelu(linear(model.weight_hidden, mixed))).squeeze(-1)
        np.testing.assert_allclose(model(embeddings).numpy(), expected.numpy(), rtol=1e-5, atol=1e-6)


def test_online_loss_of_an_ensemble_is_each_members_loss():
    y = torch.tensor([60.0, 70.0, 70.05, 90.0, 80.0])
    scores = torch.rand(4, 5, generator=torch.Generator().manual_seed(0))
    batched = online_loss(scores, y)
    single = torch.stack([online_loss(row, y) for row in scores])
    np.testing.assert_allclose(batched.numpy(), single.numpy(), rtol=1e-5)


def test_an_ensemble_trains_as_its_members_would_alone():
    torch.manual_seed(1)
    embeddings, metrics = torch.randn(12, 8), torch.rand(12, 3)
    y = metrics[:, 0] * 100 - metrics[:, 2] * 30
    torch.manual_seed(2)
    ensemble = WeightGenerator(8, 3, n_members=2)
    alone = []
    for member in range(2):  # the same initial parameters, one member each
        model = WeightGenerator(8, 3, n_members=1)
        model.load_state_dict({name: value[member : member + 1].clone()
                               for name, value in ensemble.state_dict().items()})
        alone.append(model)
    # a few epochs: float rounding differs between batched and single matmuls, and the
    # ranking term's kinks amplify it over long runs
    settings = dict(epochs=5, learning_rate=3e-3, max_restarts=0)
    report = fit_weights(ensemble, embeddings, metrics, y, **settings)
    for member, model in enumerate(alone):
        fit_weights(model, embeddings, metrics, y, **settings)
        np.testing.assert_allclose(ensemble(embeddings)[member].detach().numpy(),
                                   model(embeddings)[0].detach().numpy(), rtol=1e-4, atol=1e-6)
    assert report.epochs == 5 and report.periods == 1


def test_global_weights_give_every_architecture_the_same_weights():
    weights = GlobalWeights(8, 4, n_members=2)(torch.randn(6, 8))
    assert weights.shape == (2, 6, 4) and torch.all(weights == 0.25)


def _contributions(n_members=3, n=40, k=4, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((n_members, n, k)) * 0.3


def test_ensemble_kernel_averages_the_members_matern_kernels():
    phi = _contributions()
    features = contribution_features(phi)
    scale = phi.max(axis=(0, 1))
    assert features.shape == (40, 13) and features[:, :12].max() <= 1.0
    assert np.allclose(features[:, :12].max(axis=0).reshape(3, 4).max(axis=0), 1)
    np.testing.assert_allclose(features[:, -1], phi.sum(axis=-1).mean(axis=0))  # the prior score: S̄
    np.testing.assert_array_equal(contribution_features(phi, np.arange(40.0))[:, -1], np.arange(40.0))
    kernel = EnsembleContributionKernel(3, 4).double()
    x = torch.as_tensor(features)
    matrix = kernel(x, x).to_dense()
    base = kernel.base_kernel
    expected = sum(base(torch.as_tensor(phi[e] / scale), torch.as_tensor(phi[e] / scale)).to_dense() for e in range(3)) / 3
    np.testing.assert_allclose(matrix.detach().numpy(), expected.detach().numpy(), rtol=1e-10)
    assert torch.linalg.eigvalsh(matrix).min() > -1e-8  # positive semi-definite
    np.testing.assert_allclose(kernel(x, x, diag=True).detach().numpy(), np.diag(matrix.detach().numpy()))


def test_ensemble_kernel_of_agreeing_members_is_the_single_kernel():
    phi = np.repeat(_contributions(1), 3, axis=0)
    features = contribution_features(phi)
    single = contribution_features(phi[:1])[:, :-1]
    kernel = EnsembleContributionKernel(3, 4).double()
    alone = MaternKernel(nu=2.5, ard_num_dims=4).double()
    alone.lengthscale = kernel.base_kernel.lengthscale.detach()
    np.testing.assert_allclose(kernel(torch.as_tensor(features)).to_dense().detach().numpy(),
                               alone(torch.as_tensor(single)).to_dense().detach().numpy(), rtol=1e-10)


def test_contribution_gp_learns_the_score_as_prior_mean_and_is_unsure_where_members_disagree():
    rng = np.random.default_rng(0)
    n_members, n, k = 4, 60, 3
    base = rng.random((n, k)) * 0.3
    phi = np.repeat(base[None], n_members, axis=0)
    phi[:, -1] = rng.random((n_members, k)) * 0.3  # the members disagree about the last row
    score = phi.sum(axis=-1).mean(axis=0)
    y = 50 + 40 * score + rng.normal(0, 0.2, n)
    features = contribution_features(phi)
    gp = fit_contribution_gp(features[:40], y[:40], n_members, seed=0)
    assert gp.mean_module.slope.item() > 0  # higher S, higher objective
    mean, std = posterior_mean_std(gp, features[40:])
    assert np.corrcoef(mean, y[40:])[0, 1] > 0.8
    agreeing = std[:-1]
    assert std[-1] > np.median(agreeing)
    again = fit_contribution_gp(features[:40], y[:40], n_members, seed=0)
    np.testing.assert_array_equal(posterior_mean_std(again, features[40:])[0], mean)  # deterministic


def test_fit_gp_starts_from_earlier_hyperparameters():
    rng = np.random.default_rng(0)
    X = rng.random((15, 2))
    y = np.sin(6 * X[:, 0]) + X[:, 1]
    first = fit_gp(X, y, seed=0)
    state = gp_hyperparameters(first)
    reused = fit_gp(X[:10], y[:10], hyperparameters=state)  # not fitted: the same hyperparameters
    assert torch.equal(reused.covar_module.base_kernel.lengthscale, first.covar_module.base_kernel.lengthscale)
    warm = fit_gp(np.vstack([X, rng.random((1, 2))]), np.append(y, 0.5), start_from=state, seed=0)
    assert not torch.equal(warm.covar_module.base_kernel.lengthscale, first.covar_module.base_kernel.lengthscale)


def test_contribution_gp_prior_mean_reads_the_prior_score_column():
    phi = _contributions(2, 30, 3)
    prior = np.linspace(0.0, 1.0, 30)
    features = contribution_features(phi, prior)
    gp = fit_contribution_gp(features, 3.0 * prior, 2, seed=0)
    mean = gp.mean_module(torch.as_tensor(features)).detach().numpy()
    np.testing.assert_allclose(mean, gp.mean_module.constant.item() + gp.mean_module.slope.item() * prior)
    assert gp.mean_module.slope.item() > 0  # the objective rises with the prior score
    warm = fit_contribution_gp(contribution_features(phi * 2, prior), 3.0 * prior, 2, seed=0,
                               start_from=gp_hyperparameters(gp))
    assert warm.mean_module.slope.item() > 0


def test_structure_kernel_explains_what_the_proxies_miss():
    # the objective follows the encoding (one-hot of 3 choices over 4 slots), not the proxies
    rng = np.random.default_rng(0)
    n_members, n = 2, 80
    encodings = np.eye(3)[rng.integers(3, size=(n, 4))].reshape(n, 12)
    y = encodings @ rng.normal(0, 1, 12) + rng.normal(0, 0.05, n)
    phi = _contributions(n_members, n, 3, seed=1)
    features = contribution_features(phi, encodings=encodings)
    assert features.shape == (n, n_members * 3 + 12 + 1)
    np.testing.assert_array_equal(features[:, n_members * 3 : -1], encodings)
    np.testing.assert_allclose(features[:, -1], phi.sum(axis=-1).mean(axis=0))  # still S̄ last
    with_structure = fit_contribution_gp(features[:60], y[:60], n_members, n_encoding=12, seed=0)
    contributions, structure = with_structure.covar_module.kernels
    assert structure.base_kernel.active_dims.tolist() == list(range(n_members * 3, n_members * 3 + 12))
    assert structure.outputscale.item() > contributions.outputscale.item()  # the structure explains y
    alone = fit_contribution_gp(contribution_features(phi)[:60], y[:60], n_members, seed=0)
    error = {name: np.abs(posterior_mean_std(gp, X[60:])[0] - y[60:]).mean()
             for name, gp, X in (("structure", with_structure, features),
                                 ("alone", alone, contribution_features(phi)))}
    assert error["structure"] < 0.5 * error["alone"]
