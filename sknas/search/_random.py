"""RandomSearch: train randomly drawn architectures, keep the best."""

from __future__ import annotations

from ._base import BaseSearch
from ._docstrings import fill_doc
from ._hardware import HARDWARE_ATTRIBUTES, HARDWARE_PARAMETERS, HardwareAwareMixin


@fill_doc(hardware_parameters=HARDWARE_PARAMETERS, hardware_attributes=HARDWARE_ATTRIBUTES)
class RandomSearch(HardwareAwareMixin, BaseSearch):
    """Random architecture search: train ``budget`` random architectures, keep the best.

    A strong baseline of the NAS literature. Each candidate is trained for ``epochs`` on a
    split of the training data and scored on the held-out rest; the best is refitted on
    all of it for ``final_epochs``.

    With a cost in ``objectives`` it is the baseline of the multi-objective search: random
    feasible architectures, and the Pareto front of those trained.

    Parameters
    ----------
%(common_parameters)s
%(hardware_parameters)s

    Attributes
    ----------
%(common_attributes)s
%(hardware_attributes)s

    See Also
    --------
    EvolutionSearch : Regularized evolution over the same spaces.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sknas import RandomSearch
    >>> X, y = load_digits(return_X_y=True)
    >>> search = RandomSearch(space="mlp", budget=2, epochs=2, final_epochs=2, random_state=0)
    >>> search.fit(X[:300], y[:300]).predict(X[:3]).shape
    (3,)
    """

    _parameter_constraints: dict = {
        **BaseSearch._parameter_constraints,
        **HardwareAwareMixin._parameter_constraints,
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
        objectives=("accuracy",),
        constraints=None,
        front_choice="accuracy",
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
        self.objectives = objectives
        self.constraints = constraints
        self.front_choice = front_choice

    _strategy_name = "random"
