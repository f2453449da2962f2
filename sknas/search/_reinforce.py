"""ReinforceSearch: a policy over architecture choices, trained by REINFORCE on real results."""

from __future__ import annotations

from numbers import Real

from ._base import BaseSearch
from ._constraints import Interval
from ._docstrings import fill_doc


@fill_doc()
class ReinforceSearch(BaseSearch):
    """Policy-gradient NAS: a categorical distribution per choice, rewarded by validation scores.

    Each candidate is drawn from the policy (one softmax per decision of the space: each
    edge's operation for cells; depth, widths, activation, dropout and normalisation for
    perceptrons); after it is trained, the policy takes an Adam step on REINFORCE's
    −(reward − baseline)·log π, with a moving-average baseline (momentum 0.9).

    Parameters
    ----------
%(common_parameters)s
    policy_learning_rate : float, default=0.01
        Adam step size of the policy.

    Attributes
    ----------
%(common_attributes)s

    See Also
    --------
    EvolutionSearch : Regularized evolution over the same spaces.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sknas import ReinforceSearch
    >>> X, y = load_digits(return_X_y=True)
    >>> search = ReinforceSearch(budget=2, epochs=2, final_epochs=2, image_shape=(8, 8),
    ...                          random_state=0).fit(X[:300], y[:300])
    >>> len(search.results_["architecture"])
    2
    """

    _parameter_constraints: dict = {
        **BaseSearch._parameter_constraints,
        "policy_learning_rate": [Interval(Real, 0, None, closed="neither")],  # positive, finite
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
        policy_learning_rate=0.01,
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
        self.policy_learning_rate = policy_learning_rate

    _strategy_name = "reinforce"

    def _strategy_options(self) -> dict:
        return {"learning_rate": self.policy_learning_rate}
