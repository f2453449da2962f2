"""RandomSearch: train randomly drawn architectures, keep the best."""

from __future__ import annotations

import numpy as np

from ..spaces import SearchSpace
from ..strategies import RandomStrategy
from ._base import COMMON_PARAMETERS, BaseSearch


class RandomSearch(BaseSearch):
    """Random architecture search: train ``budget`` random architectures, keep the best.

    A strong baseline of the NAS literature. Each candidate is trained for ``epochs`` on a
    split of the training data and scored on the held-out rest; the best is refitted on
    all of it for ``final_epochs``.

    Parameters
    ----------
%(common_parameters)s

    Attributes
    ----------
    best_architecture_ : Architecture
        The architecture with the best validation score.
    best_score_ : float
        Its validation accuracy (classification) or R² (regression).
    best_model_ : torch.nn.Module
        The best architecture refitted on all training data, in eval mode.
    results_ : dict of lists
        One entry per evaluated candidate: ``architecture`` (string), ``objective``,
        ``fit_time_s``, ``status`` (``"ok"`` or ``"failed"``), ``error``, ``params``,
        ``val_loss``. Ties of the objective go to the lower validation loss.
    classes_ : ndarray of shape (n_classes,)
        Class labels (classification).
    n_features_in_ : int
        Number of features (the second dimension of ``X``) seen in ``fit``.
    space_ : SearchSpace
        The space that was searched.
    task_ : str
        ``"classification"`` or ``"regression"``.
    input_shape_ : tuple of int
        Per-sample shape the networks take.
    search_time_s_ : float
        Wall time of the search, without the final refit.

    See Also
    --------
    EvolutionSearch : Regularized evolution over the same spaces.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sknas import RandomSearch
    >>> X, y = load_digits(return_X_y=True)
    >>> search = RandomSearch(budget=2, epochs=2, final_epochs=2, random_state=0)
    >>> search.fit(X[:300], y[:300]).predict(X[:3]).shape
    (3,)
    """

    def _make_strategy(
        self, space: SearchSpace, rng: np.random.Generator, proxy_scorer=None
    ) -> RandomStrategy:
        return RandomStrategy(space, rng)


RandomSearch.__doc__ = RandomSearch.__doc__.replace("%(common_parameters)s", COMMON_PARAMETERS)
