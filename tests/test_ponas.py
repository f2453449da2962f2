"""PO-NAS: the encoder and its pre-training, the weighting, the online loss, evolution, the
strategy and POnasSearch."""

import json

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits

from sknas import POnasSearch
from sknas.evaluation import EvaluationResult
from sknas.search._ponas import MIN_TIMED_POOL
from sknas.spaces import CellSpace, MLPSpace
from sknas.strategies import PONAS, breed, crossover, evolution_novelty
from sknas.surrogate import (
    GlobalWeights,
    GraphEncoder,
    WeightGenerator,
    fit_weights,
    graph_batch,
    online_loss,
    pretrain_encoder,
    weighted_score,
)

SPACE = CellSpace()
# cheap schedules: the behaviour, not the reference's epochs, is under test
FAST = dict(pretrain_epochs=5, online_epochs=20, max_online_epochs=60)


def result(objective):
    return EvaluationResult(float(objective), 0.0, {})


# -- weighted score and online loss ----------------------------------------------------------


def test_weighted_score_follows_the_formula_and_inverts_negative_weights():
    metrics = torch.tensor([[0.2, 0.9, 0.5], [1.0, 0.0, 0.3]])
    weights = torch.tensor([[2.0, -1.0, 1.0], [0.0, 0.0, -3.0]])
    expected = [0.5 * 0.2 + 0.25 * (1 - 0.9) + 0.25 * 0.5, 1 - 0.3]
    np.testing.assert_allclose(weighted_score(weights, metrics).numpy(), expected, rtol=1e-6)
    shared = weighted_score(torch.tensor([1.0, 1.0, 1.0]), metrics)  # one vector for all
    np.testing.assert_allclose(shared.numpy(), metrics.mean(dim=1).numpy(), rtol=1e-6)
    random = weighted_score(torch.randn(100, 3), torch.rand(100, 3))
    assert random.min() >= 0 and random.max() <= 1


def test_online_loss_rewards_agreement_and_punishes_each_inverted_pair():
    y = torch.tensor([70.0, 80.0, 90.0, 60.0])
    agreeing = (y - 60) / 30
    assert online_loss(agreeing, y).item() == pytest.approx(0.0, abs=1e-5)
    swapped = agreeing.clone()
    swapped[[0, 1]] = swapped[[1, 0]]
    # one inverted pair of six: Δs·Δy = -(1/3)(10) → ranking term 100 · (10/3) / 6
    assert online_loss(swapped, y).item() > 100 * (10 / 3) / 6
    assert online_loss(-agreeing, y).item() > online_loss(swapped, y).item()


def test_online_loss_leaves_inverted_near_ties_out_of_the_alignment_term():
    y = torch.tensor([80.0, 80.05, 90.0], dtype=torch.float64)
    s = torch.tensor([0.51, 0.5, 1.0], dtype=torch.float64)  # the 0.05-point pair is inverted
    pearson = np.corrcoef(s.numpy(), y.numpy())[0, 1]
    ranking = 100 * (0.01 * 0.05) / 3
    # kept pairs (0, 2), (1, 2): |ΔS| = 0.49, 0.5 and |Δy| = 10, 9.95 standardise to ∓1 and ±1
    expected = 1 - pearson + 0.5 * 4.0 + ranking
    assert online_loss(s, y, tie_threshold=0.1).item() == pytest.approx(expected, rel=1e-6)
    assert online_loss(s, y, tie_threshold=0.01).item() != pytest.approx(expected, rel=1e-3)


def test_fit_weights_learns_a_per_architecture_weighting():
    torch.manual_seed(0)
    n, k = 12, 3
    embeddings = torch.randn(n, 16)
    metrics = torch.rand(n, k)
    # the objective follows proxy 0 for half of the architectures and proxy 1 for the others
    group = embeddings[:, 0] > 0
    y = torch.where(group, metrics[:, 0], metrics[:, 1]) * 100
    model = WeightGenerator(16, k)
    before = online_loss(weighted_score(model(embeddings), metrics), y).item()
    report = fit_weights(model, embeddings, metrics, y, epochs=100, learning_rate=3e-3, max_epochs=600)
    after = online_loss(weighted_score(model(embeddings), metrics), y).item()
    assert after == pytest.approx(report.loss, rel=1e-4)
    assert after < before / 3
    assert report.epochs <= 600


def test_fit_weights_stops_at_the_target_and_restarts_with_longer_periods():
    torch.manual_seed(0)
    embeddings, metrics = torch.randn(5, 8), torch.rand(5, 2)
    y = metrics[:, 0] * 100
    easy = fit_weights(GlobalWeights(8, 2), embeddings, metrics, y, epochs=10, target_loss=1e9)
    assert easy.periods == 1 and easy.epochs == 10
    hard = fit_weights(GlobalWeights(8, 2), embeddings, metrics, -y, epochs=10, target_loss=-1.0, max_restarts=2)
    assert hard.periods == 3 and hard.epochs == 10 + 11 + 13


def test_fit_weights_stops_when_a_restart_period_stalls():
    torch.manual_seed(0)
    embeddings, metrics = torch.randn(6, 8), torch.rand(6, 2)
    y = torch.tensor([3.0, 1.0, 4.0, 1.5, 5.0, 9.0])  # no weighting of two proxies fits this order
    never = fit_weights(GlobalWeights(8, 2), embeddings, metrics, y, epochs=10, target_loss=-1.0, max_restarts=5)
    assert never.periods == 6
    # a restart must halve the loss to go on: the second period ends the fit
    stalled = fit_weights(GlobalWeights(8, 2), embeddings, metrics, y, epochs=10, target_loss=-1.0, max_restarts=5,
                          min_improvement=0.5)
    assert stalled.periods == 2 and stalled.epochs == 10 + 11 and stalled.loss >= never.loss


# -- encoder ---------------------------------------------------------------------------------


def test_graph_batch_adds_self_loops_and_marks_missing_edges():
    archs = [SPACE.parse("|nor_conv_3x3~0|+|none~0|skip_connect~1|+|none~0|none~1|avg_pool_3x3~2|")]
    graphs, n_edge_types = graph_batch(SPACE, archs)
    assert n_edge_types == 5
    edges = graphs.edge_types[0]
    assert (edges.diagonal() == 5).all()
    assert edges[1, 0] == 3 and edges[2, 1] == 1 and edges[3, 2] == 4
    assert edges[2, 0] == -1 and edges[0, 1] == -1


def test_encoder_nodes_only_read_their_predecessors():
    graphs, n_edge_types = graph_batch(SPACE, [SPACE.parse("|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|skip_connect~2|")])
    torch.manual_seed(0)
    encoder = GraphEncoder(graphs.node_features.shape[2], n_edge_types, 2)
    layer = encoder.layers[0]
    changed = graphs.node_features.clone()
    changed[0, 2] += 1.0  # node 2 is read by node 3 only
    before = layer(graphs.node_features, graphs.edge_types)
    after = layer(changed, graphs.edge_types)
    torch.testing.assert_close(before[0, :2], after[0, :2])
    assert not torch.allclose(before[0, 3], after[0, 3])


def test_pretraining_learns_the_proxies_keeps_the_best_epoch_and_is_seeded():
    pool = SPACE.sample_pool(200, np.random.default_rng(0))
    graphs, n_edge_types = graph_batch(SPACE, pool)
    # a proxy the graph determines: the number of convolutions, scaled to [0, 1]
    target = np.array([[sum("conv" in op for op in a.ops) / 6, a.ops.count("none") / 6] for a in pool])

    def pretrained(seed):
        torch.manual_seed(seed)
        encoder = GraphEncoder(graphs.node_features.shape[2], n_edge_types, 2)
        with torch.no_grad():
            initial = float(((encoder.predict_proxies(graphs) - torch.as_tensor(target, dtype=torch.float32)) ** 2).mean())
        report = pretrain_encoder(encoder, graphs, target, epochs=30, seed=seed)
        return encoder, report, initial

    encoder, report, initial = pretrained(0)
    assert report.best_heldout_mse < initial / 10
    assert report.best_heldout_mse == min(report.heldout_mse)
    assert report.heldout_mse[report.best_epoch] == report.best_heldout_mse
    again, report_again, _ = pretrained(0)
    assert report_again.heldout_mse == report.heldout_mse
    torch.testing.assert_close(encoder(graphs), again(graphs))


def test_pretraining_ignores_failed_proxies():
    pool = SPACE.sample_pool(20, np.random.default_rng(0))
    graphs, n_edge_types = graph_batch(SPACE, pool)
    target = np.random.default_rng(0).random((20, 2))
    target[::3, 1] = np.nan
    encoder = GraphEncoder(graphs.node_features.shape[2], n_edge_types, 2)
    report = pretrain_encoder(encoder, graphs, target, epochs=3, batch_size=8)
    assert np.isfinite(report.train_loss).all() and np.isfinite(report.best_heldout_mse)


# -- evolution -------------------------------------------------------------------------------


def test_crossover_child_is_between_its_parents_on_the_choices():
    space = MLPSpace(depths=(3,))  # every layer slot in use: the choices are the architecture
    rng = np.random.default_rng(1)
    for _ in range(50):
        a, b = space.sample(rng), space.sample(rng)
        ca, cb = space.to_choices(a), space.to_choices(b)
        child = space.to_choices(crossover(space, a, b, rng))
        differ = [i for i in range(len(ca)) if ca[i] != cb[i]]
        assert all(child[i] == ca[i] for i in range(len(ca)) if i not in differ)
        assert all(child[i] in (ca[i], cb[i]) for i in differ)
        taken = sum(child[i] == cb[i] for i in differ)
        assert taken in (len(differ) // 2, (len(differ) + 1) // 2)


def test_breed_prefers_good_and_distant_pairs_and_adds_neighbours():
    rng = np.random.default_rng(0)
    elite = SPACE.sample_pool(6, rng)
    scores = np.array([1.0, 0.9, 0.1, 0.1, 0.1, 0.1])
    offspring = breed(SPACE, elite, scores, novelty=0.0, rng=rng, n_pairs=1)
    # one child of the two best parents, and its neighbours
    assert len(offspring) > 1 and len(set(offspring)) == len(offspring)
    child = offspring[0]
    assert SPACE.distance(child, elite[0]) + SPACE.distance(child, elite[1]) >= SPACE.distance(elite[0], elite[1])
    assert all(SPACE.canonical(o) == o for o in offspring)


# -- the strategy ----------------------------------------------------------------------------


def _problem(n=120, seed=0):
    """A pool with random proxies whose objective is a per-architecture weighting of them."""
    pool = SPACE.sample_pool(n, np.random.default_rng(seed))
    scores = np.random.default_rng(seed + 1).random((n, 3))
    uses_conv = np.array(["nor_conv_3x3" in a.ops for a in pool])
    objective = np.where(uses_conv, scores[:, 0], 1 - scores[:, 1]) * 100
    return pool, scores, dict(zip(pool, objective))


def _ponas(pool, scores, seed=0, *, space=SPACE, score_proxies=None, budget=None, offspring_budget=None,
           **options):
    """A PONAS spec of ``options`` (and the fast schedules), set up on the pool."""
    spec = PONAS(**{**FAST, **options})
    return spec.setup(space, np.random.default_rng(seed), pool=pool, proxy_scores=scores,
                      score_proxies=score_proxies, budget=budget, offspring_budget=offspring_budget)


def _search(strategy, objective, budget):
    for _ in range(budget):
        archs = strategy.ask(1)
        strategy.tell(archs, [result(objective[a]) for a in archs])
    return [a for a, _ in strategy.history]


def _counting(monkeypatch, owner, name):
    """Wrap ``owner.name`` so that the calls are recorded (their positional and keyword arguments)."""
    calls = []
    original = getattr(owner, name)

    def wrapper(*args, **kwargs):
        calls.append((args, kwargs))
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, wrapper)
    return calls


def test_ponas_spec_does_no_work_and_binds_independent_copies():
    spec = PONAS(local_from=4, **FAST)
    assert not hasattr(spec, "encoder") and not spec.is_bound
    assert spec.get_options()["local_from"] == 4 and spec.pretrain_epochs == FAST["pretrain_epochs"]
    with pytest.raises(RuntimeError, match="unbound spec"):
        spec.ask(1)
    pool, scores, objective = _problem(40)
    first = spec.setup(SPACE, np.random.default_rng(0), pool=pool, proxy_scores=scores)
    second = spec.setup(SPACE, np.random.default_rng(0), pool=pool, proxy_scores=scores)
    assert first is not spec and second is not first and first.encoder is not second.encoder
    assert not hasattr(spec, "encoder") and not spec.is_bound  # the spec stays a spec
    asked = _search(first, objective, 4)
    assert second.asked == set() and second.history == [] and len(second.pool) == 40
    assert _search(second, objective, 4) == asked  # the same seed: the same search
    with pytest.raises(TypeError):
        PONAS(SPACE, np.random.default_rng(0), pool, scores)  # the old positional form


def test_ponas_setup_names_what_is_missing():
    pool, _, _ = _problem(10)
    with pytest.raises(ValueError, match="PONAS needs pool and proxy_scores to be set up"):
        PONAS().setup(SPACE, np.random.default_rng(0))
    with pytest.raises(ValueError, match="PONAS needs proxy_scores to be set up"):
        PONAS().setup(SPACE, np.random.default_rng(0), pool=pool)


def test_ponas_mean_start_takes_the_best_mean_proxies():
    pool, scores, objective = _problem()
    strategy = _ponas(pool, scores, start="mean")
    first = _search(strategy, objective, 3)
    normalised = (scores - scores.min(0)) / (scores.max(0) - scores.min(0))
    assert first == [pool[i] for i in np.argsort(-normalised.mean(1))[:3]]


def test_ponas_spread_start_is_farthest_point_sampling_of_the_embedding():
    pool, scores, objective = _problem()
    strategy = _ponas(pool, scores)
    first = _search(strategy, objective, 3)
    assert len(set(first)) == 3
    embedding = strategy.embeddings.double()
    rows = [pool.index(a) for a in first]
    distance = torch.cdist(embedding, embedding[rows[:2]]).min(dim=1).values
    assert int(distance.argmax()) == rows[2]  # the third is the farthest from the first two
    assert _search(_ponas(pool, scores), objective, 3) == first
    assert _search(_ponas(pool, scores, seed=1), objective, 1) != first[:1]
    # the start does not depend on the results: asked at once, it is the same
    batch = _ponas(pool, scores).ask(3)
    assert batch == first


def test_ponas_rejects_an_unknown_start():
    pool, scores, _ = _problem(20)
    spec = PONAS(start="best", **FAST)  # options are checked when the spec is set up
    with pytest.raises(ValueError, match="unknown start 'best'"):
        spec.setup(SPACE, np.random.default_rng(0), pool=pool, proxy_scores=scores)


def test_ponas_learns_a_per_architecture_weighting_and_beats_random():
    pool, scores, objective = _problem(400)
    ranked = sorted(objective.values(), reverse=True)
    found, random_found = [], []
    for seed in range(3):
        strategy = _ponas(pool, scores, seed)
        found.append(max(objective[a] for a in _search(strategy, objective, 10)))
        random_found.append(max(objective[pool[i]] for i in np.random.default_rng(seed).permutation(400)[:10]))
    assert np.mean(found) > np.mean(random_found)
    assert min(found) >= ranked[9]  # always one of the 10 best of 400


@pytest.mark.parametrize("acquisition", ["ei", "ucb"])
def test_ponas_gp_acquisitions_choose_unqueried_pool_members(acquisition):
    pool, scores, objective = _problem(80)
    strategy = _ponas(pool, scores, acquisition=acquisition)
    archs = _search(strategy, objective, 6)
    assert len(set(archs)) == 6 and set(archs) <= set(pool)


def test_ponas_greedy_batch_counts_the_pending_as_the_worst_result(monkeypatch):
    pool, scores, objective = _problem(80)
    strategy = _ponas(pool, scores, acquisition="greedy")
    _search(strategy, objective, 4)
    rows, objectives = strategy._observed()
    fits = _counting(monkeypatch, strategy, "fit_weighting")
    before = set(strategy.asked)
    batch = strategy.ask(4)
    calls = [args for args, _ in fits]
    assert len(set(batch)) == 4 and not set(batch) & before and set(batch) <= set(pool)
    assert strategy.pending == set(batch)
    # the first pick is the best open row by S of a fit on the results alone
    assert calls[0][0] == rows and np.array_equal(calls[0][1], objectives)
    open_rows = [i for i in np.argsort(-strategy.last_scores, kind="stable") if pool[i] not in before]
    assert batch[0] == pool[open_rows[0]]
    # each later pick: a fit that also holds the picks before it, at the worst objective seen
    row = {arch: i for i, arch in enumerate(pool)}
    assert len(calls) == 4
    for k, (fit_rows, fit_objectives) in enumerate(calls[1:], start=1):
        assert fit_rows[:len(rows)] == rows and sorted(fit_rows[len(rows):]) == sorted(row[a] for a in batch[:k])
        assert np.array_equal(fit_objectives[len(rows):], np.full(k, objectives.min()))
    strategy.tell(batch, [result(objective[a]) for a in batch])
    assert strategy.pending == set() and len(strategy.history) == 8


def test_ponas_sequential_ask_fits_once_on_the_results(monkeypatch):
    pool, scores, objective = _problem(80)
    strategy = _ponas(pool, scores)
    _search(strategy, objective, 4)
    fits = _counting(monkeypatch, strategy, "fit_weighting")
    strategy.ask(1)
    assert len(fits) == 1 and len(fits[0][0][0]) == 4  # nothing pending: no liar


@pytest.mark.parametrize("acquisition", ["ei", "ucb"])
def test_ponas_gp_batch_fits_once_and_knows_the_pending(monkeypatch, acquisition):
    import sknas.strategies._ponas_choice as module

    pool, scores, objective = _problem(80)
    strategy = _ponas(pool, scores, acquisition=acquisition)
    _search(strategy, objective, 4)
    fits = _counting(monkeypatch, strategy, "fit_weighting")
    gps = _counting(monkeypatch, module, "fit_contribution_gp")
    before = set(strategy.asked)
    batch = strategy.ask(4)
    assert len(fits) == 1 and len(gps) == 1
    assert len(set(batch)) == 4 and not set(batch) & before and set(batch) <= set(pool)
    more = strategy.ask(2)  # nothing told: conditioned on the four pending
    assert len(fits) == 2 and len(gps) == 2
    assert len(set(more)) == 2 and not set(more) & (before | set(batch))
    assert strategy.pending == set(batch) | set(more)


def _next_screen(monkeypatch, strategy):
    """Ask once; return the open rows in decreasing S, those the acquisition was optimised
    over, its GP and the pool's features."""
    import sknas.strategies._ponas_choice as module

    acquisitions = _counting(monkeypatch, module, "best_candidates")
    inputs = _counting(monkeypatch, module, "contribution_features")
    asked = set(strategy.asked)
    strategy.ask(1)
    (gp, candidates, _), _ = acquisitions[0]
    features = module.contribution_features(*inputs[0][0])
    open_rows = [i for i in np.argsort(-strategy.last_scores, kind="stable") if strategy.pool[i] not in asked]
    screened = {i for i in open_rows if any(np.array_equal(features[i], c) for c in candidates)}
    return open_rows, screened, gp, features


@pytest.mark.parametrize("screen_by", ["score", "posterior_mean", "both"])
def test_ponas_screens_the_acquisition_by_score_posterior_mean_or_both(monkeypatch, screen_by):
    from sknas.surrogate import posterior_mean_std

    pool, scores, objective = _problem(80)
    strategy = _ponas(pool, scores, n_screened=5, screen_by=screen_by, cross_fit=True)  # GP mean ≠ c + b·S
    _search(strategy, objective, 4)
    open_rows, screened, gp, features = _next_screen(monkeypatch, strategy)
    mean, _ = posterior_mean_std(gp, features[open_rows])
    by_mean = {open_rows[j] for j in np.argsort(-mean, kind="stable")[:5]}
    expected = {"score": set(open_rows[:5]), "posterior_mean": by_mean, "both": set(open_rows[:5]) | by_mean}
    assert screened == expected[screen_by]
    assert by_mean != set(open_rows[:5])  # the GP's mean ranks the open rows otherwise than S here


def test_ponas_screen_by_neighbours_adds_the_open_neighbours_of_the_three_best(monkeypatch):
    base = SPACE.sample_pool(8, np.random.default_rng(0))
    pool = list(dict.fromkeys(base + [SPACE.canonical(n) for a in base for n in SPACE.neighbours(a)]))
    scores = np.random.default_rng(1).random((len(pool), 3))
    objective = dict(zip(pool, 100 * scores[:, 0] * scores[:, 2]))
    strategy = _ponas(pool, scores, n_screened=5, screen_by="neighbours")
    asked = _search(strategy, objective, 5)
    open_rows, screened, _, _ = _next_screen(monkeypatch, strategy)
    best = sorted(asked, key=objective.get, reverse=True)[:3]
    near = {pool.index(SPACE.canonical(n)) for a in best for n in SPACE.neighbours(a)
            if SPACE.canonical(n) in pool and SPACE.canonical(n) not in asked}
    assert screened == set(open_rows[:5]) | near
    assert near - set(open_rows[:5])  # the neighbours widen the screen here


def test_ponas_structure_kernel_adds_a_kernel_on_the_queried_encodings():
    pool, scores, objective = _problem(60)
    strategy = _ponas(pool, scores, structure_kernel=True)
    queried = _search(strategy, objective, 6)
    contributions, structure = strategy.last_gp.covar_module.kernels
    n_proxies = contributions.base_kernel.n_members * contributions.base_kernel.n_proxies
    encodings = strategy.last_gp.train_inputs[0][:, structure.base_kernel.active_dims].numpy()
    assert structure.base_kernel.active_dims.tolist()[0] == n_proxies
    # the last GP was fitted on the first five results, before the sixth was asked
    np.testing.assert_array_equal(encodings, np.stack([SPACE.encode(a) for a in queried[:5]]))
    again = _ponas(pool, scores, structure_kernel=True)
    assert _search(again, objective, 6) == queried


def test_ponas_cross_fit_leaves_every_eth_query_out_of_member_e_and_gives_the_gp_its_score(monkeypatch):
    import sknas.strategies._ponas_weighting as module

    pool, scores, objective = _problem(60)
    strategy = _ponas(pool, scores, acquisition="ei", n_members=3, cross_fit=True)
    _search(strategy, objective, 6)
    fits = _counting(monkeypatch, module, "fit_weights")
    models = []
    fit_weighting = strategy.fit_weighting
    monkeypatch.setattr(strategy, "fit_weighting", lambda *a, **k: models.append(fit_weighting(*a, **k)) or models[-1])
    strategy.ask(1)
    mask = fits[0][1]["mask"].numpy()
    assert mask.shape == (3, 6)
    np.testing.assert_array_equal(mask, np.arange(6)[None, :] % 3 != np.arange(3)[:, None])
    # the GP's prior score (last input column) of the i-th query is the S of member i mod 3
    rows, _ = strategy._observed()
    member_scores = strategy.pool_contributions(models[0]).sum(dim=-1).numpy()
    prior = strategy.last_gp.train_inputs[0][:, -1].numpy()
    np.testing.assert_allclose(prior, member_scores[np.arange(6) % 3, rows])
    assert not np.allclose(prior, strategy.last_scores[rows])  # not the members' mean S
    greedy = _ponas(pool, scores, acquisition="greedy", n_members=3, cross_fit=True)
    assert greedy._held_out(6) is None  # greedy reads S alone: every member fits every query


def test_online_loss_has_finite_gradients_with_a_single_pair():
    scores = torch.tensor([[0.2, 0.7], [0.9, 0.1]], requires_grad=True)
    loss = online_loss(scores, torch.tensor([70.0, 72.0]))
    loss.sum().backward()
    assert torch.isfinite(scores.grad).all()
    masked = torch.tensor([[0.2, 0.7, 0.5]], requires_grad=True)  # a member fitted to two of three
    online_loss(masked, torch.tensor([70.0, 72.0, 71.0]), mask=torch.tensor([[True, True, False]])).sum().backward()
    assert torch.isfinite(masked.grad).all()


def test_online_loss_mask_fits_each_member_to_its_rows_only():
    torch.manual_seed(0)
    scores, objectives = torch.randn(2, 6), torch.randn(6) * 5
    mask = torch.tensor([[True] * 6, [True, True, True, False, False, False]])
    masked = online_loss(scores, objectives, mask=mask)
    assert torch.allclose(masked[0], online_loss(scores[0], objectives))
    assert torch.allclose(masked[1], online_loss(scores[1, :3], objectives[:3]))


def test_ponas_batch_from_the_start_takes_the_start_rule_then_learns(monkeypatch):
    pool, scores, objective = _problem(60)
    strategy = _ponas(pool, scores, n_initial=2, acquisition="greedy")
    fits = _counting(monkeypatch, strategy, "fit_weighting")
    first = strategy.ask(3)  # nothing observed yet: all three by the start rule
    assert len(fits) == 0 and len(set(first)) == 3
    strategy.tell(first, [result(objective[a]) for a in first])
    second = strategy.ask(3)  # one fit on the results, then one per pick with the picks pending
    assert len(fits) == 3 and len(set(second)) == 3 and not set(second) & set(first)


def test_ponas_is_deterministic_and_resumes_exactly_with_evolution():
    space = CellSpace()
    pool, scores, _ = _problem(40)
    proxy_of = {}

    def score_proxies(archs):
        rng = np.random.default_rng(len(archs))
        return np.array([proxy_of.setdefault(a, rng.random(3)) for a in archs])

    def objective(arch):
        return 50 + 10 * sum("conv" in op for op in arch.ops)

    def make():
        return _ponas(pool, scores, 7, space=space, score_proxies=score_proxies, budget=8,
                      evolve_from=4, n_offspring=5, local_from=4)

    def run(strategy, n):
        for _ in range(n):
            archs = strategy.ask(1)
            strategy.tell(archs, [result(objective(a)) for a in archs])

    full = make()
    run(full, 8)
    # one evolution step per query from the 5th on; so do the local steps' neighbours
    assert len(full.pool) > 40 + 5 * 4

    again = make()
    run(again, 8)
    assert again.history == full.history

    first = make()
    run(first, 5)
    state = json.loads(json.dumps(first.state_dict()))
    assert set(state) == {"rng", "added_to_pool", "gp_start"}  # the history is the driver's
    resumed = make()
    resumed.tell([a for a, _ in first.history], [result(y) for _, y in first.history])
    resumed.load_state_dict(state)
    assert resumed.pool == first.pool
    run(resumed, 3)
    assert resumed.history == full.history


def test_ponas_gp_over_a_warm_ensemble_is_deterministic_and_resumes_exactly():
    pool, scores, objective = _problem(60, seed=2)
    options = dict(acquisition="ei", n_members=3, warm_start=True, n_screened=20)

    def run(strategy, n):
        for _ in range(n):
            archs = strategy.ask(1)
            strategy.tell(archs, [result(objective[a]) for a in archs])

    full = _ponas(pool, scores, 5, **options)
    run(full, 8)
    assert full.last_gp is not None and full.last_gp.covar_module.base_kernel.n_members == 3
    again = _ponas(pool, scores, 5, **options)
    run(again, 8)
    assert again.history == full.history
    first = _ponas(pool, scores, 5, **options)
    run(first, 5)
    state = json.loads(json.dumps(first.state_dict()))  # the ensemble and GP starts travel as JSON
    assert {"warm_state", "gp_start"} <= set(state)
    resumed = _ponas(pool, scores, 5, **options)
    resumed.tell([a for a, _ in first.history], [result(y) for _, y in first.history])
    resumed.load_state_dict(state)
    run(resumed, 3)
    assert resumed.history == full.history


def test_ponas_rejects_an_empty_ensemble():
    pool, scores, _ = _problem(10)
    with pytest.raises(ValueError, match="n_members must be an int >= 1"):
        _ponas(pool, scores, n_members=0)


def test_ponas_resume_after_three_reproduces_the_next_three_asks():
    # a sampled pool smaller than the space: evolution breeds from the 3rd query on
    pool, scores, _ = _problem(30, seed=3)
    proxy_of = {}

    def score_proxies(archs):
        return np.array([proxy_of.setdefault(a, np.random.default_rng(len(proxy_of)).random(3)) for a in archs])

    def objective(arch):
        return 50 + 10 * sum("conv" in op for op in arch.ops) - 3 * arch.ops.count("none")

    spec = PONAS(n_initial=2, evolve_from=2, n_offspring=4, **FAST)

    def make():
        return spec.setup(SPACE, np.random.default_rng(11), pool=pool, proxy_scores=scores,
                          score_proxies=score_proxies, budget=6)

    full = make()
    asked, state = [], None
    for q in range(6):
        archs = full.ask(1)
        asked += archs
        # a failed evaluation among them: it is told again as it was
        full.tell(archs, [EvaluationResult(float("nan"), 0.0, {}, status="failed") if q == 2
                          else result(objective(archs[0]))])
        if q == 2:
            state = json.dumps(full.state_dict())
            told = list(full.history)
    assert json.loads(state)["added_to_pool"]  # evolution had grown the pool
    resumed = make()
    resumed.tell([a for a, _ in told], [result(y) if np.isfinite(y) else
                                       EvaluationResult(float("nan"), 0.0, {}, status="failed") for _, y in told])
    resumed.load_state_dict(json.loads(state))
    for q in range(3, 6):
        archs = resumed.ask(1)
        assert archs == [asked[q]]
        resumed.tell(archs, [result(objective(archs[0]))])
    assert resumed.history == full.history and resumed.pool == full.pool


@pytest.mark.parametrize("options", [dict(per_architecture=False), dict(pretrain=False)], ids=["global", "no-pretrain"])
def test_ponas_ablations_run(options):
    pool, scores, objective = _problem(60)
    strategy = _ponas(pool, scores, **options)
    archs = _search(strategy, objective, 6)
    assert len(set(archs)) == 6 and strategy.last_scores.shape == (60,)
    if not options.get("pretrain", True):
        assert strategy.pretraining is None


def test_ponas_survives_failed_evaluations_and_nan_proxies():
    pool, scores, objective = _problem(50)
    scores[::4, 2] = np.nan
    strategy = _ponas(pool, scores)
    for q in range(8):
        archs = strategy.ask(1)
        failed = EvaluationResult(float("nan"), 0.0, {}, status="failed: boom")
        strategy.tell(archs, [failed if q % 3 == 0 else result(objective[archs[0]])])
    assert len(strategy.asked) == 8


def test_ponas_on_mlps_with_evolution():
    space = MLPSpace()
    pool = space.sample_pool(30, np.random.default_rng(0))
    rng = np.random.default_rng(1)
    strategy = _ponas(pool, rng.random((30, 2)), space=space,
                      score_proxies=lambda archs: rng.random((len(archs), 2)), budget=6,
                      evolve_from=4, n_offspring=3, local_from=4)
    for _ in range(6):
        archs = strategy.ask(1)
        strategy.tell(archs, [result(sum(archs[0].widths) / 100) for _ in archs])
    assert len(strategy.pool) > 30 + 3 * 2  # evolution twice, and the local step's neighbours
    assert all(a in space for a in strategy.pool)


def test_ponas_local_steps_take_the_best_scored_neighbour_of_the_incumbent():
    pool, scores, objective = _problem(4930)  # the whole space: every neighbour is in the pool
    strategy = _ponas(pool, scores, local_from=4)
    history = _search(strategy, objective, 7)
    twin = _ponas(pool, scores, local_from=None)
    assert _search(twin, objective, 4) == history[:4]  # the same search until the local steps
    for n_before in (4, 5, 6):  # every query from the 5th
        queried = history[:n_before]
        incumbent = max(queried, key=objective.get)
        close = dict.fromkeys(SPACE.canonical(a) for a in SPACE.neighbours(incumbent))
        neighbours = [a for a in close if a in objective and a not in queried]
        assert neighbours and history[n_before] in neighbours
    # the last local step chose the neighbour of largest S (as scored by the model of that step)
    rows = [strategy.pool.index(a) for a in neighbours]
    assert history[6] == strategy.pool[rows[int(np.argmax(strategy.last_scores[rows]))]]
    # a batch of local steps: the incumbent's neighbours by S, then those of the next best
    incumbent = max(history, key=objective.get)
    close = [a for a in dict.fromkeys(SPACE.canonical(a) for a in SPACE.neighbours(incumbent))
             if a in objective and a not in history]
    batch = strategy.ask(len(close) + 1)
    rows = [strategy.pool.index(a) for a in close]
    by_score = [strategy.pool[i] for i in np.array(rows)[np.argsort(-strategy.last_scores[rows], kind="stable")]]
    assert batch[:len(close)] == by_score and batch[-1] not in close
    runner_up = sorted(history, key=objective.get)[-2]
    assert batch[-1] in {SPACE.canonical(a) for a in SPACE.neighbours(runner_up)}


def test_ponas_local_steps_give_new_neighbours_real_proxies():
    pool, scores, objective = _problem(30)
    calls = []

    def score_proxies(archs):
        calls.append(list(archs))
        return np.random.default_rng(len(calls)).random((len(archs), 3))

    strategy = _ponas(pool, scores, score_proxies=score_proxies, local_from=0, evolve_from=100)
    for _ in range(5):
        archs = strategy.ask(1)
        strategy.tell(archs, [result(50 + 10 * sum("conv" in op for op in archs[0].ops))])
    assert calls and all(a not in pool for batch in calls for a in batch)
    objective_of = dict(strategy.history)
    queried = list(objective_of)
    for q in (3, 4):  # every query after the start is a neighbour of the best before it
        incumbent = max(queried[:q], key=objective_of.get)
        assert queried[q] in {SPACE.canonical(a) for a in SPACE.neighbours(incumbent)}
    assert len(strategy.pool) == 30 + sum(map(len, calls))


def test_ponas_rejects_bad_arguments():
    pool, scores, _ = _problem(10)

    def setup(proxy_scores=scores, **options):
        return PONAS(**options).setup(SPACE, np.random.default_rng(0), pool=pool, proxy_scores=proxy_scores)

    with pytest.raises(ValueError, match="unknown acquisition 'best'"):
        setup(acquisition="best")
    with pytest.raises(ValueError, match="proxy_scores must have shape"):
        setup(scores[:5])
    with pytest.raises(ValueError, match="local_from must be a number of queries >= 0 or None"):
        setup(local_from=0.5)
    with pytest.raises(ValueError, match="unknown screen_by 'mean'; use 'score', 'posterior_mean', 'both'"):
        setup(screen_by="mean")


# -- the estimator ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:300], y[:300]


@pytest.mark.slow
@pytest.mark.parametrize("offspring_budget, sizes", [
    (None, [5, 5, 5, 5]),  # n_offspring per step
    (6, [2, 2, 1, 1]),  # 6 spread over the 4 queries left: ceil(6/4), ceil(4/3), ceil(2/2), 1
    (0, [0, 0, 0, 0]),
])
def test_ponas_offspring_budget_spreads_the_new_proxies_over_the_queries_left(offspring_budget, sizes):
    pool, scores, objective = _problem(40)
    rng = np.random.default_rng(0)
    strategy = _ponas(pool, scores, score_proxies=lambda archs: rng.random((len(archs), 3)), budget=8,
                      offspring_budget=offspring_budget, evolve_from=4, n_offspring=5)
    grown = []
    for _ in range(8):
        before = len(strategy.pool)
        archs = strategy.ask(1)
        grown.append(len(strategy.pool) - before)
        strategy.tell(archs, [result(objective.get(a, 0.0)) for a in archs])  # offspring: no objective of theirs
    assert grown == [0, 0, 0, 0, *sizes]


def test_ponas_search_cuts_its_pool_to_the_proxy_budget(digits):
    X, y = digits
    common = dict(budget=3, n_candidates=30, epochs=1, final_epochs=1, proxies=("synflow", "nwot"),
                  image_shape=(8, 8), space=CellSpace(4, 1), device="cpu", random_state=0)
    # 1 epoch of 160 samples is 1.25 proxy evaluations of 2 proxies on 64: 10% of 3 trainings is none
    assert len(POnasSearch(**common).fit(X[:200], y[:200]).pool_) == 6  # the floor: twice the budget
    # 1 epoch of 1,437 is 11.2 evaluations: 10 times that is 336 for 3 candidates
    assert len(POnasSearch(**common, proxy_budget=10.0).fit(X, y).pool_) == 30
    assert len(POnasSearch(**common, proxy_budget=None).fit(X[:200], y[:200]).pool_) == 30


def test_max_time_cuts_the_pool_to_the_time_its_proxies_may_take(digits):
    X, y = digits
    common = dict(budget=1000, n_candidates=30, epochs=1, final_epochs=1, proxies=("synflow", "nwot"),
                  image_shape=(8, 8), space=CellSpace(4, 1), proxy_budget=10.0, device="cpu", random_state=0)
    # proxy_budget=10 for 1,000 candidates allows the whole pool; no time for proxies leaves the floor
    search = POnasSearch(**common, max_time=1e-3).fit(X[:200], y[:200])
    assert len(search.pool_) == MIN_TIMED_POOL and len(search.results_["architecture"]) == 1
    assert len(POnasSearch(**dict(common, budget=3), max_time=600).fit(X[:200], y[:200]).pool_) == 30


def test_ponas_search_evolves_its_pool_and_exposes_it(digits):
    X, y = digits
    search = POnasSearch(budget=12, n_candidates=12, n_offspring=2, proxy_budget=None, epochs=1, final_epochs=1,
                         proxies=("synflow", "nwot"), image_shape=(8, 8), space=CellSpace(4, 1),
                         device="cpu", random_state=0).fit(X[:200], y[:200])
    assert len(search.pool_) == 12 + 2 * 2  # after 10 queries, the 11th and 12th each bred two
    assert search.proxy_scores_.shape == (16, 2) and search.learned_scores_.shape == (16,)
    assert set(search.results_["architecture"]) <= {str(a) for a in search.pool_}
    assert search.best_architecture_ in search.pool_


def test_ponas_search_exposes_its_pool(digits):
    X, y = digits
    search = POnasSearch(budget=4, n_candidates=8, epochs=1, final_epochs=1, proxies=("synflow", "nwot"),
                         image_shape=(8, 8), space=CellSpace(4, 1), device="cpu", random_state=0,
                         local_from=3).fit(X, y)
    n = len(search.pool_)
    assert n > 8  # the 4th query is a local step: the incumbent's neighbours got proxies
    assert search.proxy_scores_.shape == (n, 2) and search.learned_scores_.shape == (n,)
    assert set(search.results_["architecture"]) <= {str(a) for a in search.pool_}
    fixed = POnasSearch(budget=4, n_candidates=8, epochs=1, final_epochs=1, proxies=("synflow", "nwot"),
                        image_shape=(8, 8), space=CellSpace(4, 1), device="cpu", random_state=0,
                        local_from=None, n_offspring=0).fit(X, y)
    assert len(fixed.pool_) == 8


def test_ponas_search_rejects_an_unknown_acquisition(digits):
    X, y = digits
    with pytest.raises(ValueError, match=r"'acquisition' parameter of POnasSearch must be a str among \{.*'greedy'.*\}\. Got 'thompson'"):
        POnasSearch(acquisition="thompson", budget=1).fit(X[:50], y[:50])


@pytest.mark.parametrize("acquisition, members", [("ei", 4), ("ucb", 4), ("greedy", 1)])
def test_ponas_ensemble_size_follows_the_choice_rule_unless_given(acquisition, members):
    pool, scores, objective = _problem(30)
    strategy = _ponas(pool, scores, acquisition=acquisition)
    _search(strategy, objective, 4)
    rows, objectives = strategy._observed()
    assert strategy.ensemble_size == members
    assert strategy.fit_weighting(rows, objectives).n_members == members
    assert _ponas(pool, scores, acquisition=acquisition, n_members=2).ensemble_size == 2


def test_ponas_search_auto_acquisition_is_log_ei_alone_and_hypervolume_with_costs():
    assert POnasSearch()._strategy_spec().get_options()["acquisition"] == "ei"
    assert POnasSearch(acquisition="greedy")._strategy_spec().get_options()["acquisition"] == "greedy"
    assert "acquisition" not in POnasSearch(objectives=("accuracy", "params"))._strategy_spec().get_options()


# -- the research harness --------------------------------------------------------------------


def test_registry_has_ponas_and_the_harness_its_ablations():
    import importlib.util
    from pathlib import Path

    from sknas.strategies import STRATEGIES, MultiObjectivePONAS, make_strategy

    assert STRATEGIES["ponas"].single is PONAS and STRATEGIES["ponas"].multi is MultiObjectivePONAS
    saved = dict(STRATEGIES)
    try:  # the research-only variants register from benchmarks/
        path = Path(__file__).resolve().parents[1] / "benchmarks" / "_variants.py"
        module_spec = importlib.util.spec_from_file_location("_ponas_variants", path)
        module_spec.loader.exec_module(importlib.util.module_from_spec(module_spec))
        assert {"ponas-greedy", "ponas-ei", "ponas-ucb", "ponas-global", "ponas-no-pretrain", "ponas-mean-start",
                "ponas-local"} <= set(STRATEGIES)
        greedy = make_strategy("ponas-greedy")  # the former default, pinned
        assert (greedy.acquisition, greedy.n_members) == ("greedy", 1)
        local = make_strategy("ponas-local", n_offspring=0)
        assert isinstance(local, PONAS) and local.local_from == 10 and local.n_offspring == 0
        assert not hasattr(local, "encoder")  # a spec
    finally:
        STRATEGIES.clear()
        STRATEGIES.update(saved)


@pytest.mark.slow
def test_ponas_on_the_benchmark_is_seeded_and_learns():
    from sknas.bench import NB201Benchmark, run

    benchmark = NB201Benchmark("cifar10")
    first = run("ponas", benchmark, budget=6, seeds=[0])["runs"][0]
    again = run("ponas", benchmark, budget=6, seeds=[0])["runs"][0]
    assert first["best_so_far_test_accuracy"] == again["best_so_far_test_accuracy"]
    assert first["n_queries"] == 6
    # the learned weighting moves past the start (three cells spread over the embedding)
    curve = first["best_so_far_test_accuracy"]
    assert curve[-1] > curve[2]


def test_evolution_novelty_decays_as_the_paper_defines():
    # PO-NAS: N = 1 - (t - 10) / (T - 15), 0 for the last 5 queries
    assert [evolution_novelty(t, 10, 20) for t in range(10, 20)] == pytest.approx([1.0, 0.8, 0.6, 0.4, 0.2, 0, 0, 0, 0, 0])
    assert evolution_novelty(12, 10, 100) == pytest.approx(1 - 2 / 85)
    assert evolution_novelty(10, 10, None) == 1.0
    # a budget too small to decay over: distant parents until the last five queries
    assert evolution_novelty(8, 10, 14) == 1.0 and evolution_novelty(10, 10, 14) == 0.0

