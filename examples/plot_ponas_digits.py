"""
PO-NAS on your own data: digits
===============================

:class:`~sknas.POnasSearch` scores a pool of cells with the six PO-NAS zero-cost proxies on
a minibatch of the training data, learns from each trained cell how to weigh the proxies
for every architecture, and trains next the cell its learned score likes best. This
example searches on scikit-learn's digits with a small budget, then looks at what it
learned: the learned score of the pool against the unweighted mean of the proxies.
"""

# %%
# Search
# ------

import time

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from sknas import POnasSearch
from sknas.spaces import CellSpace

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)

start = time.perf_counter()
search = POnasSearch(
    space=CellSpace(channels=8, cells_per_stage=1), image_shape=(8, 8), budget=6,
    n_candidates=24, epochs=3, final_epochs=10, device="cpu", random_state=0,
).fit(X_train, y_train)
print(f"{time.perf_counter() - start:.0f} s; best cell {search.best_architecture_}")
print(f"validation accuracy {search.best_score_:.3f}, test accuracy {search.score(X_test, y_test):.3f}")

# %%
# What PO-NAS learned
# -------------------
# ``proxy_scores_`` holds the raw proxies of the pool and ``learned_scores_`` the score S
# of each cell under its own learned weighting at the last query. The trained cells are
# marked with their validation accuracy.

raw = search.proxy_scores_
normalised = (raw - np.nanmin(raw, 0)) / (np.nanmax(raw, 0) - np.nanmin(raw, 0))
mean_proxy = np.nanmean(normalised, axis=1)
trained = {a: s for a, s in zip(search.results_["architecture"], search.results_["objective"])}
rows = [i for i, a in enumerate(search.pool_) if str(a) in trained]

fig, ax = plt.subplots(figsize=(6, 4))
ax.scatter(mean_proxy, search.learned_scores_, s=12, color="lightgrey", label="pool")
points = ax.scatter(mean_proxy[rows], search.learned_scores_[rows],
                    c=[trained[str(search.pool_[i])] for i in rows], cmap="viridis", label="trained")
fig.colorbar(points, label="validation accuracy")
ax.set_xlabel("unweighted mean of the normalised proxies")
ax.set_ylabel("learned score S")
ax.legend()
fig.tight_layout()
