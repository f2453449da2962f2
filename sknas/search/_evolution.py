"""EvolutionSearch: regularized (aging) evolution on real training."""

from __future__ import annotations

from numbers import Integral

from ._base import BaseSearch
from ._constraints import Interval
from ._docstrings import fill_doc


@fill_doc()
class EvolutionSearch(BaseSearch):
    """Regularized evolution (Real et al., 2019) over architectures trained on your data.

    The first ``population_size`` candidates are random; each later one mutates by one
    elementary change the winner of a tournament among ``tournament_size`` members of the
    population, and the oldest member dies.

    Parameters
    ----------
%(common_parameters)s
    population_size : int, default=10
        Members of the population.
    tournament_size : int, default=5
        Members drawn for each tournament.

    Attributes
    ----------
%(common_attributes)s

    See Also
    --------
    RandomSearch : Random architectures over the same spaces.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sknas import EvolutionSearch
    >>> X, y = load_digits(return_X_y=True)
    >>> search = EvolutionSearch(budget=3, population_size=2, tournament_size=1,
    ...                          epochs=2, final_epochs=2, random_state=0)
    >>> len(search.fit(X[:300], y[:300]).results_["architecture"])
    3
    """

    _parameter_constraints: dict = {
        **BaseSearch._parameter_constraints,
        "population_size": [Interval(Integral, 1, None, closed="left")],
        "tournament_size": [Interval(Integral, 1, None, closed="left")],
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
        population_size=10,
        tournament_size=5,
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
        self.population_size = population_size
        self.tournament_size = tournament_size

    def _check_params(self) -> None:
        super()._check_params()
        # across two parameters: a tournament draws from the population
        if self.tournament_size > self.population_size:
            raise ValueError(
                "need 1 <= tournament_size <= population_size, got tournament_size="
                f"{self.tournament_size}, population_size={self.population_size}; a tournament "
                "draws from the population, so lower tournament_size or raise population_size"
            )

    _strategy_name = "evolution"

    def _strategy_options(self) -> dict:
        return {"population_size": self.population_size, "tournament_size": self.tournament_size}
