"""LocalSearch: hill climbing over neighbourhoods of architectures trained on your data."""

from __future__ import annotations

from numbers import Integral

from ._base import BaseSearch
from ._constraints import Interval
from ._docstrings import fill_doc


@fill_doc()
class LocalSearch(BaseSearch):
    """Local search (White, Nolen & Savani, 2021) over architectures trained on your data.

    The first ``n_initial`` candidates are random. The best of them is the incumbent: its
    neighbours (every architecture one elementary change away) are trained in random
    order, then the search moves to the best architecture found if it beats the
    incumbent, and trains that one's neighbours; when none does, the incumbent is a local
    optimum and the search restarts from a random architecture. White et al. found this
    simple baseline competitive with far more elaborate strategies on NAS benchmarks.

    The strategy can also evaluate neighbours best zero-cost proxy first
    (``sknas.strategies.LocalSearchStrategy(order="proxy")``, on the benchmarks); this
    estimator visits them in random order.

    Parameters
    ----------
%(common_parameters)s
    n_initial : int, default=10
        Random architectures trained before the first climb starts from the best of them.

    Attributes
    ----------
%(common_attributes)s

    See Also
    --------
    EvolutionSearch : Mutations of tournament winners, the oldest member dies.
    RandomSearch : Random architectures over the same spaces.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sknas import LocalSearch
    >>> X, y = load_digits(return_X_y=True)
    >>> search = LocalSearch(budget=3, n_initial=2, epochs=2, final_epochs=2, random_state=0)
    >>> len(search.fit(X[:300], y[:300]).results_["architecture"])
    3
    """

    _parameter_constraints: dict = {
        **BaseSearch._parameter_constraints,
        # the first climb starts from the best random architecture
        "n_initial": [Interval(Integral, 1, None, closed="left")],
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
        n_initial=10,
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
        self.n_initial = n_initial

    _strategy_name = "local-search"

    def _strategy_options(self) -> dict:
        return {"n_initial": self.n_initial}
