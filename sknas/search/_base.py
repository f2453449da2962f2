"""The fit loop shared by every search estimator."""

from __future__ import annotations

import abc
import math
import os
import time
import warnings
from dataclasses import replace
from numbers import Integral, Real

import joblib
import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.utils import ClassifierTags, RegressorTags
from sklearn.utils.validation import validate_data

from ..driver import Checkpoint, TimeLimit, checkpoint_file, default_callbacks, notify, run_search
from ..evaluation import EvaluationResult, SuccessiveHalving, TrainingEvaluator, TrainingRecipe
from ..evaluation import auto_max_shift, halving_rungs, resolve_device, resolve_precision
from ..evaluation._device import PRECISIONS
from ..evaluation._halving import bracket_size
from ..evaluation._training import as_tensors
from ..proxies import ProxyScorer, proxy_inputs
from ..spaces import SPACES, Architecture, CellSpace, SearchSpace, make_space
from ..strategies import Strategy, make_strategy
from ._checkpoint import search_fingerprint, starting_state
from ._predict import prediction_module
from ._predicting import PredictingMixin
from ._results import check_outcome, most_trained, ranked, results_table
from ._timings import ProposalTimer, search_timings
from ._data import (
    InputScaler, network_floats, resolve_input_shape, rows_of, split_train_validation,
)
from ._constraints import Interval, LiveNames, StrOptions, validate_parameter_constraints
from ._docstrings import fill_doc
from ._targets import TASKS, check_fit_weights, encode_targets, resolve_task

#: The most candidates ``ensemble_size="auto"`` refits and averages on tabular rows: the best 5
#: of 20 perceptrons raised the mean test score on four small tabular sets, each refit costing
#: about one candidate's training (``benchmarks/tabular_recipe.md``).
AUTO_ENSEMBLE_TABULAR = 5
#: ... and on images: the best 3 of 20 cells raised digits' test accuracy from 0.9880 to 0.9924
#: (RandomSearch) and from 0.9900 to 0.9933 (POnasSearch) over 10 seeds, for two more refits of
#: ~8 s beside searches of 65-88 s; 5 added little more (``benchmarks/image_ensemble_digits.md``).
AUTO_ENSEMBLE_IMAGES = 3


@fill_doc()
class BaseSearch(PredictingMixin, BaseEstimator, metaclass=abc.ABCMeta):
    """Base of the search estimators: validate, split, ask/evaluate/tell, refit the winner.

    Subclasses only say which strategy drives the search: its registered name
    (``_strategy_name``) and options (``_strategy_options``).

    One class per strategy serves both tasks, and its type is known before ``fit``: with
    ``task="auto"`` (the default) or ``"classification"`` the estimator is a classifier
    (``sklearn.base.is_classifier`` is True, so cross-validation stratifies its folds and
    ``roc_auc`` and the other probability scorers work; ``StackingClassifier`` and
    ``VotingClassifier`` take it), with ``task="regression"`` a regressor. Under ``"auto"``,
    ``fit`` refuses float targets that look continuous, with a ``ValueError`` that says to
    pass ``task="regression"`` (see the ``task`` parameter).

    Parameters
    ----------
%(common_parameters)s

    Attributes
    ----------
%(common_attributes)s
    """

    #: The name of the strategy in :data:`sknas.strategies.STRATEGIES`.
    _strategy_name: str = ""

    #: What each parameter may be (scikit-learn's idiom), checked at the start of ``fit``;
    #: subclasses merge it with their own: ``{**BaseSearch._parameter_constraints, ...}``.
    _parameter_constraints: dict = {
        # a name registered later with sknas.spaces.register_space is accepted too
        "space": [StrOptions(LiveNames(SPACES, "auto")), SearchSpace],
        "budget": [Interval(Integral, 1, None, closed="left")],
        "max_time": [Interval(Real, 0, None, closed="neither"), None],
        "epochs": [Interval(Integral, 1, None, closed="left")],
        "final_epochs": [Interval(Integral, 1, None, closed="left")],
        "ensemble_size": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "min_epochs": [Interval(Integral, 1, None, closed="left"), None],  # below epochs: _check_params
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        # one-sample batches cannot train batch normalisation: every step would be skipped
        "batch_size": [Interval(Integral, 2, None, closed="left")],
        "optimizer": [StrOptions({"adamw", "sgd"})],
        # positive and finite: else every candidate fails inside torch and fit blames the data
        "learning_rate": [Interval(Real, 0, None, closed="neither"), None],
        "max_shift": [Interval(Integral, 0, None, closed="left"), StrOptions({"auto"})],
        "image_shape": ["array-like", None],  # its values are checked against X in fit
        "task": [StrOptions(set(TASKS))],
        "device": [str, torch.device],  # whether this machine has it: _check_params
        "precision": [StrOptions(set(PRECISIONS))],
        # nonzero: -1 is every core, None is 1
        "n_jobs": [Interval(Integral, None, -1, closed="right"), Interval(Integral, 1, None, closed="left"), None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "callbacks": [list, tuple, None],
        # whether its folder exists and can be written is checked by Checkpoint.open, before any work
        "checkpoint": [str, os.PathLike, None],
        "warm_start": ["boolean"],
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
    ):
        self.space = space
        self.budget = budget
        self.max_time = max_time
        self.epochs = epochs
        self.final_epochs = final_epochs
        self.ensemble_size = ensemble_size
        self.min_epochs = min_epochs
        self.validation_fraction = validation_fraction
        self.batch_size = batch_size
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.max_shift = max_shift
        self.image_shape = image_shape
        self.task = task
        self.device = device
        self.precision = precision
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose
        self.callbacks = callbacks
        self.checkpoint = checkpoint
        self.warm_start = warm_start

    def _strategy_options(self) -> dict:
        """The options of the strategy's spec; none by default."""
        return {}

    def _multi_objective(self) -> bool:
        """Whether the search looks for a Pareto front (hardware costs as objectives)."""
        return False

    def _strategy_spec(self) -> Strategy:
        """The unbound strategy of this search, from the registry."""
        return make_strategy(self._strategy_name, multi_objective=self._multi_objective(),
                             **self._strategy_options())

    def _strategy_context(self, space: SearchSpace, rng: np.random.Generator,
                          proxy_scorer: ProxyScorer | None, evaluator: TrainingEvaluator) -> dict:
        """What ``setup`` binds the strategy to: the budget, and with proxies a scored pool.

        The pool is the size :meth:`_pool_plan` gives, drawn from ``rng`` (before the strategy
        draws); when fewer exist it is the whole space, and nothing new needs scoring.
        """
        context = {"budget": self.budget}
        if proxy_scorer is not None:
            n_pool, extra = self._pool_plan(proxy_scorer, evaluator)
            pool = space.sample_pool(n_pool, rng)
            whole_space = len(pool) < n_pool
            pool, extra = self._pool_in_time(pool, proxy_scorer, extra)
            context.update(
                pool=pool, proxy_scores=proxy_scorer.score(pool), proxy_names=proxy_scorer.names,
                score_proxies=None if whole_space else proxy_scorer.score, **extra,
            )
        return context

    def _pool_plan(self, proxy_scorer: ProxyScorer, evaluator: TrainingEvaluator) -> tuple[int, dict]:
        """How many architectures the initial pool draws (``n_candidates``), and further
        context for the strategy's ``setup`` (none)."""
        return self.n_candidates, {}

    def _pool_in_time(self, pool: list, proxy_scorer: ProxyScorer, extra: dict) -> tuple[list, dict]:
        """The initial pool and the context of :meth:`_pool_plan`, cut to what ``max_time``
        allows the proxies; not cut by default."""
        return pool, extra

    def _proxy_names(self) -> tuple[str, ...]:
        """Proxies computed on the training data and recorded in ``results_``; none by default."""
        return ()

    def _keep_from_strategy(self, strategy: Strategy) -> None:
        """Set fitted attributes from what the strategy learned; nothing by default."""

    # hardware costs: none unless the estimator takes objectives (HardwareAwareMixin)
    def _start_profiling(self) -> None:
        """Prepare to measure the hardware costs of architectures."""

    def _cost_columns(self, archs: list[Architecture]) -> dict[str, list[float]]:
        """Columns of ``results_`` with the hardware costs of ``archs``."""
        return {}

    # -- fitting ---------------------------------------------------------------------------

    def fit(self, X, y, sample_weight=None):
        """Search architectures on ``(X, y)`` and refit the best one on all of it.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, C, H, W)
            Training inputs: tabular features, images, or images flattened into rows
            (then give ``image_shape``). They are rounded once to float32, the precision
            the networks compute in (values beyond its range are first scaled down).
        y : array-like of shape (n_samples,)
            Class labels of any type, or targets (with ``task="regression"``).
        sample_weight : array-like of shape (n_samples,) or None, default=None
            Non-negative weights of the samples. They weigh each sample's loss in the
            training of every candidate and of the refit, and the validation score
            (weighted accuracy or R²) the candidates are ranked by; the training and
            validation splits keep each sample's weight. None, or equal weights, weigh the
            samples alike. The input and target standardisation is not weighted.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        fit_start = time.perf_counter()
        self._validate_params()
        self._check_params()
        X, images = rows_of(X)
        X, y = validate_data(self, X, y, ensure_min_samples=2, dtype=[np.float64, np.float32],
                             y_numeric=self.task == "regression")
        X = network_floats(X)
        self.task_ = resolve_task(self.task, y)
        self.input_shape_ = resolve_input_shape(X, self.image_shape, images)
        self.space_ = self._resolve_space(self.input_shape_)
        self.space_.check_input_shape(self.input_shape_)
        targets, decoding = encode_targets(self.task_, y)
        for name, value in decoding.items():
            setattr(self, name, value)
        weight = check_fit_weights(sample_weight, X, targets, self.task_)
        spec = self._strategy_spec()
        batch_size = joblib.effective_n_jobs(self.n_jobs)
        rungs = None if self.min_epochs is None else halving_rungs(self.epochs, self.min_epochs)
        if rungs is not None:  # each batch is a bracket of successive halving, whatever n_jobs
            batch_size = bracket_size(rungs)
        fingerprint = search_fingerprint(self, X, y, weight)
        checkpoint = None
        if self.checkpoint is not None:
            path = checkpoint_file(self.checkpoint, fingerprint, type(self).__name__)
            checkpoint = Checkpoint(path).open()
        callbacks = [*default_callbacks(self.verbose, type(self).__name__), *(self.callbacks or ())]
        time_limit = None
        if self.max_time is not None:
            refit_scale = self.final_epochs / self.epochs / (1.0 - self.validation_fraction)
            time_limit = TimeLimit(self.max_time, fit_start, refit_scale, batch_size,
                                   refit_models=self._ensemble_size)
            callbacks.append(time_limit)
        try:
            state = starting_state(self, fingerprint, checkpoint)
            where = "this search" if checkpoint is None else f"the search of checkpoint {str(checkpoint.path)!r}"
            state.check_batch_size(batch_size, spec.batch_invariant, where)
            if checkpoint is not None:
                checkpoint.write(state, strict=True)  # a folder that cannot be written fails now, not later
            evaluator, proxy_scorer, recipe, X_all = self._prepare(X, targets, weight, state.seed)
            start = time.perf_counter()
            self._start_profiling()
            rng = np.random.default_rng(state.seed)
            context = self._strategy_context(self.space_, rng, proxy_scorer, evaluator)
            strategy = spec.setup(self.space_, rng, **context)
            setup_s = time.perf_counter() - start
            self.search_state_ = state  # kept up to date by the driver; callbacks may read it
            proposals = ProposalTimer()
            search_evaluator = evaluator if rungs is None else SuccessiveHalving(evaluator, rungs)
            history = run_search(
                strategy, search_evaluator, budget=self.budget, batch_size=batch_size, n_jobs=self.n_jobs,
                state=state, checkpoint=checkpoint, callbacks=[proposals, *callbacks], search=self,
            )
        finally:
            if checkpoint is not None:
                checkpoint.close()
        self.search_time_s_ = time.perf_counter() - start
        self._set_results(history, proxy_scorer, callbacks)
        self._keep_from_strategy(strategy)
        notify(callbacks, "on_search_end", self)

        X_t, y_t = as_tensors(X_all, targets, self.task_)
        w_t = None if weight is None else torch.as_tensor(weight)
        architectures = self._refit_architectures()
        self.refit_epochs_ = self._refit_epochs(time_limit, len(architectures))
        final = replace(recipe, epochs=self.refit_epochs_)
        notify(callbacks, "on_refit_begin", self, architectures=architectures, epochs=self.refit_epochs_)

        def on_epoch_end(epoch: int, loss: float) -> None:
            notify(callbacks, "on_refit_epoch_end", self, epoch=epoch, loss=loss)

        refit_start = time.perf_counter()
        models = [evaluator.fit_network(a, X_t, y_t, final, on_epoch_end, sample_weight=w_t)[0]
                  for a in architectures]
        self.search_timings_ = search_timings(
            history, setup_s=setup_s, propose_s=proposals.elapsed_s, search_s=self.search_time_s_,
            proxies_s=0.0 if proxy_scorer is None else proxy_scorer.elapsed_s_,
            refit_s=time.perf_counter() - refit_start,
        )
        self._keep_refitted(models)
        notify(callbacks, "on_refit_end", self)
        return self

    def _prepare(self, X: np.ndarray, targets: np.ndarray, weight: np.ndarray | None, seed: int):
        """The input scaling, the training evaluator and the proxy scorer of the search."""
        self.input_scaler_ = InputScaler(self.input_shape_).fit(X)
        X_all = self.input_scaler_.transform(X)
        train, val = split_train_validation(
            targets, self.validation_fraction, seed, stratify=self.task_ == "classification"
        )
        self.precision_, channels_last = resolve_precision(
            self.precision, resolve_device(self.device), images=len(self.input_shape_) == 3
        )
        self.max_shift_ = self._resolve_max_shift()
        recipe = TrainingRecipe(
            epochs=self.epochs, batch_size=self.batch_size, optimizer=self.optimizer,
            learning_rate=self.learning_rate, precision=self.precision_, channels_last=channels_last,
            max_shift=self.max_shift_,
        )
        w_train = w_val = None
        if weight is not None:
            w_train, w_val = weight[train], weight[val]
            if not w_train.any() or not w_val.any():
                raise ValueError(
                    f"sample_weight is zero for every sample of the {'training' if not w_train.any() else 'validation'} "
                    "split, so the candidates cannot be trained or scored; give more samples a "
                    "positive weight, or change validation_fraction or random_state"
                )
        evaluator = TrainingEvaluator(
            self.space_, X_all[train], targets[train], X_all[val], targets[val], task=self.task_,
            n_outputs=self.n_outputs_, recipe=recipe, device=self.device, seed=seed,
            sample_weight_train=w_train, sample_weight_val=w_val,
        )
        proxy_scorer = None
        if self._proxy_names():
            # seeded like the evaluator, so the proxies score the weights training starts from
            proxy_scorer = ProxyScorer(
                self.space_, self._proxy_names(), X_all[train], targets[train], task=self.task_,
                n_outputs=self.n_outputs_, batch_size=self.batch_size, device=self.device,
                n_jobs=self.n_jobs, random_state=seed, verbose=self.verbose,
            )
        return evaluator, proxy_scorer, recipe, X_all

    def _resolve_max_shift(self) -> int:
        """``max_shift`` in pixels: ``"auto"``'s for this input, or the one asked for images."""
        if self.max_shift == "auto":
            return auto_max_shift(self.input_shape_)
        shift = int(self.max_shift)
        if len(self.input_shape_) != 3:
            if shift:
                raise ValueError(
                    f"max_shift={shift} moves images, but X is tabular ({self.input_shape_[0]} features "
                    "per row): pass max_shift=0 or 'auto', or image_shape if each row is an image"
                )
            return 0
        if shift >= min(self.input_shape_[1:]):
            raise ValueError(
                f"max_shift={shift} pixels is not smaller than the images "
                f"({self.input_shape_[1]}x{self.input_shape_[2]}); pass a smaller max_shift, or 'auto'"
            )
        return shift

    def _refit_epochs(self, time_limit: TimeLimit | None, n_models: int) -> int:
        """``final_epochs``, or fewer when ``max_time`` leaves too little for ``n_models`` refits."""
        if time_limit is None:
            return self.final_epochs
        epochs = time_limit.refit_epochs(self.final_epochs, n_models)
        if epochs < self.final_epochs:
            refitted = "the best architecture" if n_models == 1 else f"each of the {n_models} networks"
            warnings.warn(
                f"max_time={self.max_time:g} s leaves too little time for a full refit: {refitted} "
                f"is refitted for {epochs} of final_epochs={self.final_epochs} epochs "
                "(refit_epochs_). Raise max_time, or lower final_epochs, for the refit you asked for",
                UserWarning, stacklevel=3,
            )
        return epochs

    def _refit_architectures(self) -> list[Architecture]:
        """The architectures refitted on all the data: the ensemble, the winner first."""
        return list(self.ensemble_architectures_)

    def _keep_refitted(self, models: list[torch.nn.Module]) -> None:
        """Keep the refitted networks: ``ensemble_models_``, the first of them ``best_model_``."""
        self.ensemble_models_ = list(models)
        self.best_model_ = models[0]
        self.predictor_ = prediction_module(self)

    def _ensemble_size(self, n_candidates: int) -> int:
        """``ensemble_size`` resolved for ``n_candidates`` that may join: ``"auto"`` is the best
        quarter of them, from 1 to ``AUTO_ENSEMBLE_TABULAR`` for tabular rows and to
        ``AUTO_ENSEMBLE_IMAGES`` for images (a quarter keeps the weak candidates of a small
        budget out)."""
        if self.ensemble_size != "auto":
            return min(int(self.ensemble_size), n_candidates)
        cap = AUTO_ENSEMBLE_TABULAR if len(self.input_shape_) == 1 else AUTO_ENSEMBLE_IMAGES
        return min(cap, max(1, n_candidates // 4))

    def _set_results(
        self, history: list[tuple[Architecture, EvaluationResult]], proxy_scorer: ProxyScorer | None,
        callbacks: list,
    ) -> None:
        self.results_ = results_table(history, self._cost_columns([arch for arch, _ in history]), proxy_scorer)
        succeeded = check_outcome(history, self.results_, budget=self.budget, callbacks=callbacks,
                                  learning_rate=self.learning_rate)
        contenders = most_trained(succeeded)
        self.best_architecture_, self.best_score_ = self._select_best(contenders)
        others = [arch for arch, _ in ranked(contenders) if arch != self.best_architecture_]
        self.ensemble_architectures_ = [self.best_architecture_, *others][: self._ensemble_size(len(contenders))]

    def _select_best(self, succeeded: list[tuple[Architecture, EvaluationResult]]) -> tuple[Architecture, float]:
        """The architecture ``predict`` will use, and its validation score."""
        best_arch, best_result = ranked(succeeded)[0]
        return best_arch, best_result.objective

    # -- validation ------------------------------------------------------------------------

    def _validate_params(self) -> None:
        """Refuse a parameter that meets none of its ``_parameter_constraints``, naming what it may be.

        scikit-learn's ``BaseEstimator._validate_params``, through the guarded import of
        ``._constraints`` (a local copy when scikit-learn's private module is gone).
        """
        validate_parameter_constraints(
            self._parameter_constraints, self.get_params(deep=False), caller_name=type(self).__name__
        )

    def _check_params(self) -> None:
        """Refuse what no single constraint can say: values that depend on each other or on
        this machine. Runs after ``_validate_params``, so each parameter has a valid type."""
        resolve_device(self.device)  # 'cuda' without CUDA, 'meta': refused before any work
        if self.min_epochs is not None:
            halving_rungs(self.epochs, self.min_epochs)  # a ValueError says what min_epochs may be

    def _resolve_space(self, input_shape: tuple[int, ...]) -> SearchSpace:
        space = self.space
        images = len(input_shape) == 3
        if isinstance(space, SearchSpace):
            resolved = space
        elif space == "auto":
            resolved = make_space("cell" if images else "mlp")
            side = math.isqrt(input_shape[0])
            if not images and side >= 8 and side * side == input_shape[0]:
                warnings.warn(
                    f"X has {input_shape[0]} features, {side}x{side}: they are searched as tabular "
                    f"features (MLPs). If each row is an image, pass image_shape=({side}, {side}) (or "
                    f"(channels, height, width)) to search convolutional cells; pass space='mlp' to "
                    "keep MLPs without this warning", UserWarning, stacklevel=3,
                )
        else:
            resolved = make_space(space)  # a ValueError lists the registered names
        if isinstance(resolved, CellSpace) and not images:
            raise ValueError(
                "the cell space needs images: pass 4-D X of shape (n_samples, channels, "
                "height, width), or give image_shape for images stored as rows of X"
            )
        return resolved

    def __sklearn_tags__(self):
        """A classifier unless ``task="regression"``: the type is known before ``fit``."""
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        if self.task == "regression":
            tags.estimator_type = "regressor"
            tags.regressor_tags = RegressorTags()
        else:
            tags.estimator_type = "classifier"
            tags.classifier_tags = ClassifierTags()
        return tags


class ProxyPoolSearch(BaseSearch):
    """Base of the estimators that score a pool of ``n_candidates`` with the ``proxies``.

    Subclasses define ``proxies`` and ``n_candidates`` in their ``__init__``, and the
    constraint of ``proxies`` (which of names, a list of them, an ``EvolvedProxy`` it takes).
    """

    _parameter_constraints: dict = {
        **BaseSearch._parameter_constraints,
        "n_candidates": [Interval(Integral, 1, None, closed="left")],
    }

    def _check_params(self) -> None:
        super()._check_params()
        # the names against the registry of proxies (with its aliases), which a constraint cannot
        # say of a tuple; a ValueError lists the available ones
        proxy_inputs(self.proxies)

    def _proxy_names(self) -> tuple[str, ...]:
        return proxy_inputs(self.proxies)
