"""
Searching a network for handwritten digits
==========================================

:class:`~sknas.EvolutionSearch` runs regularized evolution over NAS-Bench-201 cells on
scikit-learn's 8x8 digits: each candidate is trained on part of the training data and
scored on the rest, and the best one is refitted on all of it. The budget here is tiny so
that the whole example runs in under a minute on a CPU; raise ``budget``, ``epochs``
and ``final_epochs`` for a better network.
"""

# %%
# Data
# ----
# The digits are 1,797 grey-scale images of 8x8 pixels stored as rows of 64 values.
# ``image_shape=(8, 8)`` tells the search to treat each row as an image, which selects
# the cell search space.

import time

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.svm import SVC

from sknas import EvolutionSearch

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)

# %%
# Search
# ------
# Six candidates, three of them random (the initial population) and three mutated from
# tournament winners, each trained for five epochs; the winner is refitted for ten.

start = time.perf_counter()
search = EvolutionSearch(
    budget=6,
    epochs=5,
    final_epochs=10,
    population_size=3,
    tournament_size=2,
    image_shape=(8, 8),
    random_state=0,
).fit(X_train, y_train)
print(f"search and refit took {time.perf_counter() - start:.1f} s")
print("best architecture:", search.best_architecture_)
print(f"validation accuracy: {search.best_score_:.3f}")
print(f"test accuracy:       {search.score(X_test, y_test):.3f}")

# %%
# A classical baseline on the same split, for scale:

print(f"SVC test accuracy:   {SVC().fit(X_train, y_train).score(X_test, y_test):.3f}")

# %%
# The search, candidate by candidate
# ----------------------------------
# ``results_`` holds one entry per evaluated candidate. A failed candidate has a NaN
# objective; ``np.fmax.accumulate`` skips it in the best-so-far curve.

objective = np.asarray(search.results_["objective"], dtype=float)
candidate = np.arange(1, len(objective) + 1)

population_size = search.population_size
fig, ax = plt.subplots(figsize=(6, 4))
ax.axvspan(0.5, population_size + 0.5, color="0.92", label="random initial population")
ax.plot(candidate, objective, "o", label="candidate")
ax.step(candidate, np.fmax.accumulate(objective), where="post", label="best so far")
ax.set_xlabel("candidate")
ax.set_ylabel("validation accuracy")
ax.set_xticks(candidate)
ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=3, frameon=False)
ax.set_title("EvolutionSearch on digits")
fig.tight_layout()
plt.show()
