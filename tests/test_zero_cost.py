"""ZeroCostSearch, the ZeroCostRanking strategy and candidate pools."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from sklearn.datasets import load_digits

from sknas import ZeroCostSearch
from sknas.evaluation import EvaluationResult
from sknas.proxies import ProxyScorer, combine_scores
from sknas.spaces import CellSpace, MLPSpace
from sknas.strategies import ZeroCostRanking

SMALL_CELLS = CellSpace(channels=4, cells_per_stage=1)
TINY = dict(budget=3, n_candidates=8, epochs=2, final_epochs=2, device="cpu", image_shape=(8, 8))


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:300], y[:300]


@pytest.fixture(scope="module")
def fitted(digits):
    search = ZeroCostSearch(space=SMALL_CELLS, proxies=("synflow", "jacov"), random_state=0, **TINY)
    return search.fit(*digits)


# ---------------------------------------------------------------------------------------------
# candidate pools
# ---------------------------------------------------------------------------------------------


def test_sample_pool_draws_distinct_functions():
    space = CellSpace()
    pool = space.sample_pool(300, np.random.default_rng(0))
    assert len(pool) == 300
    assert len({space.canonical(a) for a in pool}) == 300


def test_sample_pool_is_the_whole_space_when_asked_for_more():
    space = MLPSpace(depths=(1,), widths=(8, 16), activations=("relu",), dropouts=(0.0,), norms=("none", "batch"))
    pool = space.sample_pool(10, np.random.default_rng(0))
    assert sorted(map(str, pool)) == sorted(map(str, space.enumerate()))
    assert len(CellSpace().sample_pool(10**6, np.random.default_rng(0))) == 4930  # isomorphism classes


def test_sample_pool_is_seeded():
    a = CellSpace().sample_pool(20, np.random.default_rng(1))
    assert a == CellSpace().sample_pool(20, np.random.default_rng(1))
    assert a != CellSpace().sample_pool(20, np.random.default_rng(2))


# ---------------------------------------------------------------------------------------------
# the strategy
# ---------------------------------------------------------------------------------------------


def ranking(pool, scores, seed=0, **options):
    return ZeroCostRanking(**options).setup(CellSpace(), np.random.default_rng(seed), pool=pool, proxy_scores=scores)


def test_ranking_proposes_best_first_nan_last_and_never_repeats():
    pool = CellSpace().sample_pool(5, np.random.default_rng(0))
    strategy = ranking(pool, [0.3, np.nan, 0.9, 0.3, 0.1], combine=lambda raw: raw[:, 0])
    assert strategy.ask(2) == [pool[2], pool[0]]
    strategy.tell([pool[2]], [EvaluationResult(0.5, 0.0)])
    assert strategy.ask(10) == [pool[3], pool[4], pool[1]]
    assert strategy.ask(1) == []


def test_ranking_combines_the_proxies_by_default():
    pool = CellSpace().sample_pool(6, np.random.default_rng(0))
    raw = np.random.default_rng(1).random((6, 3))
    raw[2, 1] = np.nan
    strategy = ranking(pool, raw)
    expected = combine_scores(raw)
    np.testing.assert_allclose(strategy.scores, expected)
    assert strategy.ask(6) == [pool[i] for i in np.argsort(-np.nan_to_num(expected, nan=-np.inf), kind="stable")]
    # one proxy: a 1-D array is one column
    one = ranking(pool, raw[:, 0])
    assert one.ask(6) == [pool[i] for i in np.argsort(-raw[:, 0], kind="stable")]
    assert ZeroCostRanking.requires == ("pool", "proxy_scores") and ZeroCostRanking.batch_invariant


def test_ranking_skips_architectures_told_without_being_asked():
    pool = CellSpace().sample_pool(3, np.random.default_rng(0))
    strategy = ranking(pool, [3.0, 2.0, 1.0])
    strategy.tell([pool[0]], [EvaluationResult(0.5, 0.0)])
    assert strategy.ask(3) == [pool[1], pool[2]]


def test_ranking_resumes_from_the_history_and_its_state_dict():
    pool = CellSpace().sample_pool(20, np.random.default_rng(0))
    scores = np.random.default_rng(1).random(20)
    original = ranking(pool, scores)
    asked = original.ask(7)
    original.tell(asked, [EvaluationResult(1.0, 0.0) for _ in asked])
    state = json.loads(json.dumps(original.state_dict()))
    fresh = ranking(pool, scores)
    fresh.tell(asked, [EvaluationResult(1.0, 0.0) for _ in asked])
    fresh.load_state_dict(state)
    assert fresh.ask(20) == original.ask(20)


def test_ranking_checks_the_scores_match_the_pool():
    pool = CellSpace().sample_pool(3, np.random.default_rng(0))
    with pytest.raises(ValueError, match="pool holds 3"):
        ranking(pool, [1.0, 2.0], combine=lambda raw: raw[:, 0])
    with pytest.raises(ValueError, match="needs proxy_scores"):
        ZeroCostRanking().setup(CellSpace(), np.random.default_rng(0), pool=pool)


# ---------------------------------------------------------------------------------------------
# the estimator
# ---------------------------------------------------------------------------------------------


def test_trains_the_top_of_the_ranking(fitted):
    candidates = fitted.candidates_
    assert len(candidates["architecture"]) == 8
    assert fitted.results_["architecture"] == candidates["architecture"][:3]
    scores = np.array(candidates["score"])
    assert np.all(np.diff(scores[~np.isnan(scores)]) <= 0)  # best first
    assert set(candidates) == {"architecture", "score", "synflow", "jacob_cov"}


def test_the_ranking_is_the_mean_of_the_normalised_proxies(fitted):
    raw = np.column_stack([fitted.candidates_["synflow"], fitted.candidates_["jacob_cov"]])
    np.testing.assert_allclose(combine_scores(raw), fitted.candidates_["score"])


def test_results_record_each_proxy(fitted):
    results = fitted.results_
    assert set(results) >= {"proxy_synflow", "proxy_jacob_cov"}
    top = {a: i for i, a in enumerate(fitted.candidates_["architecture"])}
    for arch, value in zip(results["architecture"], results["proxy_synflow"]):
        assert value == fitted.candidates_["synflow"][top[arch]]


def test_the_proxies_score_the_initial_weights_of_the_trained_candidates(digits):
    """ProxyScorer and the training evaluator share the seed: same architecture, same weights."""
    search = ZeroCostSearch(space=SMALL_CELLS, proxies="l2_norm", random_state=4, **dict(TINY, budget=1))
    search.fit(*digits)
    seed = int(np.random.RandomState(4).randint(np.iinfo(np.int32).max))
    X = search.input_scaler_.transform(digits[0])
    scorer = ProxyScorer(SMALL_CELLS, "l2_norm", X, digits[1], n_outputs=10, random_state=seed)
    arch = search.best_architecture_
    assert scorer.score([arch])[0, 0] == search.results_["proxy_l2_norm"][0]


def test_same_random_state_same_search(digits):
    runs = [ZeroCostSearch(space=SMALL_CELLS, random_state=2, **TINY).fit(*digits) for _ in range(2)]
    assert runs[0].candidates_ == runs[1].candidates_
    assert runs[0].results_["objective"] == runs[1].results_["objective"]


def test_a_budget_beyond_the_pool_trains_the_whole_pool(digits):
    search = ZeroCostSearch(space=SMALL_CELLS, random_state=0, **dict(TINY, budget=5, n_candidates=2))
    assert len(search.fit(*digits).results_["architecture"]) == 2


def test_regression_on_tabular_data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(150, 4))
    y = X @ [1.0, -1.0, 0.5, 2.0]
    search = ZeroCostSearch(task="regression", budget=2, n_candidates=5, epochs=20, final_epochs=20, device="cpu",
                            proxies=("grad_norm", "epe_nas"), random_state=0).fit(X, y)
    assert search.task_ == "regression" and search.score(X, y) > 0.8
    # epe_nas needs classes: NaN for every candidate, ranked on grad_norm alone
    assert all(math.isnan(v) for v in search.candidates_["epe_nas"])
    np.testing.assert_allclose(search.candidates_["score"], combine_scores(np.c_[search.candidates_["grad_norm"]]))


@pytest.mark.parametrize(
    "params, match",
    [
        (dict(proxies="synflw"), "unknown proxy 'synflw'.*available proxies are.*epe_nas"),
        (dict(proxies=()), "no proxy names"),
        (dict(n_candidates=0), r"'n_candidates' parameter of ZeroCostSearch must be an int in the range \[1, inf\)\. Got 0"),
        (dict(n_candidates=2.5), r"'n_candidates' parameter of ZeroCostSearch must be an int in the range \[1, inf\)\. Got 2\.5"),
    ],
)
def test_bad_parameters_are_helpful_errors(params, match, digits):
    with pytest.raises(ValueError, match=match):
        ZeroCostSearch(**{**TINY, **params}).fit(*digits)
