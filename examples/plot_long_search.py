"""
A search that survives interruptions, then ships as ONNX
========================================================

Long searches get interrupted. With ``checkpoint=`` every evaluation is written to a JSON
file as soon as it finishes, so running ``fit`` again resumes where the search stopped
instead of starting over. This example interrupts a search on purpose, resumes it, checks
that it ends exactly as an uninterrupted search does, stops early with
:class:`~sknas.EarlyStopping`, plots the search with :func:`~sknas.plot_search`, and exports
the winner with its preprocessing to ONNX, checking the exported model against
``predict_proba``. A tabular search (MLPs on the digits as 64 features) keeps it fast.
"""

# %%
# An interrupted search
# ---------------------
# A callback raises ``KeyboardInterrupt`` after the fourth evaluation, as pressing Ctrl-C
# would. The search ends with what it has (a warning says so) and the checkpoint holds it.

import json
import tempfile
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import sknas

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)
folder = Path(tempfile.mkdtemp())
settings = dict(budget=10, epochs=5, final_epochs=10, random_state=0)


class CtrlCAfter(sknas.Callback):
    def __init__(self, n):
        self.n = n

    def on_candidate_end(self, search, **kwargs):
        if len(json.loads((folder / "search.json").read_text())["results"]) == self.n:
            raise KeyboardInterrupt


with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    interrupted = sknas.RandomSearch(**settings, checkpoint=folder / "search.json",
                                     callbacks=[CtrlCAfter(4)]).fit(X_train, y_train)
print(caught[0].message)
print("evaluated before the interruption:", len(interrupted.results_["architecture"]))

# %%
# Resume
# ------
# The same call with the same checkpoint continues: the four finished candidates are read
# back (their recorded training times show they were not trained again) and the other six
# are trained. The result is the search an uninterrupted run gives.

resumed = sknas.RandomSearch(**settings, checkpoint=folder / "search.json").fit(X_train, y_train)
uninterrupted = sknas.RandomSearch(**settings).fit(X_train, y_train)
print("same architectures:", resumed.results_["architecture"] == uninterrupted.results_["architecture"])
print("same scores:", resumed.results_["objective"] == uninterrupted.results_["objective"])
print("training times of the first four, before and after resuming:")
print(np.round(interrupted.results_["fit_time_s"], 3), np.round(resumed.results_["fit_time_s"][:4], 3))
print("test accuracy:", resumed.score(X_test, y_test))

# %%
# Stop early, and look at the search
# ----------------------------------
# :class:`~sknas.EarlyStopping` ends a search whose best score has not improved for
# ``patience`` candidates; :func:`~sknas.plot_search` shows each candidate's validation
# accuracy and the best so far.

stopping = sknas.EarlyStopping(patience=5)
search = sknas.RandomSearch(**dict(settings, budget=40), callbacks=[stopping]).fit(X_train, y_train)
print(f"stopped after {len(search.results_['architecture'])} of 40 candidates; best {stopping.best_:.3f}")
fig, ax = plt.subplots(figsize=(6, 3.5))
sknas.plot_search(search, ax=ax)
fig.tight_layout()

# %%
# Export with the preprocessing
# -----------------------------
# The ONNX file takes the raw 64 pixel values (the standardisation learned in ``fit`` is
# inside) and returns the class probabilities, columns in the order of ``classes_``.

try:
    import onnxruntime
except ImportError:  # pip install onnx onnxscript onnxruntime
    onnxruntime = None

if onnxruntime is not None:
    path = search.export(folder / "digits.onnx", format="onnx")
    session = onnxruntime.InferenceSession(str(path))
    exported = session.run(None, {"X": X_test.astype(np.float32)})[0]
    print("largest difference to predict_proba:", np.abs(exported - search.predict_proba(X_test)).max())

# %%
# Save and load
# -------------
# :func:`sknas.save` writes the weights and JSON metadata; :func:`sknas.load` reads them
# with ``torch.load(weights_only=True)``, so loading runs no code from the file.

sknas.save(search, folder / "search.pt")
loaded = sknas.load(folder / "search.pt")
print("loaded model, same predictions:", (loaded.predict(X_test) == search.predict(X_test)).all())
