"""BOSearch: Gaussian-process Bayesian optimisation over architecture encodings."""

from __future__ import annotations

from numbers import Integral

from ._base import BaseSearch
from ._constraints import Interval
from ._docstrings import fill_doc


@fill_doc()
class BOSearch(BaseSearch):
    """Bayesian optimisation (BANANAS-like): a GP over one-hot encodings picks what to train.

    After ``n_initial`` random candidates, a BoTorch ``SingleTaskGP`` (Matérn-5/2) is fitted
    to the encodings and validation scores of the trained ones, and the untrained member of a
    pool of ``n_candidates`` with the highest log expected improvement is trained next.

    Parameters
    ----------
%(common_parameters)s
    n_candidates : int, default=1000
        Size of the pool the acquisition is maximised over.
    n_initial : int, default=5
        Random candidates before the GP takes over.

    Attributes
    ----------
%(common_attributes)s

    See Also
    --------
    RoBoTSearch : Bayesian optimisation over weightings of zero-cost proxies instead.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sknas import BOSearch
    >>> X, y = load_digits(return_X_y=True)
    >>> search = BOSearch(budget=3, n_initial=2, epochs=2, final_epochs=2,
    ...                   image_shape=(8, 8), random_state=0).fit(X[:300], y[:300])
    >>> len(search.results_["architecture"])
    3
    """

    _parameter_constraints: dict = {
        **BaseSearch._parameter_constraints,
        "n_candidates": [Interval(Integral, 1, None, closed="left")],
        "n_initial": [Interval(Integral, 0, None, closed="left")],
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
        n_candidates=1000,
        n_initial=5,
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
        self.n_candidates = n_candidates
        self.n_initial = n_initial

    _strategy_name = "bo"

    def _strategy_options(self) -> dict:
        return {"n_initial": self.n_initial, "n_candidates": self.n_candidates}
