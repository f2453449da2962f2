"""Evolved proxies: the formula, its evaluation and storage, and the searches that use one."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy.stats import kendalltau
from sklearn.datasets import load_digits

from sknas import EvolvedProxySearch, ZeroCostSearch
from sknas.bench import read_table
from sknas.bench._tables import DATA, PROXY_COLUMNS
from sknas.evaluation import EvaluationResult
from sknas.proxies import ALIASES, EvolvedProxy, ProxyScorer, evolve_proxy
from sknas.spaces import CellSpace, MLPSpace
from sknas.strategies import EvolvedProxyRanking

SMALL = dict(generations=8, population_size=200)


@pytest.fixture(scope="module")
def known():
    """Three proxies; the accuracy is synflow - nwot, which a formula can express exactly."""
    rng = np.random.default_rng(0)
    scores = {name: rng.random(120) for name in ("synflow", "nwot", "snip")}
    return scores, scores["synflow"] - scores["nwot"]


@pytest.fixture(scope="module")
def evolved(known):
    return evolve_proxy(*known, random_state=0, **SMALL)


def test_evolution_finds_a_formula_that_ranks_like_the_accuracy(known, evolved):
    scores, accuracy = known
    assert evolved.fitness > 0.9
    assert kendalltau(evolved.evaluate(scores), accuracy).statistic > 0.9
    # it generalises to architectures it never saw
    rng = np.random.default_rng(1)
    fresh = {name: rng.random(80) for name in scores}
    assert kendalltau(evolved.evaluate(fresh), fresh["synflow"] - fresh["nwot"]).statistic > 0.8


def test_the_formula_is_readable_and_names_its_proxies(evolved):
    assert str(evolved) == evolved.formula
    assert "synflow" in evolved.formula and "nwot" in evolved.formula
    assert evolved.names == ("synflow", "nwot", "snip")


def test_json_round_trip(known, evolved):
    text = evolved.to_json()
    json.loads(text)
    again = EvolvedProxy.from_json(text)
    assert again == evolved
    np.testing.assert_array_equal(again.evaluate(known[0]), evolved.evaluate(known[0]))


def test_evaluate_takes_a_dict_a_dataframe_or_an_array(known, evolved):
    scores = known[0]
    expected = evolved.evaluate(scores)
    np.testing.assert_array_equal(evolved.evaluate(pd.DataFrame(scores)), expected)
    np.testing.assert_array_equal(evolved.evaluate(np.column_stack([scores[n] for n in evolved.names])), expected)
    with pytest.raises(ValueError, match="lacks the proxies \\['snip'\\]"):
        evolved.evaluate({"synflow": scores["synflow"], "nwot": scores["nwot"]})
    with pytest.raises(ValueError, match="one column per proxy"):
        evolved.evaluate(np.zeros((5, 2)))


def test_inputs_are_ranks_and_a_nan_proxy_reads_as_the_worst_value():
    proxy = EvolvedProxy(("proxy", "synflow"), ("synflow",))
    np.testing.assert_array_equal(proxy.evaluate({"synflow": [1.0, np.nan, 3.0]}), [0.0, 0.0, 1.0])
    # an outlier does not squeeze the others: ranks, not min-max
    np.testing.assert_array_equal(proxy.evaluate({"synflow": [-1e8, 1.0, 2.0, 3.0]}), [0, 1 / 3, 2 / 3, 1])


def test_protected_functions_behave_as_in_gplearn():
    x = {"a": [0.0, 0.5, 1.0], "b": [0.0, 0.0005, 1.0]}
    div = EvolvedProxy(("div", ("proxy", "a"), ("proxy", "b")), ("a", "b"))
    np.testing.assert_array_equal(div.evaluate(x), [1.0, 1.0, 1.0])  # |b| <= 0.001 gives 1
    log = EvolvedProxy(("log", ("proxy", "b")), ("b",))
    np.testing.assert_allclose(log.evaluate(x), [0.0, np.log(0.5), 0.0])  # ranks 0, 0.5, 1; log 0 -> 0
    handmade = EvolvedProxy(("add", ("proxy", "a"), 0.5), ("a",))
    assert handmade.formula == "(a + 0.5)"
    # no fitness yet: still strict JSON, and it comes back
    assert EvolvedProxy.from_json(handmade.to_json()).tree == handmade.tree


def test_evolution_is_seeded(known):
    a = evolve_proxy(*known, random_state=3, generations=3, population_size=100)
    b = evolve_proxy(*known, random_state=3, generations=3, population_size=100)
    assert a == b


def test_bad_input_is_a_helpful_error(known):
    scores, accuracy = known
    with pytest.raises(ValueError, match="at least 3"):
        evolve_proxy({k: v[:2] for k, v in scores.items()}, accuracy[:2])
    with pytest.raises(ValueError, match="120 architectures have proxy scores but 5"):
        evolve_proxy(scores, accuracy[:5])
    with pytest.raises(ValueError, match="give names="):
        evolve_proxy(np.zeros((10, 3)), np.arange(10))
    with pytest.raises(ValueError, match="unknown proxy 'sinflow'"):
        evolve_proxy({"sinflow": np.arange(10.0)}, np.arange(10))


def test_the_suites_name_jacov_reads_as_jacob_cov_everywhere():
    table = read_table(DATA / "nb201_zc_cifar10.csv.gz")  # NAS-Bench-Suite-Zero's columns: jacov
    suite = {name: table[name][:60] for name in ("jacov", "synflow")}
    ours = {"jacob_cov": suite["jacov"], "synflow": suite["synflow"]}
    accuracy = np.random.default_rng(0).random(60)
    proxy = evolve_proxy(suite, accuracy, names=["jacov", "synflow"], random_state=0, generations=2,
                         population_size=50)
    assert proxy.names == ("jacob_cov", "synflow")
    expected = proxy.evaluate(ours)
    for scores in (suite, pd.DataFrame(suite)):
        np.testing.assert_array_equal(proxy.evaluate(scores), expected)
    assert evolve_proxy(pd.DataFrame(suite), accuracy, random_state=0, generations=2,
                        population_size=50).names == ("jacob_cov", "synflow")
    # a formula written with the alias is stored under the registered name
    handmade = EvolvedProxy(("neg", ("proxy", "jacov")), ("jacov",))
    assert handmade == EvolvedProxy(("neg", ("proxy", "jacob_cov")), ("jacob_cov",))
    assert handmade.formula == "neg(jacob_cov)"
    np.testing.assert_array_equal(handmade.evaluate(suite), handmade.evaluate(ours))
    with pytest.raises(ValueError, match=r"has \['jacov', 'jacob_cov'\], names of the same proxy 'jacob_cov'"):
        proxy.evaluate({**suite, "jacob_cov": suite["jacov"]})
    # the scorer and the benchmark tables go through the same table of aliases
    X, y = np.random.default_rng(0).random((8, 3)), np.arange(8) % 2
    assert ProxyScorer(MLPSpace(), ["jacov", "jacob_cov"], X, y).names == ("jacob_cov",)
    assert PROXY_COLUMNS == {canonical: alias for alias, canonical in ALIASES.items()}


# ---------------------------------------------------------------------------------------------
# the strategy and the estimators
# ---------------------------------------------------------------------------------------------


def ranking_problem():
    space = CellSpace()
    pool = space.sample_pool(80, np.random.default_rng(0))
    scores = np.random.default_rng(1).random((80, 2))
    objective = dict(zip(pool, scores[:, 0] - scores[:, 1]))
    context = dict(pool=pool, proxy_scores=scores, proxy_names=("synflow", "nwot"))
    return space, pool, scores, context, lambda arch: EvaluationResult(objective[arch], 0.0)


def test_ranking_warms_up_at_random_then_follows_the_evolved_proxy():
    space, pool, scores, context, result_of = ranking_problem()
    spec = EvolvedProxyRanking(n_warmup=20, **SMALL)
    strategy = spec.setup(space, np.random.default_rng(0), **context)
    warmup = strategy.ask(20)
    strategy.tell(warmup, [result_of(a) for a in warmup])
    assert strategy.proxy is None
    following = strategy.ask(5)
    assert strategy.proxy is not None and strategy.proxy.fitness > 0.8
    values = dict(zip(pool, strategy.proxy.evaluate(scores)))
    rest = sorted((a for a in pool if a not in warmup), key=lambda a: -values[a])
    assert following == rest[:5]
    # resume: the driver tells the history again, the proxy travels in the state
    state = json.loads(json.dumps(strategy.state_dict(), allow_nan=False))
    assert set(state) == {"rng", "proxy"}
    fresh = spec.setup(space, np.random.default_rng(0), **context)
    told = warmup + following
    fresh.tell(told, [result_of(a) for a in told])
    fresh.load_state_dict(state)
    assert fresh.proxy == strategy.proxy and fresh.ask(3) == strategy.ask(3)


def test_ranking_resumes_mid_warmup_and_evolves_as_the_uninterrupted_search():
    space, _, _, context, result_of = ranking_problem()
    spec = EvolvedProxyRanking(n_warmup=6, **SMALL)

    def rounds(strategy, n):
        asked = []
        for _ in range(n):
            archs = strategy.ask(2)
            strategy.tell(archs, [result_of(a) for a in archs])
            asked.append(archs)
        return asked

    original = spec.setup(space, np.random.default_rng(3), **context)
    done = rounds(original, 2)  # 4 of the 6 warm-up architectures
    state = json.loads(json.dumps(original.state_dict()))
    assert state["proxy"] is None
    later = rounds(original, 4)
    fresh = spec.setup(space, np.random.default_rng(3), **context)
    for archs in done:
        fresh.tell(archs, [result_of(a) for a in archs])
    fresh.load_state_dict(state)
    assert rounds(fresh, 4) == later and fresh.proxy == original.proxy


def test_ranking_needs_its_context_and_checks_the_scores():
    space, pool, scores, context, _ = ranking_problem()
    with pytest.raises(ValueError, match="needs proxy_names"):
        EvolvedProxyRanking().setup(space, np.random.default_rng(0), pool=pool, proxy_scores=scores)
    with pytest.raises(ValueError, match=r"shape \(len\(pool\), len\(proxy_names\)\)"):
        EvolvedProxyRanking().setup(space, np.random.default_rng(0), **dict(context, proxy_scores=scores[:, :1]))
    assert EvolvedProxyRanking.proxies == "all"
    # the warm-up defaults to half the budget, at least 3
    assert EvolvedProxyRanking().setup(space, np.random.default_rng(0), budget=30, **context)._n_warmup == 15
    assert EvolvedProxyRanking().setup(space, np.random.default_rng(0), budget=2, **context)._n_warmup == 3


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:300], y[:300]


TINY = dict(n_candidates=10, epochs=2, final_epochs=2, image_shape=(8, 8), device="cpu", random_state=0)


def test_evolved_proxy_search_evolves_then_trains_down_its_ranking(digits):
    search = EvolvedProxySearch(budget=5, n_warmup=3, proxies=("synflow", "nwot", "params"), **SMALL, **TINY)
    search.fit(*digits)
    assert isinstance(search.proxy_, EvolvedProxy) and set(search.proxy_.names) == {"synflow", "nwot", "params"}
    assert len(search.results_["architecture"]) == 5 and "proxy_synflow" in search.results_


def test_zero_cost_search_ranks_by_an_evolved_proxy(digits):
    proxy = EvolvedProxy(("sub", ("proxy", "params"), ("proxy", "synflow")), ("params", "synflow"))
    search = ZeroCostSearch(budget=2, proxies=proxy, **TINY).fit(*digits)
    raw = {name: np.array(search.candidates_[name]) for name in proxy.names}
    np.testing.assert_allclose(search.candidates_["score"], proxy.evaluate(raw))
    assert search.results_["architecture"] == search.candidates_["architecture"][:2]


def test_evolved_proxy_search_checks_its_parameters(digits):
    with pytest.raises(ValueError, match=r"'n_warmup' parameter of EvolvedProxySearch must be an int in the range \[3, inf\)"):
        EvolvedProxySearch(n_warmup=1, **TINY).fit(*digits)
