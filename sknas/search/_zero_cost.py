"""ZeroCostSearch: rank a pool by training-free proxies, train only the most promising."""

from __future__ import annotations

from ..proxies import ZERO_COST_PROXIES, EvolvedProxy
from ..strategies import ZeroCostRanking
from ._base import ProxyPoolSearch
from ._docstrings import fill_doc


@fill_doc()
class ZeroCostSearch(ProxyPoolSearch):
    """Zero-cost NAS: score many candidates without training, train the top ``budget``.

    Draws ``n_candidates`` architectures that compute different functions, scores each
    untrained network with the zero-cost ``proxies`` on one minibatch of the training data,
    ranks them by the mean of the proxies min-max normalised over the pool, trains the best
    ``budget`` of them, and keeps the one with the best validation score.

    Parameters
    ----------
%(common_parameters)s
    proxies : str, tuple of str or EvolvedProxy, default=("synflow", "nwot")
        Proxies to rank by: one name, several whose normalised scores are averaged (see
        ``sknas.proxies.available_proxies()``), or an evolved formula over them
        (``sknas.proxies.evolve_proxy``).
    n_candidates : int, default=200
        Size of the scored pool; a space with fewer distinct architectures is scored whole.
        The proxies' minibatch has ``batch_size`` samples.

    Attributes
    ----------
%(common_attributes)s
    candidates_ : dict of lists
        The scored pool, best first: ``architecture``, ``score`` (the combined normalised
        score that ranked it; NaN when no proxy could be computed) and each raw proxy.

    See Also
    --------
    RandomSearch : The baseline every zero-cost ranking has to beat.
    sknas.proxies.ProxyScorer : Scores architectures with proxies.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sknas import ZeroCostSearch
    >>> X, y = load_digits(return_X_y=True)
    >>> search = ZeroCostSearch(budget=2, n_candidates=10, epochs=2, final_epochs=2,
    ...                         image_shape=(8, 8), random_state=0)
    >>> search.fit(X[:300], y[:300]).results_["architecture"] == search.candidates_["architecture"][:2]
    True
    """

    _parameter_constraints: dict = {
        **ProxyPoolSearch._parameter_constraints,
        "proxies": [str, tuple, list, EvolvedProxy],
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
        proxies=ZERO_COST_PROXIES,
        n_candidates=200,
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

    _strategy_name = "zero-cost"

    def _strategy_options(self) -> dict:
        # an evolved proxy is its own combination of the raw proxies
        return {"combine": self.proxies.evaluate if isinstance(self.proxies, EvolvedProxy) else None}

    def _keep_from_strategy(self, strategy: ZeroCostRanking) -> None:
        position = {arch: i for i, arch in enumerate(strategy.pool)}
        order = [position[arch] for arch in strategy.ranking]
        self.candidates_ = {
            "architecture": [str(strategy.pool[i]) for i in order],
            "score": strategy.scores[order].tolist(),
            **{name: strategy.raw_scores[order, j].tolist() for j, name in enumerate(self._proxy_names())},
        }
