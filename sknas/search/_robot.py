"""RoBoTSearch: Bayesian optimisation of one weighting of the proxies, then greedy exploitation."""

from __future__ import annotations

from ..proxies import PONAS_PROXIES
from ._base import ProxyPoolSearch
from ._docstrings import fill_doc


@fill_doc()
class RoBoTSearch(ProxyPoolSearch):
    """RoBoT (He et al., ICLR 2024): learn how to weigh the zero-cost proxies, by training.

    Scores ``n_candidates`` architectures with the ``proxies`` (min-max normalised over the
    pool), then searches a weight vector w ∈ [-1, 1]^K by Bayesian optimisation (BoTorch
    GP, Matérn-5/2, UCB with κ = 2.576): each w ranks the pool by Σ w_k m_k, and its value is
    the validation score of the top-ranked architecture, trained for real (a w whose top
    architecture was already trained costs nothing). After ``budget`` BO steps the rest of
    the budget goes down the ranking of the best w. The best trained architecture wins.

    Parameters
    ----------
%(common_parameters)s
    proxies : str or tuple of str, default=PONAS_PROXIES
        The proxies weighed: by default ``grad_norm``, ``snip``, ``grasp``, ``fisher``,
        ``synflow``, ``jacob_cov``, RoBoT's own choice.
    n_candidates : int, default=200
        Size of the scored pool.

    Attributes
    ----------
%(common_attributes)s

    See Also
    --------
    ZeroCostSearch : The same pool, ranked by an unweighted mean of the proxies.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sknas import RoBoTSearch
    >>> X, y = load_digits(return_X_y=True)
    >>> search = RoBoTSearch(budget=2, n_candidates=10, epochs=2, final_epochs=2,
    ...                      image_shape=(8, 8), random_state=0).fit(X[:300], y[:300])
    >>> len(search.results_["architecture"])
    2
    """

    _parameter_constraints: dict = {
        **ProxyPoolSearch._parameter_constraints,
        "proxies": [str, tuple, list],
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
        proxies=PONAS_PROXIES,
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

    _strategy_name = "robot"  # BO steps: the budget, as the reference
