"""``plot_search``: the objective of every evaluated candidate and the best so far."""

from __future__ import annotations

import numpy as np
from sklearn.utils.validation import check_is_fitted


def plot_search(search, ax=None):
    """Plot the objective of each evaluation in order, failures, and the best so far.

    Parameters
    ----------
    search : BaseSearch
        A fitted search estimator (its ``results_`` are plotted).
    ax : matplotlib.axes.Axes or None, default=None
        Where to draw; None draws on the current axes.

    Returns
    -------
    ax : matplotlib.axes.Axes
        The axes drawn on.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> import sknas
    >>> X, y = load_digits(return_X_y=True)
    >>> search = sknas.RandomSearch(space="mlp", budget=3, epochs=1, final_epochs=1, random_state=0).fit(X[:100], y[:100])
    >>> ax = sknas.plot_search(search)
    >>> ax.get_xlabel()
    'evaluation'
    """
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError("plot_search needs matplotlib: pip install matplotlib") from exc

    check_is_fitted(search, "results_")
    ax = plt.gca() if ax is None else ax
    objective = np.asarray(search.results_["objective"], dtype=np.float64)
    ok = (np.asarray(search.results_["status"]) == "ok") & np.isfinite(objective)
    evaluation = np.arange(1, len(objective) + 1)
    ax.scatter(evaluation[ok], objective[ok], s=18, label="candidate")
    if (~ok).any():
        floor = objective[ok].min() if ok.any() else 0.0
        ax.scatter(evaluation[~ok], np.full((~ok).sum(), floor), marker="x", color="tab:red",
                   label="failed (drawn at the lowest score)")
    best = np.maximum.accumulate(np.where(ok, objective, -np.inf))
    shown = np.isfinite(best)
    ax.step(evaluation[shown], best[shown], where="post", color="tab:orange", label="best so far")
    ax.set_xlabel("evaluation")
    ax.set_ylabel("validation accuracy" if getattr(search, "task_", None) == "classification" else "validation R²")
    ax.set_title(f"{type(search).__name__}: {len(objective)} evaluations")
    ax.legend(loc="lower right")
    return ax
