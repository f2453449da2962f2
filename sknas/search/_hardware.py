"""Accuracy against hardware costs in an estimator: objectives, constraints and the Pareto front."""

from __future__ import annotations

from numbers import Real

import numpy as np

from sklearn.utils.validation import check_is_fitted

from ..hardware import METRICS, NetworkProfiler, pareto_mask
from ..spaces import Architecture
from ._constraints import StrOptions
from ._predict import prediction_module

#: How ``predict`` chooses among the trained Pareto models.
FRONT_CHOICES = ("accuracy", "knee")

#: Latency of a candidate, measured while the search runs: fewer repeats than
#: :class:`~sknas.hardware.NetworkProfiler`'s defaults, so that profiling a pool stays a small part
#: of a search (``benchmarks/hw_digits.md`` measures searches with latency, profiling included).
LATENCY_SETTINGS = dict(warmup=3, repeats=10, number=3)

HARDWARE_PARAMETERS = """\
    objectives : tuple of str, default=("accuracy",)
        What the search optimises: ``"accuracy"`` (the validation score: accuracy, or R²
        for regression) first, then hardware costs to minimise among ``"params"``,
        ``"flops"`` (of one sample's forward pass) and ``"latency_ms"`` (median forward time
        of one sample on this machine's ``device``, measured as the search goes). With a
        cost, the search looks for the Pareto front of accuracy and costs, and
        ``pareto_front_`` holds its trained models.
    constraints : dict or None, default=None
        Upper bounds on costs, e.g. ``{"params": 1e5, "latency_ms": 2.0}`` (names as in
        ``objectives``; a constrained cost need not be an objective). An architecture that
        breaks one is never trained or returned; when none of the candidates meets them,
        ``fit`` raises a ``ValueError``.
    front_choice : {"accuracy", "knee"}, default="accuracy"
        The Pareto model that ``predict`` uses (``best_architecture_``, ``best_model_``):
        the most accurate one, or the knee (with every objective scaled to [0, 1] over the
        front, the member nearest to the ideal point of all the best values)."""

HARDWARE_ATTRIBUTES = """\
    pareto_front_ : dict of lists or None
        With a cost in ``objectives``: the non-dominated feasible evaluated architectures,
        cheapest first (by the first cost): ``architecture``, ``objective``, each cost,
        ``model`` (refitted on all of ``X`` for ``final_epochs``, in eval mode) and
        ``chosen`` (True for the one ``predict`` uses). None without costs."""


class HardwareAwareMixin:
    """Lets an estimator take ``objectives``, ``constraints`` and ``front_choice``.

    The estimator's ``__init__`` stores the three parameters; ``BaseSearch`` calls the
    methods below. Costs are measured once per architecture by a ``NetworkProfiler`` of the
    network as the search builds it, and kept in ``_measured_costs``.

    An estimator merges ``_parameter_constraints`` into its own (the names in ``objectives``
    and ``constraints`` are checked by ``_check_params``: no constraint says them).
    """

    _parameter_constraints: dict = {
        "objectives": [tuple, list],
        "constraints": [dict, None],
        "front_choice": [StrOptions(set(FRONT_CHOICES))],
    }

    def _check_hardware_params(self) -> None:
        """The contents of ``objectives`` and ``constraints`` (their types are constraints)."""
        objectives = self.objectives
        if not objectives:
            raise ValueError(
                f"objectives must be a tuple of names such as ('accuracy', 'latency_ms'); got {objectives!r}"
            )
        if objectives[0] != "accuracy":
            raise ValueError(f"the first objective must be 'accuracy' (the validation score); got {objectives[0]!r}")
        costs = list(objectives[1:])
        unknown = [c for c in costs if c not in METRICS]
        if unknown or len(set(costs)) != len(costs):
            raise ValueError(
                f"unknown or repeated cost objectives {unknown or costs}; use distinct names among {', '.join(METRICS)}"
            )
        constraints = self.constraints
        if constraints is not None:
            for name, bound in constraints.items():
                if name not in METRICS:
                    raise ValueError(f"unknown constraint {name!r}; constrain one of {', '.join(METRICS)}")
                if not isinstance(bound, Real) or isinstance(bound, bool) or not bound > 0:
                    raise ValueError(f"the bound of constraint {name!r} must be a positive number; got {bound!r}")

    @property
    def _cost_objectives(self) -> tuple[str, ...]:
        return tuple(self.objectives[1:])

    def _hardware_metrics(self) -> tuple[str, ...]:
        """Every cost measured: the cost objectives, then the constrained costs that are not."""
        return tuple(dict.fromkeys([*self._cost_objectives, *(self.constraints or {})]))

    def _start_profiling(self) -> None:
        metrics = self._hardware_metrics()
        self._measured_costs: dict[Architecture, dict[str, float]] = {}
        self._profiler = None
        if metrics:
            self._profiler = NetworkProfiler(
                self.space_, self.input_shape_, self.n_outputs_, metrics, device=self.device,
                seed=0, **LATENCY_SETTINGS,
            )

    def _measure(self, arch: Architecture) -> dict[str, float]:
        """The costs of ``arch``, measured once."""
        if arch not in self._measured_costs:
            self._measured_costs[arch] = self._profiler.profile(arch)
        return self._measured_costs[arch]

    def _strategy_costs(self):
        """``(costs, bounds, minimise)`` for a strategy: a function of an architecture giving
        the measured metrics in order, their bounds (None without constraints) and which of
        them are objectives."""
        metrics = self._hardware_metrics()
        constraints = self.constraints or {}
        bounds = [constraints.get(name) for name in metrics] if constraints else None
        minimise = [name in self._cost_objectives for name in metrics]
        return (lambda arch: [self._measure(arch)[name] for name in metrics]), bounds, minimise

    def _feasible(self, arch: Architecture) -> bool:
        costs = self._measure(arch) if self.constraints else {}
        return all(costs[name] <= bound for name, bound in (self.constraints or {}).items())

    # -- after the search ------------------------------------------------------------------

    def _cost_columns(self, archs: list[Architecture]) -> dict[str, list[float]]:
        """``results_`` columns of every measured cost (``hw_<name>``)."""
        if self._profiler is None:
            return {}
        measured = [self._measure(a) for a in archs]
        return {f"hw_{name}": [m[name] for m in measured] for name in self._hardware_metrics()}

    def _front_members(self, succeeded: list[tuple[Architecture, float]]) -> list[tuple[Architecture, float]] | None:
        """The Pareto front of the feasible successful candidates, cheapest first; None without costs."""
        if not self._cost_objectives:
            return None
        feasible = [(a, y) for a, y in succeeded if self._feasible(a)]
        if not feasible:
            raise ValueError(
                f"no trained architecture meets the constraints {self.constraints}; loosen them"
            )
        points = self._front_points(feasible)
        rows = np.flatnonzero(pareto_mask(points))
        rows = rows[np.lexsort((points[rows, 0], points[rows, 1]))]
        return [feasible[i] for i in rows]

    def _front_points(self, members: list[tuple[Architecture, float]]) -> np.ndarray:
        """Rows ``(−objective, cost objectives…)`` of ``(architecture, objective)`` pairs: all minimised."""
        return np.array([[-y, *(self._measure(a)[c] for c in self._cost_objectives)] for a, y in members])

    def _choose(self, front: list[tuple[Architecture, float]]) -> int:
        """The index in ``front`` of the member ``predict`` uses (``front_choice``)."""
        points = self._front_points(front)
        if self.front_choice == "accuracy":
            return int(np.argmin(points[:, 0]))
        span = points.max(axis=0) - points.min(axis=0)
        scaled = (points - points.min(axis=0)) / np.where(span > 0, span, 1.0)
        return int(np.argmin(np.linalg.norm(scaled, axis=1)))

    def _require_feasible(self, archs: list[Architecture]) -> None:
        """Raise a ``ValueError`` when none of ``archs`` meets the constraints."""
        if not self.constraints or any(self._feasible(a) for a in archs):
            return
        lowest = {name: min(self._measure(a)[name] for a in archs) for name in self.constraints}
        raise ValueError(
            f"none of the {len(archs)} candidate architectures meets the constraints {self.constraints} "
            f"(the lowest values are {lowest}); loosen the constraints or search a smaller space"
        )

    # -- hooks of BaseSearch ---------------------------------------------------------------

    def _check_params(self) -> None:
        super()._check_params()
        self._check_hardware_params()
        if self._multi_objective() and self.ensemble_size not in ("auto", 1):
            raise ValueError(
                "with hardware objectives or constraints one network is returned (its costs are the ones "
                f"measured and bounded); leave ensemble_size='auto' or 1 (got {self.ensemble_size!r})"
            )

    def _ensemble_size(self, n_candidates: int) -> int:
        """1 with hardware objectives or constraints: they hold for one network, not an average."""
        return 1 if self._multi_objective() else super()._ensemble_size(n_candidates)

    def _multi_objective(self) -> bool:
        return bool(self._hardware_metrics())

    def _strategy_context(self, space, rng, proxy_scorer, evaluator) -> dict:
        """The context of ``BaseSearch``, with the costs to measure and their bounds."""
        context = super()._strategy_context(space, rng, proxy_scorer, evaluator)
        if self._hardware_metrics():
            # a fixed sample, apart from the strategy's draws, tells whether anything is feasible
            pool = context.get("pool") or space.sample_pool(50, np.random.default_rng(0))
            self._require_feasible(pool)
            costs, bounds, minimise = self._strategy_costs()
            context.update(costs=costs, bounds=bounds, minimise=minimise)
        return context

    def _select_best(self, succeeded):
        """With costs, the ``front_choice`` member of the Pareto front (also kept in ``pareto_front_``)."""
        front = self._front_members([(a, r.objective) for a, r in succeeded])
        if front is None:
            self.pareto_front_ = None
            return super()._select_best(succeeded)
        chosen = self._choose(front)
        self.pareto_front_ = {
            "architecture": [str(a) for a, _ in front],
            "objective": [float(y) for _, y in front],
            **{name: [self._measure(a)[name] for a, _ in front] for name in self._hardware_metrics()},
            "chosen": [i == chosen for i in range(len(front))],
        }
        return front[chosen]

    def _refit_architectures(self):
        """With costs, every Pareto member is refitted."""
        if self.pareto_front_ is None:
            return super()._refit_architectures()
        return [self.space_.parse(s) for s in self.pareto_front_["architecture"]]

    def _keep_refitted(self, models) -> None:
        """With costs, ``best_model_`` is the chosen Pareto member's network."""
        if self.pareto_front_ is None:
            return super()._keep_refitted(models)
        self.pareto_front_["model"] = list(models)
        self.best_model_ = models[self.pareto_front_["chosen"].index(True)]
        self.ensemble_models_ = [self.best_model_]
        self.predictor_ = prediction_module(self)

    def predict_front(self, X) -> np.ndarray:
        """Predictions of every model of ``pareto_front_`` (to compare them on held-out data).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, C, H, W)
            Inputs shaped like those given to ``fit``.

        Returns
        -------
        y : ndarray of shape (n_front, n_samples)
            Row ``i`` holds what the ``i``-th Pareto model predicts (labels or targets).
        """
        check_is_fitted(self)
        if self.pareto_front_ is None:
            raise AttributeError("there is no Pareto front: fit with a hardware cost in objectives")
        return np.stack([self._decode(self._predicted(X, prediction_module(self, model)))
                         for model in self.pareto_front_["model"]])
