"""Search spaces: strings, sampling, neighbourhoods, encodings, isomorphism and networks."""

import csv
import gzip
import itertools
import math
import re
from collections import Counter, deque
from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest
import torch

from sknas.spaces import CellArchitecture, CellSpace, MLPArchitecture, MLPSpace

NB201_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "nb201"
OPS = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")
EDGES = ((1, 0), (2, 0), (2, 1), (3, 0), (3, 1), (3, 2))
BEST_INDICES = (0, 6111, 9930, 857)  # index 0, and the best cells of CIFAR-10/100, ImageNet16



def cell(*ops):
    return CellArchitecture(tuple(ops))


def nb201_string(ops):
    """The NAS-Bench-201 string of six edge ops, written independently of the package."""
    return "+".join(
        "|" + "|".join(f"{ops[e]}~{s}" for e, (t, s) in enumerate(EDGES) if t == target) + "|"
        for target in (1, 2, 3)
    )


def n_params(module):
    return sum(p.numel() for p in module.parameters())


@lru_cache(maxsize=None)
def _read(name):
    path = NB201_DIR / name
    if not path.exists():
        pytest.skip(f"NAS-Bench-201 data not found at {path} (the shared data folder is absent)")
    with gzip.open(path, "rt", newline="") as handle:
        return tuple(csv.DictReader(handle))


def nb201_rows():
    return _read("nb201_accuracy.csv.gz")


# ---------------------------------------------------------------------------------------------
# CellSpace strings
# ---------------------------------------------------------------------------------------------


def test_cell_string_round_trip_on_every_nb201_row():
    space = CellSpace()
    rows = nb201_rows()
    assert len(rows) == 15625
    for row in rows:
        arch = space.parse(row["arch_str"])
        assert isinstance(arch, CellArchitecture)
        assert str(arch) == row["arch_str"]
        assert space.parse(str(arch)) == arch
        assert nb201_string(arch.ops) == row["arch_str"]


def test_cell_string_round_trip_on_enumerated_cells():
    space = CellSpace()
    for arch in space.enumerate():
        string = str(arch)
        assert string == nb201_string(arch.ops)
        assert space.parse(string) == arch
        assert hash(space.parse(string)) == hash(arch)


def test_cell_parse_reads_ops_in_edge_order():
    space = CellSpace()
    arch = space.parse(
        "|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|none~0|avg_pool_3x3~1|nor_conv_3x3~2|"
    )
    assert arch.ops == (
        "nor_conv_3x3", "skip_connect", "nor_conv_1x1", "none", "avg_pool_3x3", "nor_conv_3x3"
    )
    # surrounding whitespace is tolerated
    assert space.parse("  " + str(arch) + "\n") == arch


GOOD = "|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|none~0|avg_pool_3x3~1|nor_conv_3x3~2|"


@pytest.mark.parametrize(
    "string, message",
    [
        ("|none~0|+|none~0|none~1|", r"3 nodes.*found 2"),
        (GOOD + "+|none~0|", r"3 nodes.*found 4"),
        ("", r"3 nodes.*found 1"),
        ("|none~1|+|none~0|none~1|+|none~0|none~1|none~2|", r"'none~1'.*'op~0'"),
        ("|none~0|+|none~0|none~2|+|none~0|none~1|none~2|", r"'none~2'.*'op~1'"),
        ("|none~0|+|none~0|none~1|+|none~0|none~1|none~x|", r"'none~x'.*'op~2'"),
        ("|none|+|none~0|none~1|+|none~0|none~1|none~2|", r"edge 'none'.*'op~0'"),
        ("none~0|+|none~0|none~1|+|none~0|none~1|none~2|", r"node 1.*start and end with '\|'"),
        ("|none~0|+|none~0|none~1+|none~0|none~1|none~2|", r"node 2.*start and end with '\|'"),
        ("|none~0|+|none~0|none~1|+|none~0|none~1|none~2", r"node 3.*start and end with '\|'"),
        ("|none~0|none~1|+|none~0|none~1|+|none~0|none~1|none~2|", r"node 1.*1 incoming.*found 2"),
        ("|none~0|+|none~0|+|none~0|none~1|none~2|", r"node 2.*2 incoming.*found 1"),
    ],
)
def test_cell_parse_rejects_malformed_strings(string, message):
    with pytest.raises(ValueError, match=message) as info:
        CellSpace().parse(string)
    assert repr(string) in str(info.value)  # the message quotes what it could not parse


@pytest.mark.parametrize("bad_op", ["conv_3x3", "None", "skip", ""])
def test_cell_parse_unknown_op_lists_the_known_ops(bad_op):
    string = GOOD.replace("avg_pool_3x3~1", f"{bad_op}~1")
    with pytest.raises(ValueError, match=re.escape(f"unknown operation {bad_op!r}")) as info:
        CellSpace().parse(string)
    for op in OPS:
        assert op in str(info.value)


@pytest.mark.parametrize("value", [None, 3, b"|none~0|", ("none",) * 6, cell(*["none"] * 6)])
def test_cell_parse_rejects_non_strings(value):
    with pytest.raises(ValueError, match=r"a cell architecture string is a str"):
        CellSpace().parse(value)


def test_cell_space_constructor_rejects_bad_sizes():
    with pytest.raises(ValueError, match="channels >= 1"):
        CellSpace(channels=0)
    with pytest.raises(ValueError, match="cells_per_stage >= 1"):
        CellSpace(cells_per_stage=0)


# ---------------------------------------------------------------------------------------------
# CellSpace enumeration, sampling, neighbourhoods, distance
# ---------------------------------------------------------------------------------------------


def test_cell_enumerate_gives_every_cell_once():
    space = CellSpace()
    cells = list(space.enumerate())
    assert len(cells) == 15625 == len(set(cells))
    assert all(len(a.ops) == 6 and set(a.ops) <= set(OPS) for a in cells)
    assert {str(a) for a in cells} == {row["arch_str"] for row in nb201_rows()}
    assert list(space.enumerate()) == cells  # a fixed order


def test_cell_sample_is_reproducible_and_covers_the_ops():
    space = CellSpace()
    first = [space.sample(np.random.default_rng(123)) for _ in range(3)]
    assert first[0] == first[1] == first[2]
    rng_a, rng_b = np.random.default_rng(7), np.random.default_rng(7)
    run_a = [space.sample(rng_a) for _ in range(200)]
    run_b = [space.sample(rng_b) for _ in range(200)]
    assert run_a == run_b
    rng_c = np.random.default_rng(8)
    assert [space.sample(rng_c) for _ in range(200)] != run_a  # another seed, other cells
    assert len(set(run_a)) > 190
    assert all(isinstance(a, CellArchitecture) for a in run_a)
    for edge in range(6):  # every op shows up on every edge in 200 draws
        assert {a.ops[edge] for a in run_a} == set(OPS)


def test_cell_neighbours_are_the_24_cells_at_distance_one():
    space = CellSpace()
    rng = np.random.default_rng(0)
    for arch in [space.sample(rng) for _ in range(50)] + [cell(*["none"] * 6)]:
        neighbours = space.neighbours(arch)
        assert len(neighbours) == 24 == len(set(neighbours))
        assert arch not in neighbours
        assert all(space.distance(arch, n) == 1 for n in neighbours)
        hamming_one = {
            cell(*(arch.ops[:e] + (op,) + arch.ops[e + 1 :]))
            for e in range(6)
            for op in OPS
            if op != arch.ops[e]
        }
        assert set(neighbours) == hamming_one
        for _ in range(5):
            assert space.mutate(arch, rng) in neighbours


def test_cell_mutate_is_reproducible():
    space = CellSpace()
    arch = space.sample(np.random.default_rng(1))
    a = [space.mutate(arch, np.random.default_rng(5)) for _ in range(2)]
    assert a[0] == a[1]


def test_cell_distance_is_hamming_symmetric_and_zero_on_identity():
    space = CellSpace()
    rng = np.random.default_rng(3)
    cells = [space.sample(rng) for _ in range(60)]
    for a, b in itertools.product(cells[:20], cells):
        d = space.distance(a, b)
        assert d == sum(x != y for x, y in zip(a.ops, b.ops))
        assert d == space.distance(b, a)
        assert (d == 0) == (a == b)
    assert space.distance(cell(*["none"] * 6), cell(*["nor_conv_3x3"] * 6)) == 6
    for a in cells:
        assert space.distance(a, space.parse(str(a))) == 0


# ---------------------------------------------------------------------------------------------
# CellSpace isomorphism
# ---------------------------------------------------------------------------------------------


def test_canonical_is_idempotent_and_a_class_member():
    space = CellSpace()
    rng = np.random.default_rng(11)
    for arch in [space.sample(rng) for _ in range(300)]:
        rep = space.canonical(arch)
        assert isinstance(rep, CellArchitecture)
        assert space.canonical(rep) == rep
        assert space.function_key(rep) == space.function_key(arch)


def test_canonical_representatives_are_a_fixed_partition():
    space = CellSpace()
    reps = {space.canonical(a) for a in space.enumerate()}
    # far fewer classes than cells, and each representative maps to itself
    assert 1000 < len(reps) < 15625
    assert all(space.canonical(r) == r for r in reps)
    # a second space instance picks the same representatives
    other = CellSpace(channels=4, cells_per_stage=1)
    rng = np.random.default_rng(2)
    for arch in [space.sample(rng) for _ in range(100)]:
        assert other.canonical(arch) == space.canonical(arch)


def test_canonical_ignores_an_edge_into_a_node_with_only_none_outputs():
    space = CellSpace()
    # node 1 feeds nodes 2 and 3 through edges 2 (2<-1) and 4 (3<-1): both none
    for rest in [("nor_conv_3x3", "avg_pool_3x3", "skip_connect"), ("skip_connect", "none", "nor_conv_1x1")]:
        variants = {cell(op, rest[0], "none", rest[1], "none", rest[2]) for op in OPS}
        assert len(variants) == 5
        assert len({space.canonical(v) for v in variants}) == 1
    # node 2 feeds only node 3, through edge 5: none, so edges 1 and 2 are dead
    variants = {
        cell("nor_conv_1x1", a, b, "nor_conv_3x3", "skip_connect", "none")
        for a, b in itertools.product(OPS, OPS)
    }
    assert len(variants) == 25
    assert len({space.canonical(v) for v in variants}) == 1


def test_canonical_ignores_ops_reading_an_all_zero_node():
    space = CellSpace()
    # edge 0 is none, so node 1 is zero and edges 2 and 4 read nothing
    variants = {
        cell("none", "nor_conv_3x3", a, "avg_pool_3x3", b, "skip_connect")
        for a, b in itertools.product(OPS, OPS)
    }
    assert len({space.canonical(v) for v in variants}) == 1
    # a cell whose output is zero whatever the other edges are
    zero = {cell(a, b, c, "none", "none", "none") for a, b, c in itertools.product(OPS, OPS, OPS)}
    assert len({space.canonical(v) for v in zero}) == 1
    assert space.canonical(cell(*["none"] * 6)) == space.canonical(next(iter(zero)))


def test_canonical_identifies_swapped_symmetric_intermediate_nodes():
    space = CellSpace()
    rng = np.random.default_rng(4)
    for _ in range(100):
        # edge 2 (2<-1) is none, so nodes 1 and 2 both read only node 0 and are symmetric
        e0, e1, e3, e4, e5 = (OPS[i] for i in rng.integers(5, size=5))
        a = cell(e0, e1, "none", e3, e4, e5)
        swapped = cell(e1, e0, "none", e3, e5, e4)
        assert space.canonical(a) == space.canonical(swapped)


def test_canonical_identifies_chains_of_skip_connections():
    space = CellSpace()
    same = [
        cell("none", "none", "none", "nor_conv_3x3", "none", "none"),  # 3 = conv(0)
        cell("nor_conv_3x3", "none", "none", "none", "skip_connect", "none"),  # 3 = 1 = conv(0)
        cell("nor_conv_3x3", "none", "skip_connect", "none", "none", "skip_connect"),  # 3 = 2 = 1
        cell("none", "nor_conv_3x3", "none", "none", "none", "skip_connect"),  # 3 = 2 = conv(0)
    ]
    assert len({space.canonical(c) for c in same}) == 1
    # 3 = conv(0) + pool(0), with the sum formed in node 2 or directly in node 3
    summed = [
        cell("nor_conv_1x1", "avg_pool_3x3", "skip_connect", "none", "none", "skip_connect"),
        cell("nor_conv_1x1", "avg_pool_3x3", "none", "none", "skip_connect", "skip_connect"),
        cell("nor_conv_1x1", "none", "none", "avg_pool_3x3", "skip_connect", "none"),
        cell("none", "none", "none", "avg_pool_3x3", "none", "none"),
    ]
    assert len({space.canonical(c) for c in summed[:3]}) == 1
    assert space.canonical(summed[3]) != space.canonical(summed[0])


@pytest.mark.parametrize(
    "a, b",
    [
        # different operation on the only live edge
        (("none", "none", "none", "nor_conv_3x3", "none", "none"), ("none", "none", "none", "nor_conv_1x1", "none", "none")),
        (("none", "none", "none", "skip_connect", "none", "none"), ("none", "none", "none", "avg_pool_3x3", "none", "none")),
        # pool(conv(x)) versus conv(pool(x))
        (("nor_conv_3x3", "none", "none", "none", "avg_pool_3x3", "none"), ("avg_pool_3x3", "none", "none", "none", "nor_conv_3x3", "none")),
        # conv(x) + conv(x) versus conv(conv(x))
        (("nor_conv_3x3", "none", "none", "nor_conv_3x3", "skip_connect", "none"), ("nor_conv_3x3", "none", "none", "none", "nor_conv_3x3", "none")),
        # x + conv(x) versus conv(x)
        (("nor_conv_3x3", "none", "none", "skip_connect", "skip_connect", "none"), ("nor_conv_3x3", "none", "none", "none", "skip_connect", "none")),
        # conv(x + x) versus conv(x)
        (("skip_connect", "skip_connect", "skip_connect", "none", "none", "nor_conv_3x3"), ("skip_connect", "skip_connect", "none", "none", "none", "nor_conv_3x3")),
        # the all-convolution cell versus the all-zero cell
        (("nor_conv_3x3",) * 6, ("none",) * 6),
    ],
)
def test_canonical_separates_functionally_different_cells(a, b):
    space = CellSpace()
    assert space.canonical(cell(*a)) != space.canonical(cell(*b))
    assert space.function_key(cell(*a)) != space.function_key(cell(*b))


def test_canonical_keeps_a_live_cell_whose_every_edge_matters():
    space = CellSpace()
    arch = space.parse(GOOD)
    assert space.canonical(arch) == arch
    full = cell(*["nor_conv_3x3"] * 6)
    for neighbour in space.neighbours(full):
        assert space.canonical(neighbour) != space.canonical(full)


# ---------------------------------------------------------------------------------------------
# CellSpace encodings
# ---------------------------------------------------------------------------------------------


def test_cell_encode_is_a_fixed_length_one_hot():
    space = CellSpace()
    encodings = {}
    for arch in space.enumerate():
        x = space.encode(arch)
        assert x.shape == (30,)
        encodings[x.tobytes()] = arch
    assert len(encodings) == 15625  # injective
    rng = np.random.default_rng(0)
    for arch in [space.sample(rng) for _ in range(100)]:
        onehot = space.encode(arch).reshape(6, 5)
        assert set(np.unique(onehot)) <= {0.0, 1.0}
        np.testing.assert_array_equal(onehot.sum(axis=1), np.ones(6))
        assert [OPS[i] for i in onehot.argmax(axis=1)] == list(arch.ops)


def test_cell_to_graph_matches_the_ops():
    space = CellSpace()
    rng = np.random.default_rng(1)
    for arch in [space.sample(rng) for _ in range(100)] + [cell(*["none"] * 6), cell(*["skip_connect"] * 6)]:
        graph = space.to_graph(arch)
        assert graph.node_features.shape == (4, 10)
        assert graph.adjacency.shape == (4, 4)
        assert graph.edge_ops.shape == (4, 4)
        expected_adj = np.zeros((4, 4))
        expected_ops = np.full((4, 4), -1)
        for (target, source), op in zip(EDGES, arch.ops):
            expected_ops[target, source] = OPS.index(op) if op != "none" else -1
            expected_adj[target, source] = float(op != "none")
        np.testing.assert_array_equal(graph.edge_ops, expected_ops)
        np.testing.assert_array_equal(graph.adjacency, expected_adj)
        assert np.all(np.triu(graph.adjacency) == 0)  # a DAG in topological order
        np.testing.assert_array_equal(graph.node_features[:, :4], graph.adjacency)
        np.testing.assert_allclose(graph.node_features[:, 4], [0, 1 / 3, 2 / 3, 1])
        assert graph.n_edge_types == len(OPS)
        counts = graph.node_features[:, 5:]
        np.testing.assert_array_equal(counts.sum(axis=1), [0, 1, 2, 3])
        for target in (1, 2, 3):
            incoming = Counter(op for (t, _), op in zip(EDGES, arch.ops) if t == target)
            assert list(counts[target]) == [incoming[op] for op in OPS]


def test_mlp_to_graph_is_a_chain_of_the_layers():
    space = MLPSpace()
    arch = space.parse("mlp:256-64,gelu,dropout=0.1,norm=layer")
    graph = space.to_graph(arch)
    assert graph.node_features.shape[0] == 3 and graph.n_edge_types == 1
    np.testing.assert_array_equal(graph.node_features[:, 0], [1, 1, 0])  # the third slot is absent
    np.testing.assert_array_equal(graph.adjacency, [[0, 0, 0], [1, 0, 0], [0, 0, 0]])
    np.testing.assert_array_equal(graph.edge_ops, [[-1, -1, -1], [0, -1, -1], [-1, -1, -1]])
    assert graph.node_features[0, 1 + space.widths.index(256)] == 1
    assert graph.node_features[1, 1 + space.widths.index(64)] == 1
    other = space.to_graph(space.parse("mlp:256-64,relu,dropout=0.1,norm=layer"))
    assert not np.array_equal(graph.node_features, other.node_features)  # the activation shows


# ---------------------------------------------------------------------------------------------
# CellSpace networks: the NAS-Bench-201 parameter counts
# ---------------------------------------------------------------------------------------------


def _conv_counts(arch_str):
    ops = CellSpace().parse(arch_str).ops
    return ops.count("nor_conv_1x1"), ops.count("nor_conv_3x3")


@lru_cache(maxsize=None)
def _inconsistent_param_rows():
    """Indices of the rows whose ``params_M`` is not a trustworthy parameter count.

    The column has six decimals: a whole number of parameters, in millions. The parameter
    count of a NAS-Bench-201 network depends only on how many 1x1 and 3x3 convolutions its
    cell has, so a row is inconsistent when its value is not a whole number of parameters,
    or differs from the value most rows with the same convolution counts carry. This is
    decided from the table alone, without building anything.
    """
    rows = nb201_rows()
    groups = {}
    for row in rows:
        groups.setdefault(_conv_counts(row["arch_str"]), Counter())[row["params_M"]] += 1
    bad = set()
    for row in rows:
        whole = len(row["params_M"].split(".")[1]) <= 6
        modal = groups[_conv_counts(row["arch_str"])].most_common(1)[0][0]
        if not whole or row["params_M"] != modal:
            bad.add(int(row["index"]))
    return frozenset(bad)


def _zc_params():
    return {row["arch_str"]: row["params"] for row in _read("nb201_zc_cifar10.csv.gz")}


def _nb201_network_params(arch_str):
    space = CellSpace(channels=16, cells_per_stage=5)
    return n_params(space.build(space.parse(arch_str), input_shape=(3, 32, 32), n_outputs=10))


def test_nb201_params_column_precision():
    rows = nb201_rows()
    decimals = Counter(len(row["params_M"].split(".")[1]) for row in rows)
    # six decimals: the count in millions is exact; a few rows of the source carry averages
    assert decimals.most_common(1)[0][0] == 6
    bad = _inconsistent_param_rows()
    assert len(bad) <= 204, "more inconsistent params_M rows than the 204 known ones"
    assert not bad & set(BEST_INDICES)


def test_cell_network_params_equal_nb201_params_column():
    rows = nb201_rows()
    bad = _inconsistent_param_rows()
    candidates = [i for i in range(len(rows)) if i not in bad and i not in BEST_INDICES]
    sample = np.random.default_rng(2024).choice(candidates, size=300, replace=False)
    indices = list(BEST_INDICES) + [int(i) for i in sample]
    zc = _zc_params()
    checked_zc = 0
    for index in indices:
        row = rows[index]
        assert int(row["index"]) == index
        count = _nb201_network_params(row["arch_str"])
        assert abs(round(count / 1e6, 6) - float(row["params_M"])) < 1e-9, (
            f"index {index} {row['arch_str']}: built {count} parameters, table {row['params_M']}M"
        )
        if row["arch_str"] in zc:  # NAS-Bench-Suite-Zero's params agree too
            assert abs(round(count / 1e6, 6) - float(zc[row["arch_str"]])) < 1e-9
            checked_zc += 1
    assert checked_zc > 100
    # the known parameter counts of NAS-Bench-201
    assert _nb201_network_params(rows[6111]["arch_str"]) == 1_073_466
    assert _nb201_network_params(nb201_string(["none"] * 6)) == 73_306


def test_cell_network_params_equal_zero_cost_params_where_the_accuracy_table_is_off():
    """The rows of params_M that are off are right in NAS-Bench-Suite-Zero's params column."""
    rows = nb201_rows()
    zc = _zc_params()
    checked = 0
    for index in sorted(_inconsistent_param_rows()):
        arch_str = rows[index]["arch_str"]
        if arch_str in zc:
            count = _nb201_network_params(arch_str)
            assert abs(round(count / 1e6, 6) - float(zc[arch_str])) < 1e-9, arch_str
            checked += 1
    assert checked > 0 or not _inconsistent_param_rows()


# ---------------------------------------------------------------------------------------------
# CellSpace networks: shapes
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "input_shape, n_outputs",
    [((1, 8, 8), 10), ((1, 28, 28), 1), ((3, 9, 11), 3), ((5, 32, 32), 7), ((3, 8, 13), 2)],
)
def test_cell_build_takes_any_image_of_at_least_8x8(input_shape, n_outputs):
    space = CellSpace(channels=4, cells_per_stage=1)
    torch.manual_seed(0)
    for arch in (space.parse(GOOD), cell(*["none"] * 6), cell(*["avg_pool_3x3"] * 6)):
        module = space.build(arch, input_shape, n_outputs)
        assert isinstance(module, torch.nn.Module)
        out = module(torch.randn(2, *input_shape))
        assert out.shape == (2, n_outputs)
        assert torch.isfinite(out).all()
        module.eval()
        assert module(torch.randn(1, *input_shape)).shape == (1, n_outputs)


def test_cell_build_shares_one_cell_per_stage_layout():
    small, big = CellSpace(channels=4, cells_per_stage=1), CellSpace(channels=8, cells_per_stage=2)
    arch = small.parse(GOOD)
    n_small = n_params(small.build(arch, (3, 16, 16), 10))
    n_big = n_params(big.build(arch, (3, 16, 16), 10))
    assert n_big > n_small
    # parameters do not depend on the image size, and grow with the input channels
    assert n_params(small.build(arch, (3, 32, 32), 10)) == n_small
    assert n_params(small.build(arch, (5, 16, 16), 10)) > n_small


@pytest.mark.parametrize("shape", [(1, 7, 7), (3, 7, 32), (3, 32, 7), (1, 1, 1)])
def test_cell_check_input_shape_rejects_small_images(shape):
    space = CellSpace()
    with pytest.raises(ValueError, match=r"at least 8x8"):
        space.check_input_shape(shape)
    with pytest.raises(ValueError, match=r"at least 8x8"):
        space.build(space.parse(GOOD), shape, 10)


@pytest.mark.parametrize("shape", [(28, 28), (784,), (1, 1, 28, 28)])
def test_cell_check_input_shape_rejects_non_image_shapes(shape):
    space = CellSpace()
    with pytest.raises(ValueError, match=r"\(channels, height, width\)"):
        space.check_input_shape(shape)
    with pytest.raises(ValueError, match=r"\(channels, height, width\)"):
        space.build(space.parse(GOOD), shape, 10)


def test_cell_check_input_shape_accepts_images():
    space = CellSpace()
    for shape in [(1, 8, 8), (3, 32, 32), (1, 28, 28), (3, 9, 11)]:
        assert space.check_input_shape(shape) is None


# ---------------------------------------------------------------------------------------------
# MLPSpace
# ---------------------------------------------------------------------------------------------

SMALL_MLP = dict(
    depths=(1, 2, 3), widths=(8, 16, 32), activations=("relu", "tanh"), dropouts=(0.0, 0.5),
    norms=("none", "layer"),
)


def mlp(widths, activation="relu", dropout=0.0, norm="none"):
    return MLPArchitecture(tuple(widths), activation, dropout, norm)


def test_mlp_string_round_trip_on_random_archs():
    spaces = [MLPSpace(), MLPSpace(**SMALL_MLP), MLPSpace(depths=(4, 5), dropouts=(0.25, 1 / 3))]
    rng = np.random.default_rng(0)
    for space in spaces:
        for _ in range(200):
            arch = space.sample(rng)
            string = str(arch)
            assert string.startswith("mlp:")
            parsed = space.parse(string)
            assert parsed == arch and hash(parsed) == hash(arch)
            assert str(parsed) == string


def test_mlp_string_format():
    arch = mlp((256, 128), "relu", 0.1, "batch")
    assert str(arch) == "mlp:256-128,relu,dropout=0.1,norm=batch"
    assert str(mlp((64,))) == "mlp:64,relu,dropout=0,norm=none"
    space = MLPSpace()
    assert space.parse("mlp:256-128,relu,dropout=0.1,norm=batch") == arch
    assert space.parse("mlp:64,relu,dropout=0.0,norm=none") == mlp((64,))
    # a dropout written with float noise is the configured rate
    assert space.parse("mlp:64,relu,dropout=0.30000000000000004,norm=none") == mlp((64,), dropout=0.3)


@pytest.mark.parametrize(
    "string, message",
    [
        ("256-128,relu,dropout=0.1,norm=batch", r"an MLP string looks like"),
        ("cell:256,relu,dropout=0.1,norm=batch", r"an MLP string looks like"),
        ("mlp:256,relu,dropout=0.1", r"expected the form"),
        ("mlp:256,relu,0.1,norm=batch", r"expected the form"),
        ("mlp:256,relu,dropout=0.1,batch", r"expected the form"),
        ("mlp:256,relu,dropout=0.1,norm=batch,extra", r"expected the form"),
        ("mlp:wide,relu,dropout=0.1,norm=batch", r"widths must be integers"),
        ("mlp:256--128,relu,dropout=0.1,norm=batch", r"widths must be integers"),
        ("mlp:256,relu,dropout=lots,norm=batch", r"dropout a number"),
        ("mlp:100,relu,dropout=0.1,norm=batch", r"not in this MLPSpace: widths \(100,\) not all in"),
        ("mlp:64-64-64-64,relu,dropout=0.1,norm=batch", r"depth 4 not in \(1, 2, 3\)"),
        ("mlp:64,elu,dropout=0.1,norm=batch", r"activation 'elu' not in"),
        ("mlp:64,relu,dropout=0.2,norm=batch", r"dropout 0.2 not in"),
        ("mlp:64,relu,dropout=0.1,norm=group", r"norm 'group' not in"),
    ],
)
def test_mlp_parse_rejects_malformed_or_foreign_strings(string, message):
    with pytest.raises(ValueError, match=message):
        MLPSpace().parse(string)


@pytest.mark.parametrize("value", [None, 64, ["mlp:64,relu,dropout=0,norm=none"]])
def test_mlp_parse_rejects_non_strings(value):
    with pytest.raises(ValueError, match="an MLP string looks like"):
        MLPSpace().parse(value)


def test_mlp_parse_rejects_archs_outside_a_restricted_space():
    space = MLPSpace(depths=(2,), widths=(8, 16), activations=("tanh",), dropouts=(0.5,), norms=("layer",))
    assert space.parse("mlp:8-16,tanh,dropout=0.5,norm=layer") == mlp((8, 16), "tanh", 0.5, "layer")
    for string, problem in [
        ("mlp:8,tanh,dropout=0.5,norm=layer", "depth 1"),
        ("mlp:8-64,tanh,dropout=0.5,norm=layer", "widths (8, 64)"),
        ("mlp:8-16,relu,dropout=0.5,norm=layer", "activation 'relu'"),
        ("mlp:8-16,tanh,dropout=0,norm=layer", "dropout 0.0"),
        ("mlp:8-16,tanh,dropout=0.5,norm=none", "norm 'none'"),
    ]:
        with pytest.raises(ValueError, match=re.escape(problem)):
            space.parse(string)
    # every problem is listed at once
    with pytest.raises(ValueError, match=r"depth 1.*activation 'relu'.*norm 'batch'"):
        space.parse("mlp:8,relu,dropout=0.5,norm=batch")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(activations=("relu", "elu")), r"unknown activations \['elu'\]; choose from relu, gelu, silu, tanh"),
        (dict(activations=("swish",)), r"unknown activations \['swish'\]"),
        (dict(norms=("none", "group")), r"unknown norms \['group'\]; choose from none, batch, layer"),
        (dict(depths=(0, 1)), r"depth >= 1"),
        (dict(depths=()), r"depth >= 1"),
        (dict(widths=(0, 8)), r"width >= 1"),
        (dict(dropouts=(0.0, 1.0)), r"dropout rates must lie in \[0, 1\)"),
        (dict(dropouts=(-0.1,)), r"dropout rates must lie in \[0, 1\)"),
        (dict(dropouts=()), r"dropout rates must lie in \[0, 1\)"),
    ],
)
def test_mlp_space_constructor_rejects_bad_choices(kwargs, message):
    with pytest.raises(ValueError, match=message):
        MLPSpace(**kwargs)


def test_mlp_sample_is_reproducible_and_in_the_space():
    space = MLPSpace(**SMALL_MLP)
    a = [space.sample(np.random.default_rng(9)) for _ in range(2)]
    assert a[0] == a[1]
    rng_a, rng_b = np.random.default_rng(4), np.random.default_rng(4)
    run_a = [space.sample(rng_a) for _ in range(300)]
    assert run_a == [space.sample(rng_b) for _ in range(300)]
    members = set(space.enumerate())
    assert set(run_a) <= members
    assert {len(x.widths) for x in run_a} == {1, 2, 3}
    assert {x.activation for x in run_a} == {"relu", "tanh"}
    assert {x.norm for x in run_a} == {"none", "layer"}


def test_mlp_enumerate_count_equals_the_product_formula():
    for kwargs in [{}, SMALL_MLP, dict(depths=(2, 4), widths=(3, 5), activations=("gelu",), dropouts=(0.0,), norms=("batch",))]:
        space = MLPSpace(**kwargs)
        archs = list(space.enumerate())
        expected = sum(len(space.widths) ** d for d in space.depths) * (
            len(space.activations) * len(space.dropouts) * len(space.norms)
        )
        assert len(archs) == expected == len(set(archs))
        assert all(space.parse(str(a)) == a for a in archs)
    assert len(list(MLPSpace().enumerate())) == (4 + 16 + 64) * 4 * 4 * 3


def test_mlp_neighbours_are_at_distance_one_on_random_archs():
    rng = np.random.default_rng(0)
    for space in [MLPSpace(), MLPSpace(**SMALL_MLP), MLPSpace(depths=(1,), widths=(8, 16), activations=("relu",), dropouts=(0.0,), norms=("none", "batch"))]:
        members = set(space.enumerate())
        for _ in range(60):
            arch = space.sample(rng)
            neighbours = space.neighbours(arch)
            assert neighbours and len(neighbours) == len(set(neighbours))
            assert arch not in neighbours
            assert set(neighbours) <= members
            assert all(space.distance(arch, n) == 1 == space.distance(n, arch) for n in neighbours)
            assert space.mutate(arch, rng) in neighbours


def test_mlp_neighbours_are_all_archs_at_distance_one():
    space = MLPSpace(**SMALL_MLP)
    archs = list(space.enumerate())
    for arch in archs[::11]:
        assert set(space.neighbours(arch)) == {b for b in archs if space.distance(arch, b) == 1}


def test_mlp_distance_is_the_shortest_path_through_neighbours():
    space = MLPSpace(**SMALL_MLP)
    archs = list(space.enumerate())
    graph = {a: space.neighbours(a) for a in archs}
    for source in archs[::17]:
        hops = {source: 0}
        queue = deque([source])
        while queue:
            u = queue.popleft()
            for v in graph[u]:
                if v not in hops:
                    hops[v] = hops[u] + 1
                    queue.append(v)
        assert len(hops) == len(archs)
        for a in archs:
            assert space.distance(source, a) == hops[a]


@pytest.mark.parametrize(
    "a, b, expected",
    [
        ((64, 128), (64, 128), 0),
        ((64,), (64, 128), 1),  # insert
        ((64, 128, 256), (128, 256), 1),  # delete the first layer
        ((64, 128, 256), (64, 256), 1),  # delete a middle layer
        ((64, 128), (64, 256), 1),  # substitute
        ((64, 128), (128, 64), 2),
        ((64, 128, 256), (256, 128, 64), 2),
        ((64, 64, 64), (128,), 3),
        ((64, 128, 256), (128, 256, 512), 2),  # delete first, append last
        ((512,), (64, 128, 256), 3),
    ],
)
def test_mlp_distance_is_levenshtein_on_widths(a, b, expected):
    space = MLPSpace()
    assert space.distance(mlp(a), mlp(b)) == expected
    assert space.distance(mlp(b), mlp(a)) == expected


def test_mlp_distance_counts_each_global_choice():
    space = MLPSpace()
    base = mlp((64, 128), "relu", 0.0, "none")
    assert space.distance(base, mlp((64, 128), "gelu", 0.0, "none")) == 1
    assert space.distance(base, mlp((64, 128), "relu", 0.1, "none")) == 1
    assert space.distance(base, mlp((64, 128), "relu", 0.0, "batch")) == 1
    assert space.distance(base, mlp((128,), "tanh", 0.3, "layer")) == 4  # delete 64, three choices


def test_mlp_distance_is_a_metric_on_random_archs():
    space = MLPSpace()
    rng = np.random.default_rng(5)
    archs = [space.sample(rng) for _ in range(40)]
    for a, b, c in zip(archs, archs[1:] + archs[:1], archs[2:] + archs[:2]):
        assert space.distance(a, a) == 0
        assert space.distance(a, b) == space.distance(b, a)
        assert (space.distance(a, b) == 0) == (a == b)
        assert space.distance(a, c) <= space.distance(a, b) + space.distance(b, c)


def test_mlp_encode_is_fixed_length_one_hot():
    space = MLPSpace(**SMALL_MLP)
    n_slots, n_widths = 3, 3
    length = n_slots * (n_widths + 1) + 2 + 2 + 2
    seen = set()
    for arch in space.enumerate():
        x = space.encode(arch)
        assert x.shape == (length,)
        slots = x[: n_slots * (n_widths + 1)].reshape(n_slots, n_widths + 1)
        np.testing.assert_array_equal(slots.sum(axis=1), np.ones(n_slots))
        assert int(slots[:, -1].sum()) == n_slots - len(arch.widths)  # absent layers
        assert [space.widths[i] for i in slots[: len(arch.widths)].argmax(axis=1)] == list(arch.widths)
        assert x[n_slots * (n_widths + 1) :].sum() == 3
        seen.add(x.tobytes())
    assert len(seen) == len(list(space.enumerate()))


@pytest.mark.parametrize("input_shape", [(5,), (1,), (2, 3), (1, 8, 8)])
@pytest.mark.parametrize("n_outputs", [1, 2, 7])
def test_mlp_build_takes_tabular_shapes_and_any_outputs(input_shape, n_outputs):
    space = MLPSpace()
    torch.manual_seed(0)
    for arch in [mlp((64,)), mlp((128, 64, 512), "gelu", 0.3, "batch"), mlp((256, 64), "tanh", 0.1, "layer")]:
        module = space.build(arch, input_shape, n_outputs)
        out = module(torch.randn(4, *input_shape))
        assert out.shape == (4, n_outputs)
        assert torch.isfinite(out).all()


def test_mlp_linear_shortcut_adds_a_linear_map_of_the_inputs():
    network = MLPSpace().build(mlp((64,), "relu", 0.0, "none"), (10,), 3)
    x = torch.randn(5, 10)
    with torch.no_grad():
        torch.testing.assert_close(network(x), network.classifier(network.body(x)) + network.shortcut(x))
        network.classifier.weight.zero_()
        network.classifier.bias.zero_()
        torch.testing.assert_close(network(x), x @ network.shortcut.weight.T + network.shortcut.bias)


def test_mlp_build_layers_follow_the_arch():
    space = MLPSpace()
    module = space.build(mlp((128, 64), "silu", 0.3, "batch"), (10,), 3)
    linears = [m for m in module.modules() if isinstance(m, torch.nn.Linear)]
    # the hidden layers, the head, and the linear shortcut from the inputs to the outputs
    assert [(m.in_features, m.out_features) for m in linears] == [(10, 128), (128, 64), (64, 3), (10, 3)]
    assert sum(isinstance(m, torch.nn.BatchNorm1d) for m in module.modules()) == 2
    assert sum(isinstance(m, torch.nn.SiLU) for m in module.modules()) == 2
    dropouts = [m for m in module.modules() if isinstance(m, torch.nn.Dropout)]
    assert len(dropouts) == 2 and all(math.isclose(m.p, 0.3) for m in dropouts)
    plain = space.build(mlp((32,), "relu", 0.0, "none"), (10,), 3)
    assert not any(isinstance(m, (torch.nn.Dropout, torch.nn.BatchNorm1d, torch.nn.LayerNorm)) for m in plain.modules())
    assert n_params(plain) == 10 * 32 + 32 + 32 * 3 + 3 + 10 * 3 + 3
    without = MLPSpace(linear_shortcut=False).build(mlp((32,), "relu", 0.0, "none"), (10,), 3)
    assert n_params(without) == 10 * 32 + 32 + 32 * 3 + 3
    layer = space.build(mlp((32,), "relu", 0.0, "layer"), (10,), 3)
    assert sum(isinstance(m, torch.nn.LayerNorm) for m in layer.modules()) == 1


def test_spaces_have_a_repr_with_their_parameters():
    assert "channels=16" in repr(CellSpace()) and "cells_per_stage=5" in repr(CellSpace())
    assert repr(MLPSpace(**SMALL_MLP)).startswith("MLPSpace(")


# -- sampling a pool from a space that cannot be enumerated -------------------------------------


class UnlistedMLPSpace(MLPSpace):
    """An MLP space that will not enumerate, so pools are drawn by sampling."""

    def enumerate(self):
        raise NotImplementedError


def test_sample_pool_stops_when_sampling_finds_nothing_new_and_says_how_many_it_found():
    choices = dict(depths=(1,), widths=(8, 16), activations=("relu",), dropouts=(0.0,), norms=("none",))
    with pytest.warns(UserWarning, match=r"found 2 distinct architectures in \d+ draws, fewer than the 1000000"):
        pool = UnlistedMLPSpace(**choices).sample_pool(1_000_000, np.random.default_rng(0))  # was 1e8 draws
    assert set(pool) == set(MLPSpace(**choices).enumerate())


def test_sample_pool_draws_as_before_when_sampling_reaches_n():
    space, n = UnlistedMLPSpace(), 300
    rng = np.random.default_rng(0)
    expected: dict = {}
    for _ in range(100 * n):  # the loop before the bound on fruitless draws
        if len(expected) >= n:
            break
        arch = space.sample(rng)
        expected.setdefault(space.canonical(arch), arch)
    assert space.sample_pool(n, np.random.default_rng(0)) == list(expected.values())


def test_cell_from_naslib_reads_naslibs_op_indices():
    # NASLib (nasbench201/conversions.py): edges (1,2),(1,3),(1,4),(2,3),(2,4),(3,4) of 1-based
    # nodes, ops Identity, Zero, ReLUConvBN3x3, ReLUConvBN1x1, AvgPool1x1
    naslib_ops = ("skip_connect", "none", "nor_conv_3x3", "nor_conv_1x1", "avg_pool_3x3")
    naslib_edges = ((1, 2), (1, 3), (1, 4), (2, 3), (2, 4), (3, 4))
    space = CellSpace()
    rng = np.random.default_rng(0)
    for _ in range(50):
        arch = space.sample(rng)
        by_edge = {(source + 1, target + 1): op for (target, source), op in zip(EDGES, arch.ops)}
        codes = tuple(naslib_ops.index(by_edge[edge]) for edge in naslib_edges)
        assert space.from_naslib(str(codes)) == arch
    with pytest.raises(ValueError, match="6 op indices in 0..4"):
        space.from_naslib("(0, 1, 2, 3, 4, 5)")
    with pytest.raises(ValueError, match="tuple"):
        space.from_naslib("0, 1, 2")
