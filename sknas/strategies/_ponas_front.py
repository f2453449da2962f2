"""PO-NAS for accuracy against hardware costs: a Pareto front chosen by predicted hypervolume gain."""

from __future__ import annotations

import numpy as np
import torch
from pymoo.util.nds.non_dominated_sorting import NonDominatedSorting

from ..hardware import hypervolume_improvement, reference_point
from ..spaces import Architecture
from ..surrogate import fit_gp, gp_hyperparameters, graph_batch, posterior_mean_std
from ._nsga2 import WORST, integer_nsga2, tell_values
from ._ponas import PONAS

#: Share of the span of the values added beyond their worst to make the reference point.
REFERENCE_MARGIN = 0.1

#: Dimensions of the embedding's projection (principal components) that the GP reads beside S.
N_PROJECTED = 3


class MultiObjectivePONAS(PONAS):
    """PO-NAS searching for the Pareto front of the objective and hardware costs.

    The costs of every candidate are known before it is trained (a profiler measures or
    looks them up); only its objective (accuracy) must be predicted. Each query:

    1. PO-NAS's weighting is trained on the queried architectures (as in :class:`PONAS`,
       every ``refit_every`` queries) and gives the learned score S of every pool member.
    2. A BoTorch GP over (S, the embedding's first principal components, the costs) is
       fitted to the queried objectives (its hyperparameters every ``refit_every``
       queries); its optimistic prediction ``μ + kappa·σ`` is each unqueried candidate's
       predicted objective.
    3. When the pool is a sample of the space (``score_proxies`` given), from query
       ``evolve_from`` on (or as soon as no feasible pool member is left), NSGA-II (pymoo,
       ask/tell) runs ``generations`` generations over the space's integer encoding on the
       predicted objective (from predicted proxies) and the costs, starting from the
       predicted front of the pool; the ``n_offspring`` best new members of its last
       population get real proxies and join the pool.
    4. The next architecture is the feasible unqueried one whose predicted point would add
       the most hypervolume to the front of the evaluated points (reference: the worst value
       of each objective over the evaluated and candidate points, plus 10 % of its span).
       When no candidate is predicted to improve the front, the one closest to doing so (the
       smallest rise of its predicted objective that would take it off every dominating
       point) is chosen.

    When the pool holds the whole space (a tabular benchmark), step 3 does not run: step 4
    ranks every cell exactly, where NSGA-II could only approximate the predicted front.
    A candidate whose costs break ``bounds`` is never proposed; the first ``n_initial``
    queries are spread over the feasible pool (PO-NAS's start).

    ``ask(n)`` trains the surrogate and fits the GP once, then chooses the ``n``
    architectures one after the other by step 4, each time adding the predicted point of
    those chosen (and of every pending architecture) to the front as if it had been
    evaluated (a "kriging believer" with the optimistic prediction). ``ask(1)`` after each
    ``tell`` is the sequential search.

    ``setup`` needs what :class:`PONAS` needs (``pool``, ``proxy_scores``; optionally
    ``score_proxies``, ``budget``) and ``costs``: ``costs(arch) -> sequence of float``, the
    hardware costs, known before training (a cost that cannot be computed, the callable
    raising, makes the architecture infeasible); optionally ``bounds`` (an upper bound per
    cost, None or ``inf`` for none) and ``minimise`` (which costs are objectives, the others
    being only bounded; None means all; with none, the search maximises the objective alone
    among the feasible candidates).

    Parameters
    ----------
    kappa : float, default=1.0
        Optimism of the predicted objective, in GP standard deviations.
    refit_every : int, default=5
        PO-NAS's weighting and the GP's hyperparameters are retrained after every
        ``refit_every`` queries (after each one while fewer have been made); between
        retrainings the GP is conditioned on every new result.
    population_size, generations : int, default=20, 5
        NSGA-II's setting in step 3.
    per_architecture, pretrain, start, n_initial, objective_scale : optional
        :class:`PONAS`'s options, with its defaults. It takes no ``acquisition`` or
        ``local_from``: the choice is by hypervolume gain.
    pretrain_epochs, pretrain_batch_size, pretrain_size, online_epochs : int, optional
        As in :class:`PONAS`.
    online_learning_rate : float, default=3e-4
        AdamW's learning rate in the online fits: the reference's, not PONAS's 1e-3 (see
        ``max_online_epochs``).
    max_restarts : int, optional
        As in :class:`PONAS`.
    max_online_epochs : int, default=1000
        As in :class:`PONAS`, but with the reference's online fit by default, not PONAS's
        100-epoch fit at 1e-3: on HW-NAS-Bench's fpga_energy that fit lowered the hypervolume
        ratio at 100 queries to 0.960 ± 0.019 (5 seeds) from 0.988 ± 0.004 (10 seeds,
        ``benchmarks/hw_fronts.md``; edgegpu and pixel3 latency stayed within 0.003).
    n_elite, n_pairs, n_offspring, evolve_from : int, optional
        As in :class:`PONAS`.
    **unexpected : dict
        No other option is accepted: any (``acquisition`` and ``local_from`` included) raises
        ``TypeError``.

    Attributes
    ----------
    pool_costs : ndarray of shape (len(pool), n_costs)
        The costs of the pool members (NaN where they could not be computed).
    n_costs : int
    pool, raw_scores, last_scores
        As in :class:`PONAS`.

    Examples
    --------
    >>> import numpy as np
    >>> from sknas.spaces import CellSpace
    >>> from sknas.strategies import MultiObjectivePONAS
    >>> space = CellSpace()
    >>> pool = space.sample_pool(30, np.random.default_rng(0))
    >>> spec = MultiObjectivePONAS(pretrain_epochs=2, online_epochs=5, max_online_epochs=10)
    >>> strategy = spec.setup(space, np.random.default_rng(0), pool=pool,
    ...                       proxy_scores=np.random.default_rng(1).random((30, 2)),
    ...                       costs=lambda arch: [arch.ops.count("nor_conv_3x3")], bounds=[4])
    >>> asked = strategy.ask(3)
    >>> len(set(asked)), all(arch.ops.count("nor_conv_3x3") <= 4 for arch in asked)
    (3, True)
    """

    requires = ("pool", "proxy_scores", "costs")
    # PONAS's choice rules, fixed: the choice is by hypervolume gain; one weighting, refitted
    # from a derived seed every refit_every queries (so a restored search rebuilds it)
    acquisition = "greedy"
    local_from = None
    n_members = 1
    warm_start = False
    n_screened = None
    screen_by = "score"
    structure_kernel = False

    def __init__(
        self,
        *,
        kappa: float = 1.0,
        refit_every: int = 5,
        population_size: int = 20,
        generations: int = 5,
        per_architecture: bool = True,
        pretrain: bool = True,
        start: str = "spread",
        n_initial: int = 3,
        objective_scale: float = 1.0,
        pretrain_epochs: int = 100,
        pretrain_batch_size: int = 64,
        pretrain_size: int = 1024,
        online_epochs: int = 100,
        online_learning_rate: float = 3e-4,
        max_restarts: int = 100,
        max_online_epochs: int = 1000,
        n_elite: int = 20,
        n_pairs: int = 20,
        n_offspring: int = 50,
        evolve_from: int = 10,
        **unexpected,
    ):
        if unexpected:
            fixed = [name for name in ("acquisition", "local_from") if name in unexpected]
            if fixed:
                raise TypeError(f"the multi-objective search chooses by hypervolume gain; it takes no {fixed[0]}")
            raise TypeError(f"MultiObjectivePONAS got unexpected options {sorted(unexpected)}")
        super().__init__(
            per_architecture=per_architecture, pretrain=pretrain, start=start, n_initial=n_initial,
            objective_scale=objective_scale, pretrain_epochs=pretrain_epochs,
            pretrain_batch_size=pretrain_batch_size, pretrain_size=pretrain_size, online_epochs=online_epochs,
            online_learning_rate=online_learning_rate, max_restarts=max_restarts,
            max_online_epochs=max_online_epochs, n_elite=n_elite, n_pairs=n_pairs, n_offspring=n_offspring,
            evolve_from=evolve_from,
        )
        # the class's choice rules, not options
        for option in ("acquisition", "local_from", "n_members", "warm_start", "n_screened", "screen_by",
                       "structure_kernel"):
            delattr(self, option)
        self.kappa = kappa
        self.refit_every = refit_every
        self.population_size = population_size
        self.generations = generations

    def _bind(self, *, pool, proxy_scores, costs, bounds=None, minimise=None, score_proxies=None,
              offspring_budget=None, **context) -> None:
        checked = self._checked(pool, proxy_scores)
        self.costs = costs
        self._cost_cache: dict[Architecture, np.ndarray | None] = {}
        measured = [m for m in map(self._measure, checked[0]) if m is not None]
        if not measured:
            raise ValueError("the costs of no pool member could be computed")
        self.n_costs = n_costs = len(measured[0])
        self.bounds = np.full(n_costs, np.inf) if bounds is None else np.array(
            [np.inf if b is None else float(b) for b in bounds], dtype=np.float64)
        if len(self.bounds) != n_costs:
            raise ValueError(f"{len(self.bounds)} bounds for {n_costs} costs")
        self.minimise = np.ones(n_costs, dtype=bool) if minimise is None else np.asarray(minimise, dtype=bool)
        if self.minimise.shape != (n_costs,):
            raise ValueError(f"minimise needs one flag per cost ({n_costs}); got {list(minimise)}")
        self._prepare(checked, score_proxies, offspring_budget)  # pre-trains the encoder (draws from the generator)
        centred = self.embeddings - self.embeddings.mean(dim=0)  # of the initial pool
        self._projection = torch.linalg.svd(centred, full_matrices=False).Vh[:N_PROJECTED].T
        self._surrogate_seed = int(self.rng.integers(2**31 - 1))
        self._fitted: tuple[int, torch.nn.Module, dict] | None = None
        self.pool_costs = np.array([self.cost_of(a) for a in self.pool])

    def _measure(self, arch: Architecture) -> np.ndarray | None:
        """The costs of ``arch``, computed once; None when they cannot be computed."""
        if arch not in self._cost_cache:
            try:
                self._cost_cache[arch] = np.asarray(self.costs(arch), dtype=np.float64).reshape(-1)
            except Exception:  # noqa: BLE001 - a cost that cannot be had makes the cell infeasible
                self._cost_cache[arch] = None
        return self._cost_cache[arch]

    def cost_of(self, arch: Architecture) -> np.ndarray:
        """The costs of ``arch`` (NaN when they cannot be computed).

        Parameters
        ----------
        arch : Architecture
            The architecture to cost.

        Returns
        -------
        costs : ndarray of shape (n_costs,)
            Its costs, computed once and cached; all NaN when the ``costs`` callable raised.
        """
        value = self._measure(arch)
        return np.full(self.n_costs, np.nan) if value is None else value

    def _feasible(self, costs: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            return np.isfinite(costs).all(axis=1) & (costs <= self.bounds).all(axis=1)

    def _add_to_pool(self, archs: list[Architecture], raw: np.ndarray) -> None:
        super()._add_to_pool(archs, raw)
        self.pool_costs = np.concatenate([self.pool_costs, [self.cost_of(a) for a in archs]])

    def load_state_dict(self, state) -> None:
        self.pool_costs = self.pool_costs[: self.n_initial_pool]
        super().load_state_dict(state)  # truncates the pool, then adds what evolution added

    # -- ask -------------------------------------------------------------------------------

    def _open_feasible(self) -> np.ndarray:
        """True for the pool members not asked yet whose costs meet the bounds."""
        return self._feasible(self.pool_costs) & np.array([a not in self.asked for a in self.pool])

    def propose_batch(self, n: int) -> list[Architecture]:
        """``n`` feasible pool members chosen together (fewer only when none is left).

        The start rule gives the first ones; then the surrogate is trained and the GP fitted
        once, evolution runs at most once, and the rest are chosen one by one by hypervolume
        gain, the optimistic predicted point of each pending architecture (those chosen
        before it included) counting as evaluated.

        Parameters
        ----------
        n : int
            The most architectures to propose.

        Returns
        -------
        proposals : list of Architecture
            At most ``n`` feasible pool members not asked before.
        """
        picks: list[Architecture] = []
        rows, objectives = self._observed()
        while len(picks) < n:
            allowed = self._open_feasible()
            if not (len(rows) < 2 or (len(self.asked) < self.n_initial and allowed.any())):
                break
            if not self._pick(self._propose_start(allowed), picks):
                return picks
        if len(picks) == n:
            return picks
        allowed = self._open_feasible()
        model, hyperparameters = self._surrogate()
        scores = self.pool_scores(model)
        features = self._features(scores)
        gp = fit_gp(features[rows], objectives, bounds=_bounds(features[rows]), hyperparameters=hyperparameters)
        # evolution from evolve_from on, or sooner when the pool has no feasible cell left
        evolve = len(self.history) >= self.evolution["evolve_from"] or not allowed.any()
        if self.score_proxies is not None and self._offspring_now() > 0 and evolve:
            if self._evolve_front(model, gp, features):
                scores = self.pool_scores(model)
                features = self._features(scores)
                allowed = self._open_feasible()
        self.last_scores = scores
        open_rows = np.flatnonzero(allowed)
        if not len(open_rows):
            return picks
        candidates = self._points(self._optimistic(gp, features[open_rows]), self.pool_costs[open_rows])
        evaluated = self._points(objectives, self.pool_costs[rows])
        pending = [i for i, a in enumerate(self.pool) if a in self.pending]
        if pending:  # believed: the optimistic prediction, as if evaluated
            believed = self._points(self._optimistic(gp, features[pending]), self.pool_costs[pending])
            evaluated = np.vstack([evaluated, believed])
        while len(picks) < n and len(open_rows):
            choice = self._largest_gain(candidates, evaluated)
            self._pick(self.pool[open_rows[choice]], picks)
            evaluated = np.vstack([evaluated, candidates[choice]])
            open_rows = np.delete(open_rows, choice)
            candidates = np.delete(candidates, choice, axis=0)
        return picks

    def _surrogate(self) -> tuple[torch.nn.Module, dict]:
        """PO-NAS's weighting and the GP's hyperparameters, retrained every ``refit_every`` queries.

        Those used after ``n`` queries are trained on the first ``n − n mod refit_every``
        (all ``n`` while ``n < refit_every``) with seeds derived from that count, so a
        restored strategy rebuilds exactly what the interrupted one used.
        """
        n = len(self.history)
        every = int(self.refit_every)
        n_fit = n - n % every if n >= every else n
        rows, objectives = self._observed(n_fit)
        if len(rows) < 2:
            n_fit = n
            rows, objectives = self._observed(n)
        if self._fitted is None or self._fitted[0] != n_fit:
            seeds = np.random.SeedSequence([self._surrogate_seed, n_fit]).generate_state(2)
            model = self.fit_weighting(rows, objectives, seed=int(seeds[0]))
            features = self._features(self.pool_scores(model))[rows]
            gp = fit_gp(features, objectives, bounds=_bounds(features), seed=int(seeds[1]))
            self._fitted = (n_fit, model, gp_hyperparameters(gp))
        return self._fitted[1], self._fitted[2]

    def _features(self, scores: np.ndarray, embeddings=None, costs=None) -> np.ndarray:
        """(S, principal components of the embedding, costs) of the pool or of given members."""
        if embeddings is None:
            embeddings, costs = self.embeddings, self.pool_costs
        projected = (embeddings @ self._projection).double().numpy()
        return np.column_stack([scores, projected, costs])

    def _optimistic(self, gp, features: np.ndarray) -> np.ndarray:
        mean, std = posterior_mean_std(gp, features)
        return mean + float(self.kappa) * std

    def _points(self, objective: np.ndarray, costs: np.ndarray) -> np.ndarray:
        """Rows ``(−objective, minimised costs…)``: every entry minimised."""
        return np.column_stack([-np.asarray(objective, dtype=np.float64), np.asarray(costs)[:, self.minimise]])

    @staticmethod
    def _largest_gain(candidates: np.ndarray, evaluated: np.ndarray) -> int:
        """The candidate of largest hypervolume gain, or the one nearest to a gain."""
        if candidates.shape[1] == 1:  # the objective alone: the best predicted
            return int(np.argmin(candidates[:, 0]))
        reference = reference_point(np.vstack([candidates, evaluated]), REFERENCE_MARGIN)
        gains = hypervolume_improvement(candidates, evaluated, reference)
        if gains.max() > 0:
            return int(np.argmax(gains))
        # dominated everywhere: the rise of the objective that escapes every dominating point
        shortfall = np.zeros(len(candidates))
        for point in evaluated:
            dominates = (point <= candidates).all(axis=1)
            shortfall = np.where(dominates, np.maximum(shortfall, candidates[:, 0] - point[0]), shortfall)
        return int(np.argmin(shortfall))

    # -- evolution of the pool by NSGA-II on predicted values ------------------------------

    def _evolve_front(self, model, gp, features: np.ndarray) -> bool:
        """Step 3: NSGA-II on predicted values; its best new cells join the pool. True if any did."""
        sizes = self.space.choice_sizes()
        feasible = np.flatnonzero(self._feasible(self.pool_costs))
        if not len(feasible):
            return False
        predicted = self._optimistic(gp, features[feasible])
        order = _nondominated_order(self._points(predicted, self.pool_costs[feasible]))
        start = np.array([self.space.to_choices(self.pool[feasible[i]]) for i in order[: int(self.population_size)]])
        problem, algorithm = integer_nsga2(
            sizes, 1 + int(self.minimise.sum()), len(self.bounds), int(self.population_size),
            int(self.rng.integers(2**31 - 1)), sampling=start,
        )
        known = {self.pool[i]: value for i, value in zip(feasible, predicted)}
        for _ in range(int(self.generations)):
            population = algorithm.ask()
            archs = [self._decode(x) for x in population.get("X")]
            F, G = self._predicted_values(archs, known, model, gp)
            tell_values(problem, algorithm, population, F, G)
        pool = set(self.pool)
        new = [a for a in dict.fromkeys(self._decode(x) for x in algorithm.pop.get("X"))
               if a is not None and a not in pool and self._feasible(self.cost_of(a)[None])[0]]
        if not new:
            return False
        values = self._points([known[a] for a in new], [self.cost_of(a) for a in new])
        best = [new[i] for i in _nondominated_order(values)[: self._offspring_now()]]
        self._add_to_pool(best, np.asarray(self.score_proxies(best), dtype=np.float64).reshape(len(best), -1))
        return True

    def _decode(self, choices) -> Architecture | None:
        arch = self.space.canonical(self.space.from_choices([int(c) for c in choices]))
        return arch if arch in self.space else None

    def _predicted_values(self, archs, known: dict, model, gp) -> tuple[np.ndarray, np.ndarray]:
        """NSGA-II's rows ``(−predicted objective, minimised costs)`` and ``costs − bounds``.

        ``known`` maps architectures to their predicted objective; it gains those of ``archs``
        it lacks (from the encoder's predicted proxies). A cell outside the space, or one whose
        costs cannot be computed, gets ``WORST`` everywhere.
        """
        fresh = [a for a in dict.fromkeys(archs) if a is not None and a not in known]
        if fresh:
            graphs, _ = graph_batch(self.space, fresh)
            with torch.no_grad():
                metrics = self.encoder.predict_proxies(graphs).clamp(0.0, 1.0).double().numpy()
            embeddings = self._embed(graphs)
            costs = np.array([self.cost_of(a) for a in fresh])
            scores = self.pool_scores(model, embeddings, metrics)
            values = self._optimistic(gp, np.nan_to_num(self._features(scores, embeddings, costs), nan=0.0))
            known.update(zip(fresh, values))
        n_objectives = 1 + int(self.minimise.sum())
        F = np.full((len(archs), n_objectives), WORST)
        G = np.full((len(archs), len(self.bounds)), WORST)
        for i, arch in enumerate(archs):
            costs = None if arch is None else self.cost_of(arch)
            if costs is not None and np.isfinite(costs).all():
                F[i] = self._points([known[arch]], costs[None])[0]
                G[i] = costs - np.where(np.isfinite(self.bounds), self.bounds, WORST)
        return F, G


def _nondominated_order(points: np.ndarray) -> np.ndarray:
    """Row indices by non-dominated rank, then by the first objective (best first)."""
    fronts = NonDominatedSorting().do(points)
    return np.concatenate([front[np.argsort(points[front, 0], kind="stable")] for front in fronts])


def _bounds(features: np.ndarray) -> np.ndarray:
    """The GP's input bounds: the range of each feature over ``features``."""
    low = features.min(axis=0)
    return np.stack([low, np.maximum(features.max(axis=0), low + 1e-9)])
