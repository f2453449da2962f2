"""The TransNAS-Bench-101 micro and macro spaces: strings, enumeration, neighbourhoods,
encodings and networks, checked against the benchmark's own table."""

import csv
import gzip
import itertools
from functools import cache
from pathlib import Path

import numpy as np
import pytest
import torch

import sknas.spaces
from sknas.spaces import (
    TNB101MacroArchitecture,
    TNB101MacroSpace,
    TNB101MicroArchitecture,
    TNB101MicroSpace,
)

DATA_DIR = Path(__file__).resolve().parents[1] / "sknas" / "bench" / "data"


@cache
def _archs(kind):
    """``{tnb_arch_str: NASLib arch}`` of every architecture of the shipped ``kind`` table."""
    path = DATA_DIR / f"tnb101_{kind}_val_zen_epe_synflow_fisher.csv.gz"
    if not path.exists():
        pytest.skip(f"TransNAS-Bench-101 data not found at {path}")
    with gzip.open(path, "rt", newline="") as handle:
        rows = list(csv.DictReader(handle))
    pairs = {}
    for row in rows:
        assert pairs.setdefault(row["tnb_arch_str"], row["arch"]) == row["arch"]
    return pairs


def micro(*ops):
    return TNB101MicroArchitecture(tuple(ops))


def macro(*blocks):
    return TNB101MacroArchitecture(tuple(blocks))


def n_params(module):
    return sum(p.numel() for p in module.parameters())


SPACES = {"micro": TNB101MicroSpace, "macro": TNB101MacroSpace}


@pytest.fixture(params=["micro", "macro"])
def kind(request):
    return request.param


# ---------------------------------------------------------------------------------------------
# Strings
# ---------------------------------------------------------------------------------------------


def test_every_table_string_parses_prints_back_and_matches_the_naslib_tuple(kind):
    space = SPACES[kind]()
    for string, naslib in _archs(kind).items():
        arch = space.parse(string)
        assert str(arch) == string
        assert space.from_naslib(naslib) == arch
        assert arch in space


def test_strings_follow_the_benchmark_format():
    assert str(micro(3, 1, 3, 3, 0, 2)) == "64-41414-3_13_302"
    assert str(macro(2, 3, 2, 3, 2, 3)) == "64-232323-basic"
    # The string is the benchmark's identifier, whatever the network's configuration.
    small = TNB101MicroSpace(channels=8, blocks_per_module=1)
    assert str(small.parse("64-41414-3_13_302")) == "64-41414-3_13_302"
    assert TNB101MicroSpace().parse("64-41414-1_23_012").ops == (1, 2, 3, 0, 1, 2)


@pytest.mark.parametrize(
    ("string", "message"),
    [
        ("32-41414-3_13_302", "starts with '64-41414-'"),
        ("64-41415-3_13_302", "starts with '64-41414-'"),
        ("64-232323-basic", "a macro string"),
        ("64-41414-3_13_30", "6 edges in three '_'-separated groups"),
        ("64-41414-313302", "6 edges"),
        ("64-41414-3_13_3021", "node 3 takes 3"),
        ("64-41414-3_14_302", "unknown op code '4' on edge 2"),
        ("64-41414-3_x3_302", "op codes are 0 none, 1 skip_connect"),
    ],
)
def test_micro_parse_rejects_malformed_strings(string, message):
    with pytest.raises(ValueError, match=message):
        TNB101MicroSpace().parse(string)


@pytest.mark.parametrize(
    ("string", "message"),
    [
        ("32-1234-basic", r"'64-', the block codes, then '-basic'"),
        ("64-1234-resnet", "then '-basic'"),
        ("64-41414-3_13_302", "a micro string"),
        ("64-12a4-basic", "not digits"),
        ("64-123-basic", "3 blocks, not 4 to 6"),
        ("64-1234123-basic", "7 blocks, not 4 to 6"),
        ("64-12354-basic", r"block codes \[5\] are not in 1..4"),
        ("64-1111-basic", "halves the resolution 0 times"),
        ("64-33333-basic", "halves the resolution 5 times .* not 1 to 4"),
        ("64-1133-basic", "doubles the channels 0 times"),
        ("64-4444-basic", "doubles the channels 4 times .* not 1 to 3"),
    ],
)
def test_macro_parse_rejects_malformed_strings(string, message):
    with pytest.raises(ValueError, match=message):
        TNB101MacroSpace().parse(string)


@pytest.mark.parametrize("value", [None, 42, ("64-1234-basic",)])
def test_parse_rejects_non_strings(kind, value):
    with pytest.raises(ValueError, match="is a str like"):
        SPACES[kind]().parse(value)


@pytest.mark.parametrize(
    ("kind", "text", "message"),
    [
        ("micro", "3, 1, 3, 3, 0, 2", "parenthesised tuple"),
        ("micro", "(3, 1, 3, 3, 0)", "6 op codes, one per edge, found 5"),
        ("micro", "(3, 1, 3, 3, 0, 4)", "unknown op code 4 on edge 5"),
        ("micro", "(3, 1, x, 3, 0, 2)", "comma-separated integers"),
        ("macro", "[2, 3, 2, 3]", "parenthesised tuple"),
        ("macro", "(2, 3, 2)", "3 blocks, not 4 to 6"),
        ("macro", "(1, 1, 1, 1)", "halves the resolution 0 times"),
        ("macro", 123, "is a str like"),
    ],
)
def test_from_naslib_rejects_bad_tuples(kind, text, message):
    with pytest.raises(ValueError, match=message):
        SPACES[kind]().from_naslib(text)


def test_from_naslib_reads_the_tuple_in_order():
    assert TNB101MicroSpace().from_naslib(" (3,1, 3, 3, 0, 2) ") == micro(3, 1, 3, 3, 0, 2)
    assert TNB101MacroSpace().from_naslib("(4, 1, 3, 2)") == macro(4, 1, 3, 2)


# ---------------------------------------------------------------------------------------------
# Enumeration and sampling
# ---------------------------------------------------------------------------------------------


def test_enumerate_yields_every_table_architecture_exactly_once(kind):
    strings = [str(a) for a in SPACES[kind]().enumerate()]
    assert len(strings) == len(set(strings)) == {"micro": 4096, "macro": 3256}[kind]
    assert set(strings) == set(_archs(kind))
    assert strings == [str(a) for a in SPACES[kind]().enumerate()]  # a fixed order


def test_macro_validity_is_the_halving_and_doubling_rule():
    space = TNB101MacroSpace()
    expected = {
        blocks
        for n in (4, 5, 6)
        for blocks in itertools.product((1, 2, 3, 4), repeat=n)
        if 1 <= sum(b in (3, 4) for b in blocks) <= 4 and 1 <= sum(b in (2, 4) for b in blocks) <= 3
    }
    assert {a.blocks for a in space.enumerate()} == expected


def test_sample_stays_in_the_space_and_is_reproducible(kind):
    space = SPACES[kind]()
    first = [space.sample(np.random.default_rng(3)) for _ in range(3)]
    again = [space.sample(np.random.default_rng(3)) for _ in range(3)]
    assert first == again
    rng = np.random.default_rng(0)
    draws = [space.sample(rng) for _ in range(400)]
    assert all(a in space for a in draws)
    assert len(set(draws)) > 300  # uniform over thousands: few repeats


def test_macro_sample_covers_every_length():
    space = TNB101MacroSpace()
    rng = np.random.default_rng(1)
    lengths = {len(space.sample(rng).blocks) for _ in range(300)}
    assert lengths == {4, 5, 6}


def test_sample_pool_draws_distinct_architectures(kind):
    pool = SPACES[kind]().sample_pool(50, np.random.default_rng(0))
    assert len(pool) == len(set(pool)) == 50


# ---------------------------------------------------------------------------------------------
# Neighbourhoods and distance
# ---------------------------------------------------------------------------------------------


def test_neighbours_are_exactly_the_architectures_at_distance_one(kind):
    space = SPACES[kind]()
    everything = list(space.enumerate())
    rng = np.random.default_rng(0)
    for i in rng.choice(len(everything), size=12, replace=False):
        arch = everything[i]
        neighbours = space.neighbours(arch)
        assert len(neighbours) == len(set(neighbours))
        assert all(n in space and space.distance(arch, n) == 1 for n in neighbours)
        assert set(neighbours) == {b for b in everything if space.distance(arch, b) == 1}


def test_micro_has_18_neighbours():
    space = TNB101MicroSpace()
    assert len(space.neighbours(micro(0, 1, 2, 3, 0, 1))) == 18


def test_macro_neighbours_change_insert_or_delete_one_block():
    space = TNB101MacroSpace()
    neighbours = set(space.neighbours(macro(2, 3, 2, 3, 2, 3)))
    assert macro(2, 3, 2, 3, 2, 4) not in neighbours  # 4 doublings
    assert macro(1, 3, 2, 3, 2, 3) in neighbours  # change
    assert macro(3, 2, 3, 2, 3) in neighbours  # deletion
    assert all(len(n.blocks) <= 6 for n in neighbours)  # no insertion beyond 6 blocks
    assert macro(1, 2, 3, 4, 1) in set(space.neighbours(macro(1, 2, 3, 4)))  # insertion


def test_distance_is_symmetric_and_zero_only_on_equal_architectures(kind):
    space = SPACES[kind]()
    rng = np.random.default_rng(2)
    archs = [space.sample(rng) for _ in range(40)]
    for a, b in itertools.combinations(archs, 2):
        d = space.distance(a, b)
        assert d == space.distance(b, a)
        assert (d == 0) == (a == b)
    assert all(space.distance(a, a) == 0 for a in archs)


def test_macro_distance_is_levenshtein():
    space = TNB101MacroSpace()
    assert space.distance(macro(2, 3, 2, 3, 2, 3), macro(3, 2, 3, 2, 3)) == 1
    assert space.distance(macro(1, 2, 3, 4), macro(4, 3, 2, 1)) == 4
    assert space.distance(macro(1, 2, 3, 4), macro(1, 2, 3, 4, 1, 1)) == 2


def test_mutate_gives_a_neighbour_reproducibly(kind):
    space = SPACES[kind]()
    arch = next(iter(space.enumerate()))
    child = space.mutate(arch, np.random.default_rng(5))
    assert child == space.mutate(arch, np.random.default_rng(5))
    assert space.distance(arch, child) == 1 and child in space


def test_canonical_is_the_identity(kind):
    space = SPACES[kind]()
    arch = space.sample(np.random.default_rng(0))
    assert space.canonical(arch) is arch


# ---------------------------------------------------------------------------------------------
# Encodings
# ---------------------------------------------------------------------------------------------


def test_encode_is_a_fixed_length_one_hot(kind):
    space = SPACES[kind]()
    length, slots = {"micro": (24, 6), "macro": (30, 6)}[kind]
    rng = np.random.default_rng(0)
    for _ in range(30):
        x = space.encode(space.sample(rng))
        assert x.shape == (length,) and x.dtype == np.float32
        assert x.sum() == slots and set(np.unique(x)) <= {0.0, 1.0}
    assert len({space.encode(a).tobytes() for a in itertools.islice(space.enumerate(), 500)}) == 500


def test_to_graph_shapes_are_equal_across_architectures(kind):
    space = SPACES[kind]()
    graphs = [space.to_graph(a) for a in space.sample_pool(60, np.random.default_rng(0))]
    shapes = {(g.node_features.shape, g.adjacency.shape, g.edge_ops.shape, g.n_edge_types) for g in graphs}
    assert len(shapes) == 1
    for g in graphs:
        assert ((g.edge_ops >= 0) == (g.adjacency == 1)).all()
        assert g.edge_ops.max() < g.n_edge_types


def test_micro_to_graph_drops_none_edges():
    graph = TNB101MicroSpace().to_graph(micro(3, 0, 1, 2, 0, 3))
    assert graph.n_edge_types == 4 and graph.node_features.shape == (4, 9)
    assert graph.edge_ops[1, 0] == 3 and graph.edge_ops[2, 0] == -1 and graph.edge_ops[2, 1] == 1
    assert graph.adjacency.sum() == 4


def test_macro_to_graph_is_a_chain_typed_by_block_code():
    graph = TNB101MacroSpace().to_graph(macro(4, 1, 3, 2))
    assert graph.node_features.shape == (7, 8) and graph.n_edge_types == 4
    assert [graph.edge_ops[i + 1, i] for i in range(6)] == [3, 0, 2, 1, -1, -1]
    assert graph.adjacency.sum() == 4
    np.testing.assert_allclose(graph.node_features[:, 3], [1, 1, 1, 1, 1, 0, 0])  # present
    np.testing.assert_allclose(graph.node_features[4, 1:3], [2 / 4, 2 / 3])  # halvings, doublings


def test_choices_round_trip(kind):
    space = SPACES[kind]()
    sizes = space.choice_sizes()
    assert sizes == {"micro": [4] * 6, "macro": [5] * 6}[kind]
    for arch in itertools.islice(space.enumerate(), 0, None, 37):
        choices = space.to_choices(arch)
        assert len(choices) == len(sizes) and all(0 <= c < s for c, s in zip(choices, sizes))
        assert space.from_choices(choices) == arch


def test_every_micro_choice_is_in_the_space():
    space = TNB101MicroSpace()
    rng = np.random.default_rng(0)
    assert all(space.from_choices(rng.integers(4, size=6)) in space for _ in range(100))


def test_macro_choices_drop_empty_slots_and_may_leave_the_space():
    space = TNB101MacroSpace()
    assert space.from_choices([0, 2, 0, 3, 1, 1]) == macro(2, 3, 1, 1)
    for choices in ([0] * 6, [1, 1, 1, 1, 1, 1], [3, 3, 3, 3, 3, 0], [2, 3, 0, 0, 0, 0], [4, 4, 4, 4, 0, 0]):
        arch = space.from_choices(choices)
        assert arch not in space
    # arbitrary in-range choices never raise; the valid ones land in the space
    rng = np.random.default_rng(0)
    found = [space.from_choices(rng.integers(5, size=6)) for _ in range(300)]
    assert 0 < sum(a in space for a in found) < 300


@pytest.mark.parametrize("choices", [[1, 2, 3], [0, 1, 2, 3, 4, 5], [-1, 1, 2, 3, 1, 1]])
def test_from_choices_rejects_out_of_range_choices(choices):
    with pytest.raises(ValueError, match="choices"):
        TNB101MacroSpace().from_choices(choices)
    with pytest.raises(ValueError, match="choices"):
        TNB101MicroSpace().from_choices(choices)


def test_contains_rejects_foreign_and_invalid_architectures():
    assert macro(2, 3, 2, 3) not in TNB101MicroSpace()
    assert micro(0, 1, 2, 3, 0, 1) not in TNB101MacroSpace()
    assert micro(0, 1, 2, 4, 0, 1) not in TNB101MicroSpace()
    assert micro(0, 1, 2, 3, 0) not in TNB101MicroSpace()
    assert macro(2, 3, 23, 3) not in TNB101MacroSpace()
    assert "64-232323-basic" not in TNB101MacroSpace()


# ---------------------------------------------------------------------------------------------
# Networks
# ---------------------------------------------------------------------------------------------

MICRO_CELLS = ["64-41414-0_00_000", "64-41414-1_11_111", "64-41414-3_13_302", "64-41414-2_02_320"]
MACRO_SEQUENCES = ["64-3334-basic", "64-4441-basic", "64-232323-basic", "64-121133-basic"]


@pytest.mark.parametrize(
    ("kind", "string"), [("micro", s) for s in MICRO_CELLS] + [("macro", s) for s in MACRO_SEQUENCES]
)
@pytest.mark.parametrize("input_shape", [(3, 8, 8), (1, 9, 9), (2, 11, 8)])
def test_networks_run_forward_on_small_and_odd_images(kind, string, input_shape):
    space = SPACES[kind](channels=8, blocks_per_module=1)
    torch.manual_seed(0)
    net = space.build(space.parse(string), input_shape, n_outputs=5)
    x = torch.randn(2, *input_shape)
    features = net.features(x)
    assert features.shape[:2] == (2, net.out_channels)
    out = net(x)
    assert out.shape == (2, 5) and torch.isfinite(out).all()
    out.sum().backward()


def test_micro_network_channels_and_resolution_follow_the_skeleton():
    space = TNB101MicroSpace(channels=8, blocks_per_module=2)
    net = space.build(space.parse("64-41414-3_13_302"), (3, 16, 16), 4)
    assert space.resolve_stem_stride((3, 16, 16)) == 1
    assert len(net.layers) == 5 and all(len(m) == 2 for m in net.layers)
    assert net.features(torch.zeros(2, 3, 16, 16)).shape == (2, 64, 2, 2)  # 3 halvings, 3 doublings


def test_macro_network_channels_and_resolution_follow_the_codes():
    space = TNB101MacroSpace(channels=4, blocks_per_module=2)
    # code 2 doubles the channels at stride 1; code 3 halves the resolution at equal channels
    net = space.build(space.parse("64-2313-basic"), (1, 32, 32), 2)
    assert net.features(torch.zeros(1, 1, 32, 32)).shape == (1, 8, 8, 8)
    assert all(len(m) == 2 for m in net.layers)


def test_default_networks_use_the_benchmark_stem_on_large_images():
    micro_space, macro_space = TNB101MicroSpace(), TNB101MacroSpace()
    assert micro_space.resolve_stem_stride((3, 64, 64)) == 4
    assert micro_space.resolve_stem_stride((3, 32, 32)) == 1
    assert TNB101MicroSpace(stem_stride=2).resolve_stem_stride((3, 256, 256)) == 2
    net = micro_space.build(micro_space.parse("64-41414-3_13_302"), (3, 64, 64), 10)
    assert net.features(torch.zeros(1, 3, 64, 64)).shape == (1, 512, 2, 2)  # 64 / 4 / 8
    assert n_params(net) > 0
    net = macro_space.build(macro_space.parse("64-232323-basic"), (3, 32, 32), 10)
    assert net(torch.zeros(1, 3, 32, 32)).shape == (1, 10)


def test_default_micro_network_builds_for_32x32():
    space = TNB101MicroSpace()
    net = space.build(space.parse("64-41414-1_23_012"), (3, 32, 32), 10)
    assert net.out_channels == 512 and n_params(net) > 1_000_000


# Parameter counts of the reference MacroNet (yawen-d/TransNASBench, lib/models/net_infer/
# net_macro.py) for 3-channel images and a 10-class head, counted by running that code.
REFERENCE_PARAMS = {
    "64-41414-3_13_302": 20_977_450,
    "64-41414-1_11_111": 546_090,
    "64-41414-0_12_321": 8_037_162,
    "64-232323-basic": 23_782_954,
    "64-3334-basic": 1_002_922,
    "64-121133-basic": 3_090_986,
}


@pytest.mark.parametrize(("string", "expected"), REFERENCE_PARAMS.items())
def test_default_networks_have_the_reference_parameter_count(string, expected):
    space = TNB101MacroSpace() if string.endswith("-basic") else TNB101MicroSpace()
    assert n_params(space.build(space.parse(string), (3, 64, 64), 10)) == expected


def test_macro_shortcut_batch_norm_is_a_standard_one():
    # the reference's BatchNorm2d(c, True, True) lands on eps=1, momentum=1: a slip not copied
    space = TNB101MacroSpace(channels=4, blocks_per_module=1)
    net = space.build(space.parse("64-4311-basic"), (3, 8, 8), 2)
    shortcut_bns = [m.shortcut[1] for m in net.modules() if isinstance(getattr(m, "shortcut", None), torch.nn.Sequential)]
    assert len(shortcut_bns) == 2
    assert all(bn.eps == 1e-5 and bn.momentum == 0.1 for bn in shortcut_bns)


def test_empty_cell_network_outputs_a_constant():
    space = TNB101MicroSpace(channels=8, blocks_per_module=1)
    net = space.build(space.parse("64-41414-0_00_000"), (3, 9, 9), 3).eval()
    out = net(torch.randn(4, 3, 9, 9))
    torch.testing.assert_close(out, out[:1].expand_as(out))


def test_build_rejects_architectures_outside_the_space():
    with pytest.raises(ValueError, match="not an architecture of the tnb101-macro space"):
        TNB101MacroSpace().build(macro(1, 1, 1, 1), (3, 8, 8), 2)


@pytest.mark.parametrize("shape", [(3, 7, 8), (1, 8, 4)])
def test_check_input_shape_rejects_small_images(kind, shape):
    with pytest.raises(ValueError, match="at least 8x8 pixels.*upsample"):
        SPACES[kind]().check_input_shape(shape)


@pytest.mark.parametrize("shape", [(64,), (8, 8), (1, 3, 8, 8)])
def test_check_input_shape_rejects_non_image_shapes(kind, shape):
    with pytest.raises(ValueError, match=r"\(channels, height, width\)"):
        SPACES[kind]().check_input_shape(shape)


# ---------------------------------------------------------------------------------------------
# Configuration and registry
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"channels": 0}, "channels >= 1"),
        ({"blocks_per_module": 0}, "blocks_per_module >= 1"),
        ({"stem_stride": 3}, "stem_stride=None .* 1, 2 or 4, got 3"),
    ],
)
def test_constructor_rejects_bad_configurations(kind, kwargs, message):
    with pytest.raises(ValueError, match=message):
        SPACES[kind](**kwargs)


def test_get_config_rebuilds_the_space(kind):
    space = SPACES[kind](channels=16, blocks_per_module=1, stem_stride=2)
    _ = list(space.enumerate())  # cached state stays out of the configuration
    config = space.get_config()
    assert config == {"channels": 16, "blocks_per_module": 1, "stem_stride": 2}
    assert type(space)(**config).get_config() == config
    assert repr(space) == f"{type(space).__name__}(channels=16, blocks_per_module=1, stem_stride=2)"


@pytest.mark.parametrize(("name", "cls"), [("tnb101-micro", TNB101MicroSpace), ("tnb101-macro", TNB101MacroSpace)])
def test_registered_spaces_are_light(name, cls):
    space = sknas.spaces.make_space(name)
    assert isinstance(space, cls) and space.name == name
    assert space.get_config() == {"channels": 16, "blocks_per_module": 1, "stem_stride": None}
    assert sknas.spaces.SPACE_CLASSES[cls.__name__] is cls
    assert cls.__name__ in sknas.spaces.__all__


@pytest.mark.parametrize("name", ["tnb101-micro", "tnb101-macro"])
def test_an_estimator_searches_the_space_on_images(name):
    from sklearn.datasets import load_digits

    from sknas import RandomSearch

    X, y = load_digits(return_X_y=True)
    search = RandomSearch(space=name, budget=2, epochs=1, final_epochs=1, image_shape=(8, 8), random_state=0)
    search.fit(X[:200], y[:200])
    assert search.results_["status"] == ["ok", "ok"]
    assert search.best_architecture_ in sknas.spaces.make_space(name)
    assert search.predict(X[:5]).shape == (5,)
