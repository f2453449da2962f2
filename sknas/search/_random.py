"""RandomSearch: train randomly drawn architectures, keep the best."""

from __future__ import annotations

import numpy as np

from ..spaces import SearchSpace
from ..strategies import RandomStrategy
from ._base import BaseSearch
from ._docstrings import COMMON_ATTRIBUTES, COMMON_PARAMETERS


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
%(common_attributes)s

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


RandomSearch.__doc__ = (
    RandomSearch.__doc__.replace("%(common_parameters)s", COMMON_PARAMETERS)
    .replace("%(common_attributes)s", COMMON_ATTRIBUTES)
)
