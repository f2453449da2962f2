"""EvolvedProxySearch: train a few architectures, evolve a proxy on them, search with it."""

from __future__ import annotations

from numbers import Integral

from ..proxies import available_proxies
from ..strategies import EvolvedProxyRanking
from ._base import ProxyPoolSearch
from ._constraints import Interval
from ._docstrings import fill_doc

ALL_PROXIES = tuple(available_proxies())


@fill_doc()
class EvolvedProxySearch(ProxyPoolSearch):
    """Zero-cost search with a proxy written for your data by genetic programming.

    Scores ``n_candidates`` architectures with the ``proxies``, trains ``n_warmup`` of them
    at random, evolves a formula over the proxies whose ranking agrees best (Kendall τ) with
    their validation scores (:func:`sknas.proxies.evolve_proxy`), then trains the rest of the
    budget down the ranking of that formula. The formula is ``proxy_``.

    Parameters
    ----------
%(common_parameters)s
    proxies : tuple of str, default=all thirteen
        The proxies the formula may use.
    n_candidates : int, default=200
        Size of the scored pool.
    n_warmup : int, default=5
        Random candidates trained before the proxy is evolved (at least 3).
    generations, population_size : int, default=20, 500
        Size of the evolution.

    Attributes
    ----------
%(common_attributes)s
    proxy_ : EvolvedProxy or None
        The evolved formula (None if the budget ended within the warm-up).

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sknas import EvolvedProxySearch
    >>> X, y = load_digits(return_X_y=True)
    >>> search = EvolvedProxySearch(budget=4, n_warmup=3, n_candidates=10, proxies=("synflow", "nwot"),
    ...                             generations=2, population_size=50, epochs=2, final_epochs=2,
    ...                             image_shape=(8, 8), random_state=0).fit(X[:300], y[:300])
    >>> search.proxy_ is not None
    True
    """

    _parameter_constraints: dict = {
        **ProxyPoolSearch._parameter_constraints,
        "proxies": [str, tuple, list],
        # a formula is fitted to the ranking of the warm-up: it needs 3 trained to rank
        "n_warmup": [Interval(Integral, 3, None, closed="left")],
        "generations": [Interval(Integral, 1, None, closed="left")],
        "population_size": [Interval(Integral, 2, None, closed="left")],
    }

    def __init__(
        self,
        *,
        space="auto",
        budget=20,
        max_time=None,
        epochs=10,
        final_epochs=20,
        ensemble_size="auto",
        min_epochs=None,
        validation_fraction=0.2,
        batch_size=64,
        optimizer="adamw",
        learning_rate=None,
        max_shift="auto",
        image_shape=None,
        task="auto",
        device="auto",
        precision="auto",
        n_jobs=None,
        random_state=None,
        verbose=0,
        callbacks=None,
        checkpoint=None,
        warm_start=False,
        proxies=ALL_PROXIES,
        n_candidates=200,
        n_warmup=5,
        generations=20,
        population_size=500,
    ):
        super().__init__(
            space=space, budget=budget, max_time=max_time, epochs=epochs, final_epochs=final_epochs,
            ensemble_size=ensemble_size, min_epochs=min_epochs,
            validation_fraction=validation_fraction, batch_size=batch_size,
            optimizer=optimizer, learning_rate=learning_rate, max_shift=max_shift,
            image_shape=image_shape,
            task=task, device=device, precision=precision, n_jobs=n_jobs, random_state=random_state,
            verbose=verbose, callbacks=callbacks, checkpoint=checkpoint,
            warm_start=warm_start,
        )
        self.proxies = proxies
        self.n_candidates = n_candidates
        self.n_warmup = n_warmup
        self.generations = generations
        self.population_size = population_size

    _strategy_name = "evolved-proxy"

    def _strategy_options(self) -> dict:
        return {"n_warmup": self.n_warmup, "generations": self.generations,
                "population_size": self.population_size}

    def _keep_from_strategy(self, strategy: EvolvedProxyRanking) -> None:
        self.proxy_ = strategy.proxy
