"""
Accuracy against latency on this CPU: a Pareto front of trained models
======================================================================

With a hardware cost in ``objectives``, :class:`~sknas.POnasSearch` looks for the
architectures that no other beats on both accuracy and cost. Here the cost is the latency
of one digit's forward pass, measured on this machine before each candidate is trained;
a GP over PO-NAS's learned proxy score and the latency predicts the accuracy of the
untrained cells, and the next cell is the one whose predicted point would add the most to
the front found so far. Every Pareto architecture is refitted, and ``predict`` uses the
one ``front_choice`` names.
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
    space=CellSpace(channels=8, cells_per_stage=1), image_shape=(8, 8),
    objectives=("accuracy", "latency_ms"), front_choice="knee", budget=6,
    n_candidates=16, proxies=("synflow", "nwot"), epochs=3, final_epochs=5,
    device="cpu", random_state=0,
).fit(X_train, y_train)
print(f"{time.perf_counter() - start:.0f} s")

# %%
# The trained Pareto models
# -------------------------
# ``pareto_front_`` lists them cheapest first; ``predict_front`` gives each one's
# predictions, so they can be compared on held-out data.

front = search.pareto_front_
test_accuracy = (search.predict_front(X_test) == y_test).mean(axis=1)
for i, arch in enumerate(front["architecture"]):
    mark = "  <- predict" if front["chosen"][i] else ""
    print(f"{front['latency_ms'][i]:6.3f} ms  validation {front['objective'][i]:.3f}  "
          f"test {test_accuracy[i]:.3f}  {arch}{mark}")

# %%
# Every trained cell and the front
# --------------------------------

results = search.results_
fig, ax = plt.subplots(figsize=(6, 4))
ax.scatter(results["hw_latency_ms"], results["objective"], color="lightgrey", label="trained cells")
order = np.argsort(front["latency_ms"])
ax.step(np.array(front["latency_ms"])[order], np.array(front["objective"])[order], where="post",
        color="tab:blue", marker="o", label="Pareto front")
chosen = front["chosen"].index(True)
ax.scatter(front["latency_ms"][chosen], front["objective"][chosen], s=120, facecolors="none",
           edgecolors="tab:red", label="front_choice='knee'")
ax.set_xlabel("latency of one sample on this CPU (ms)")
ax.set_ylabel("validation accuracy")
ax.legend(loc="lower right")
fig.tight_layout()
