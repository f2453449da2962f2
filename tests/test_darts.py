"""The DARTS space: genotype strings, sampling, PO-NAS's path distance and evolution, networks."""

import itertools
from collections import deque

import numpy as np
import pytest
import torch

from sknas.evaluation import TrainingRecipe
from sknas.evaluation import train_network
from sknas.spaces import PUBLISHED_GENOTYPES, DartsArchitecture, DartsSpace, make_space
from sknas.spaces._darts_edits import apply_edits, node_path
from sknas.evaluation import EvaluationResult
from sknas.strategies import breed, crossover, make_strategy, strategy_names

OPS = ("max_pool_3x3", "avg_pool_3x3", "skip_connect", "sep_conv_3x3", "sep_conv_5x5", "dil_conv_3x3",
       "dil_conv_5x5")
SPACE = DartsSpace(channels=4, layers=3)
V2 = ("Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), "
      "('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], "
      "normal_concat=range(2, 6), reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), "
      "('max_pool_3x3', 1), ('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), "
      "('max_pool_3x3', 1)], reduce_concat=range(2, 6))")


def _samples(n, seed=0):
    rng = np.random.default_rng(seed)
    return [SPACE.sample(rng) for _ in range(n)]


# -- strings -----------------------------------------------------------------------------------


def test_published_genotypes_parse_and_round_trip():
    for name, entry in PUBLISHED_GENOTYPES.items():
        arch = DartsSpace.published(name)
        assert SPACE.parse(entry["genotype"]) == arch
        assert SPACE.parse(str(arch)) == arch
        assert str(SPACE.parse(str(arch))) == str(arch)


def test_genotype_as_darts_code_writes_it_is_parsed_node_by_node():
    arch = SPACE.parse(V2)  # DARTS's genotypes.py, with range(2, 6) concats
    assert arch == DartsSpace.published("DARTS_V2")
    # node 2 of the normal cell reads input 1 by sep_conv_3x3 and input 0 by skip_connect
    assert arch.nodes()[0][2] == {0: "skip_connect", 1: "sep_conv_3x3"}
    assert arch.nodes()[1][3] == {1: "max_pool_3x3", 2: "skip_connect"}


def test_string_of_every_sample_round_trips():
    for arch in _samples(200):
        assert SPACE.parse(str(arch)) == arch and str(SPACE.parse(str(arch))) == str(arch)


@pytest.mark.parametrize(
    "change, message",
    [
        (("('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0)", "('conv_7x7', 0), ('sep_conv_3x3', 1), "
          "('sep_conv_3x3', 0)"), r"node 0 of the normal cell has unknown operation 'conv_7x7'; expected one of"),
        (("('skip_connect', 0), ('dil_conv_3x3', 2)]", "('skip_connect', 0), ('dil_conv_3x3', 5)]"),
         r"node 3 of the normal cell reads input 5, but node 3 can only read inputs 0..4"),
        (("('skip_connect', 0), ('dil_conv_3x3', 2)]", "('skip_connect', 0), ('dil_conv_3x3', 2), ('skip_connect', 1)]"),
         r"the normal cell needs 8 \(op, input\) pairs, two per intermediate node, got 9; if a node has three"),
        (("('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0)", "('sep_conv_3x3', 1), ('skip_connect', 1), "
          "('skip_connect', 0)"), r"node 2 of the normal cell reads input 1 twice"),
        ((", reduce=[", ", reduction=["), r"unknown field\(s\) \['reduction'\]"),
        (("normal_concat=range(2, 6), ", ""), r"missing normal_concat"),
        (("reduce_concat=range(2, 6)", "reduce_concat=[4, 5]"), r"reduce_concat is \[4, 5\]; in the DARTS space"),
    ],
)
def test_bad_genotype_strings_say_which_node_and_what_is_expected(change, message):
    old, new = change
    assert old in V2
    with pytest.raises(ValueError, match=message):
        SPACE.parse(V2.replace(old, new, 1))


def test_a_missing_cell_or_a_non_genotype_is_refused():
    without_reduce = V2[: V2.index(", reduce=[")] + ", reduce_concat=range(2, 6))"
    with pytest.raises(ValueError, match="missing reduce;"):
        SPACE.parse(without_reduce)
    with pytest.raises(ValueError, match="normal_concat must be a literal"):
        SPACE.parse(V2.replace("normal_concat=range(2, 6)", "normal_concat=range('a')"))
    for bad in ("DARTS_V2", "Genotype(", 42):
        with pytest.raises(ValueError, match="DARTS genotype"):
            SPACE.parse(bad)
    with pytest.raises(ValueError, match="unknown genotype 'DARTS_V3'; shipped genotypes are 'DARTS_V1'"):
        DartsSpace.published("DARTS_V3")


# -- sampling and encodings --------------------------------------------------------------------


def test_every_sampled_genotype_is_valid():
    for arch in _samples(300):
        for cell in (arch.normal, arch.reduce):
            assert len(cell) == 8
            for k in range(4):
                (op1, i1), (op2, i2) = cell[2 * k : 2 * k + 2]
                assert op1 in OPS and op2 in OPS
                assert 0 <= i1 < i2 < k + 2  # two different earlier nodes
        assert arch in SPACE


def test_sampling_reaches_every_input_pair_and_op():
    seen = {(c, k, pair) for arch in _samples(500) for c, cell in enumerate(arch.nodes())
            for k, node in enumerate(cell) for pair in [tuple(sorted(node))]}
    assert len(seen) == 2 * (1 + 3 + 6 + 10)
    assert {op for arch in _samples(50) for op, _ in arch.normal} == set(OPS)


def test_choices_encoding_and_graph_are_consistent():
    assert SPACE.choice_sizes() == [1, 7, 7, 3, 7, 7, 6, 7, 7, 10, 7, 7] * 2
    for arch in _samples(50):
        assert SPACE.from_choices(SPACE.to_choices(arch)) == arch
        code = SPACE.encode(arch)
        assert code.shape == (2 * 14 * 7,) and code.sum() == 16
        graph = SPACE.to_graph(arch)
        assert graph.node_features.shape == (14, 9) and graph.n_edge_types == 8
        assert (graph.edge_ops >= 0).sum() == 16 + 8 + 2  # the ops, the concats, the link of the cells
    with pytest.raises(ValueError, match="takes 24 choices"):
        SPACE.from_choices([0] * 23)


# -- PO-NAS's distance and evolution -----------------------------------------------------------


def _node_bfs(start, k):
    """Shortest distances from node ``start`` (inputs -> op) to every node of node ``k``, by
    breadth-first search over single swaps of two inputs and op substitutions."""
    def key(node):
        return tuple(sorted(node.items()))

    dist = {key(start): 0}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        steps = [("swap", 0, k, p, q) for p in node for q in range(k + 2) if q != p]
        steps += [("op", 0, k, p, op) for p in node for op in OPS if op != node[p]]
        for edit in steps:
            nxt = apply_edits([[node]], [(edit[0], 0, 0, edit[3], edit[4])])[0][0]
            if key(nxt) not in dist:
                dist[key(nxt)] = dist[key(node)] + 1
                queue.append(nxt)
    return dist


def test_node_path_is_a_shortest_path():
    rng = np.random.default_rng(0)
    for k in (0, 1, 3):
        pairs = list(itertools.combinations(range(k + 2), 2))
        for _ in range(3):
            i, j = pairs[int(rng.integers(len(pairs)))]
            start = {i: OPS[int(rng.integers(7))], j: OPS[int(rng.integers(7))]}
            exact = _node_bfs(start, k)
            assert len(exact) == len(pairs) * 49  # every node reachable
            for goal_key, d in exact.items():
                goal = dict(goal_key)
                path = node_path(start, goal, 0, k)
                assert len(path) == d
                assert apply_edits([[start]], [(e[0], 0, 0, e[3], e[4]) for e in path])[0][0] == goal


def test_distance_is_a_metric_and_the_length_of_the_path_crossover_walks():
    archs = _samples(40, seed=1)
    for a, b in itertools.combinations(archs[:20], 2):
        d = SPACE.distance(a, b)
        path = SPACE.edit_path(a, b)
        assert d == SPACE.distance(b, a) == len(path) > 0
        assert SPACE.apply_edits(a, path) == b
    for a in archs:
        assert SPACE.distance(a, a) == 0 and SPACE.edit_path(a, a) == []
    a, b, c = archs[:3]
    assert SPACE.distance(a, c) <= SPACE.distance(a, b) + SPACE.distance(b, c)


def test_neighbours_are_the_genotypes_one_edit_away():
    rng = np.random.default_rng(7)
    for arch in _samples(10, seed=2):
        options = SPACE.neighbours(arch)
        assert len(set(options)) == len(options) <= 2 * (12 + 4) + 16 * 6
        assert all(SPACE.distance(arch, n) == 1 for n in options)
        assert all(n in SPACE for n in options)
        other = SPACE.sample(rng)
        first_step = SPACE.apply_edits(arch, SPACE.edit_path(arch, other)[:1])
        assert first_step in options


def test_crossover_applies_half_of_the_path_in_order():
    rng = np.random.default_rng(3)
    archs = _samples(30, seed=3)
    for a, b in zip(archs[::2], archs[1::2]):
        d = SPACE.distance(a, b)
        child = crossover(SPACE, a, b, rng)
        assert child in SPACE
        assert SPACE.distance(a, child) <= (d + 1) // 2
        assert SPACE.distance(child, b) < d or d == 1


def test_breed_in_the_darts_space_gives_valid_new_genotypes():
    elite = _samples(6, seed=4)
    offspring = breed(SPACE, elite, np.linspace(1, 0, 6), novelty=1.0, rng=np.random.default_rng(0), n_pairs=3)
    assert len(offspring) > 3 and len(set(offspring)) == len(offspring)
    assert all(o in SPACE for o in offspring)


@pytest.mark.parametrize("name", strategy_names(multi_objective=False))
def test_every_strategy_searches_the_darts_space_without_repeats(name):
    pool = _samples(30, seed=5)
    proxies = np.random.default_rng(1).random((30, 3))

    def score_proxies(archs):
        return np.random.default_rng(len(archs)).random((len(archs), 3))

    options = dict(pretrain_epochs=5, online_epochs=20, max_online_epochs=60) if name == "ponas" else {}
    strategy = make_strategy(name, **options).setup(SPACE, np.random.default_rng(0), pool=pool, proxy_scores=proxies,
                                         proxy_names=["synflow", "nwot", "snip"], budget=6, score_proxies=score_proxies)
    asked = []
    for _ in range(3):
        archs = strategy.ask(2)
        n_sep = [float(sum("sep" in op for op, _ in a.normal + a.reduce)) for a in archs]
        strategy.tell(archs, [EvaluationResult(v, 0.0) for v in n_sep])
        asked += archs
    assert len(asked) == len(set(asked)) == 6 and all(a in SPACE for a in asked)


# -- networks ----------------------------------------------------------------------------------


@pytest.mark.parametrize("size, channels", [(8, 1), (9, 3), (32, 3)])
def test_networks_run_forward_and_backward(size, channels):
    for arch in _samples(2, seed=size):
        net = SPACE.build(arch, (channels, size, size), 5)
        out = net(torch.randn(2, channels, size, size))
        assert out.shape == (2, 5)
        out.sum().backward()
        assert all(p.grad is not None for p in net.parameters())


def test_darts_v2_has_the_parameter_count_darts_reports():
    # DARTS's train.py logs "param size = 3.349342MB" for DARTS_V2 (auxiliary head excluded)
    net = DartsSpace(channels=36, layers=20, auxiliary_weight=0.4).build(DartsSpace.published("DARTS_V2"), (3, 32, 32), 10)
    assert sum(p.numel() for name, p in net.named_parameters() if "auxiliary" not in name) == 3_349_342


def test_auxiliary_loss_and_drop_path_take_part_in_training():
    space = DartsSpace(channels=4, layers=3, auxiliary_weight=0.4, drop_path=0.5)
    net = space.build(DartsSpace.published("DARTS_V2"), (1, 8, 8), 3)
    X, y = torch.randn(16, 1, 8, 8), torch.arange(16) % 3
    net.train()
    net(X)
    assert net.auxiliary_output.shape == (16, 3)
    net.eval()
    net(X)
    assert net.auxiliary_output is None
    progress = []
    original = net.set_training_progress
    net.set_training_progress = lambda f: (progress.append(f), original(f))
    losses = train_network(net, X, y, task="classification", recipe=TrainingRecipe(epochs=2, batch_size=8),
                           device=torch.device("cpu"), generator=torch.Generator().manual_seed(0))
    assert progress == [0.0, 0.5] and net.drop_prob == 0.25 and np.isfinite(losses).all()
    # the auxiliary head learns only through the auxiliary loss
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in net.auxiliary_head.parameters())


def test_space_by_name_and_bad_configuration():
    assert isinstance(make_space("darts"), DartsSpace)
    assert make_space("darts").get_config() == dict(channels=16, layers=6, auxiliary_weight=0.0, drop_path=0.0)
    with pytest.raises(ValueError, match="layers >= 3"):
        DartsSpace(layers=2)
    with pytest.raises(ValueError, match="0 <= drop_path < 1"):
        DartsSpace(drop_path=1.0)
    with pytest.raises(ValueError, match="at least 8x8"):
        SPACE.build(DartsSpace.published("DARTS_V1"), (3, 7, 7), 10)
    with pytest.raises(ValueError, match="not a DARTS genotype"):
        SPACE.build("DARTS_V1", (3, 8, 8), 10)
    assert isinstance(SPACE.sample(np.random.default_rng(0)), DartsArchitecture)


@pytest.mark.filterwarnings("ignore:no candidate.s validation loss fell")
def test_searches_in_the_darts_space_fit_predict_save_and_export(digits, tmp_path):
    import sknas
    from sknas import POnasSearch, RandomSearch

    X, y = digits
    X, y = X[:150], y[:150]
    for search in (
        RandomSearch(space=SPACE, budget=2, epochs=1, final_epochs=1, image_shape=(8, 8), random_state=0),
        POnasSearch(space=SPACE, budget=3, n_candidates=8, epochs=1, final_epochs=1, proxies=("synflow", "nwot"),
                    image_shape=(8, 8), random_state=0),
    ):
        search.fit(X, y)
        assert isinstance(search.best_architecture_, DartsArchitecture)
        assert len(search.results_["architecture"]) == search.budget
        assert search.predict(X[:5]).shape == (5,)
    loaded = sknas.load(sknas.save(search, tmp_path / "search"))
    assert loaded.space.get_config() == SPACE.get_config() and loaded.best_architecture_ == search.best_architecture_
    np.testing.assert_array_equal(loaded.predict_proba(X[:5]), search.predict_proba(X[:5]))
    traced = torch.jit.load(str(search.export(tmp_path / "model.pt")))
    assert traced(torch.as_tensor(X[:5], dtype=torch.float32).reshape(5, 1, 8, 8)).shape[0] == 5
