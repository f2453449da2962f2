"""
Ranking architectures without training them
===========================================

Zero-cost proxies score an untrained network from one minibatch of data. This example
scores sixty NAS-Bench-201 cells on scikit-learn's digits with all thirteen proxies of
:mod:`sknas.proxies`, trains a few of them briefly to see how well each proxy's ranking
agrees with accuracy, then lets :class:`~sknas.ZeroCostSearch` train only the most
promising cells.
"""

# %%
# Scoring a pool of cells
# -----------------------
# :meth:`~sknas.spaces.SearchSpace.sample_pool` draws cells that compute different
# functions; :class:`~sknas.proxies.ProxyScorer` builds each one (seeded) and scores it on
# a minibatch of 64 digits. Proxies that read the same gradients share one pass.

import time

import matplotlib.pyplot as plt
import numpy as np
from scipy.stats import spearmanr
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from sknas import ZeroCostSearch
from sknas.evaluation import TrainingEvaluator, TrainingRecipe
from sknas.proxies import ProxyScorer, available_proxies, combine_scores
from sknas.spaces import CellSpace

X, y = load_digits(return_X_y=True)
X = ((X - X.mean()) / X.std()).reshape(-1, 1, 8, 8).astype(np.float32)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)

space = CellSpace(channels=8, cells_per_stage=1)
pool = space.sample_pool(60, np.random.default_rng(0))
names = available_proxies()
start = time.perf_counter()
scorer = ProxyScorer(space, names, X_train, y_train, random_state=0)
raw = scorer.score(pool)
print(f"{len(pool)} cells x {len(names)} proxies in {time.perf_counter() - start:.1f} s")
print(f"proxies recorded as NaN: {int(np.isnan(raw).sum())}")

# %%
# Training a few of them
# ----------------------
# Ten cells spread over the ranking by the mean of the normalised proxies, trained for
# three epochs with the same seed as the scorer, so the proxies saw exactly the weights
# that training starts from.

combined = combine_scores(raw)
order = np.argsort(-np.nan_to_num(combined, nan=-1.0))
chosen = order[:: len(order) // 10][:10]
X_fit, X_val, y_fit, y_val = train_test_split(X_train, y_train, test_size=0.3, stratify=y_train, random_state=0)
evaluator = TrainingEvaluator(space, X_fit, y_fit, X_val, y_val, recipe=TrainingRecipe(epochs=3), seed=scorer.seed)
accuracy = np.array([evaluator.evaluate(pool[i]).objective for i in chosen])

rho = {name: spearmanr(raw[chosen, j], accuracy, nan_policy="omit").statistic for j, name in enumerate(names)}
fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
left.barh(list(rho), list(rho.values()))
left.set_xlabel("Spearman ρ with accuracy (10 cells)")
left.axvline(0, color="black", linewidth=0.8)
right.scatter(combined[chosen], accuracy)
right.set_xlabel("mean of the normalised proxies")
right.set_ylabel("validation accuracy after 3 epochs")
fig.tight_layout()

# %%
# Ten cells make a noisy estimate: ``benchmarks/proxy_correlation.py`` measures the
# same thing on a hundred cells of MNIST.
#
# Searching with proxies
# ----------------------
# :class:`~sknas.ZeroCostSearch` does all of this on the raw data: it scores
# ``n_candidates`` cells with ``proxies`` and trains only the ``budget`` best.

X_raw, y_raw = load_digits(return_X_y=True)
Xr_train, Xr_test, yr_train, yr_test = train_test_split(X_raw, y_raw, test_size=0.25, stratify=y_raw, random_state=0)
search = ZeroCostSearch(budget=3, n_candidates=100, epochs=5, final_epochs=10, image_shape=(8, 8),
                        proxies=("synflow", "nwot"), random_state=0).fit(Xr_train, yr_train)
print("best cell:", search.best_architecture_)
print(f"test accuracy: {search.score(Xr_test, yr_test):.4f}")
