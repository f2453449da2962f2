"""NSGA-II (pymoo, ask/tell) on true evaluations: maximise the objective, minimise hardware costs."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from pymoo.algorithms.moo.nsga2 import NSGA2 as PymooNSGA2
from pymoo.core.evaluator import Evaluator
from pymoo.core.problem import Problem
from pymoo.operators.crossover.sbx import SBX
from pymoo.operators.mutation.pm import PM
from pymoo.operators.repair.rounding import RoundingRepair
from pymoo.operators.sampling.rnd import IntegerRandomSampling
from pymoo.problems.static import StaticProblem

from ..evaluation import EvaluationResult
from ..spaces import Architecture
from ._base import Strategy

#: What a failed evaluation, or a cell outside the space, scores in every minimised objective.
WORST = 1e12

#: Generations bred in one proposal when every member costs no query (evaluated before,
#: infeasible or outside the space) before a random feasible newcomer is proposed instead.
MAX_FREE_GENERATIONS = 10


def integer_nsga2(
    sizes: Sequence[int], n_objectives: int, n_constraints: int, population_size: int, seed: int,
    sampling=None,
) -> tuple[Problem, PymooNSGA2]:
    """A pymoo NSGA-II, set up for ask/tell, over one integer variable per decision of ``sizes``.

    It minimises ``n_objectives`` subject to ``n_constraints`` inequalities (g ≤ 0); SBX
    crossover and polynomial mutation act on the integers and round, duplicates are
    eliminated. ``sampling`` is the first population (an integer array) or None for a
    random one.
    """
    sizes = np.asarray(sizes)
    problem = Problem(
        n_var=len(sizes), n_obj=n_objectives, n_ieq_constr=n_constraints, xl=0, xu=sizes - 1, vtype=int,
    )
    algorithm = PymooNSGA2(
        pop_size=population_size,
        sampling=IntegerRandomSampling() if sampling is None else sampling,
        crossover=SBX(prob=0.9, eta=15, vtype=float, repair=RoundingRepair()),
        mutation=PM(eta=20, vtype=float, repair=RoundingRepair()),
        eliminate_duplicates=True,
    )
    algorithm.setup(problem, seed=seed, termination=("n_gen", 10**9), verbose=False)
    return problem, algorithm


def tell_values(problem: Problem, algorithm: PymooNSGA2, population, F: np.ndarray, G: np.ndarray | None) -> None:
    """Give ``algorithm`` the objective rows ``F`` (and constraint rows ``G``) of ``population``."""
    Evaluator().eval(StaticProblem(problem, F=F, G=G), population)
    algorithm.tell(infills=population)


class NSGA2(Strategy):
    """NSGA-II over the space's integer encoding, on real evaluations (the multi-objective baseline).

    Minimises ``(−objective, cost_1, …, cost_k)`` subject to ``cost_j ≤ bound_j``. The
    hardware costs of a cell are known before it is trained (a profiler reads or measures
    them), so a candidate that breaks a constraint, a cell outside the space (e.g. one the
    benchmark's pool lacks) and a cell already evaluated cost no query: NSGA-II gets their
    values at once. Integer variables use pymoo's SBX crossover and polynomial mutation
    with rounding, duplicates are eliminated, and pymoo draws from a generator seeded from
    the strategy's generator.

    ``setup`` needs ``costs`` (``costs(arch) -> sequence of float``, the hardware costs to
    minimise, e.g. a profiler's values in the order of its columns) and may take
    ``bounds`` (an upper bound per cost, None or ``inf`` for none); the space must
    implement ``choice_sizes`` / ``from_choices``.

    pymoo's state is not JSON: ``load_state_dict`` replays the told history through a fresh
    NSGA-II, asking with the batch sizes of the original asks (``state_dict`` records them
    with how many results had been told before each), so the history must be told again in
    the order it was first told.

    Parameters
    ----------
    population_size : int, default=20

    Attributes
    ----------
    evaluated : dict
        ``{arch: objectives}`` of every evaluated cell (minimised form), on a bound strategy.

    Examples
    --------
    >>> import numpy as np
    >>> from sknas.spaces import CellSpace
    >>> from sknas.strategies import NSGA2
    >>> costs = lambda arch: [float(sum(op != "none" for op in arch.ops))]
    >>> strategy = NSGA2(population_size=6).setup(CellSpace(), np.random.default_rng(0), costs=costs, bounds=[4])
    >>> all(costs(arch)[0] <= 4 for arch in strategy.ask(3))
    True
    """

    requires = ("costs",)

    def __init__(self, population_size: int = 20):
        self.population_size = population_size

    def _bind(self, *, costs, bounds=None, **context) -> None:
        self.sizes = np.asarray(self.space.choice_sizes())
        self.costs = costs
        self.bounds = None if bounds is None else np.array(
            [np.inf if b is None else float(b) for b in bounds], dtype=np.float64)
        self.seed = int(self.rng.integers(2**31 - 1))
        self._initial_rng_state = self.rng.bit_generator.state
        self._start_algorithm()

    def _start_algorithm(self) -> None:
        # one call on some architecture tells how many costs there are
        n_costs = len(np.atleast_1d(self.costs(self.space.sample(np.random.default_rng(0)))))
        if self.bounds is not None and len(self.bounds) != n_costs:
            raise ValueError(f"{len(self.bounds)} bounds for {n_costs} costs")
        self.problem, self.algorithm = integer_nsga2(
            self.sizes, 1 + n_costs, 0 if self.bounds is None else n_costs, int(self.population_size), self.seed
        )
        self.evaluated: dict[Architecture, np.ndarray] = {}
        self._feasible: dict[Architecture, bool] = {}
        self._population = None
        self._members: list[Architecture | None] = []
        self._asks: list[tuple[int, int]] = []  # (n asked, results told before) of every ask

    # -- the values NSGA-II sees -----------------------------------------------------------

    def _decode(self, choices) -> Architecture | None:
        arch = self.space.from_choices([int(c) for c in choices])
        return arch if arch in self.space else None

    def _objectives(self, arch: Architecture | None, objective: float | None) -> np.ndarray:
        """What NSGA-II minimises: ``(−objective, costs…)``; ``objective`` None means not trained."""
        if arch is None:
            return np.full(self.problem.n_obj, WORST)
        score = WORST if objective is None or not np.isfinite(objective) else -objective
        return np.concatenate([[score], np.asarray(self.costs(arch), dtype=np.float64)])

    def _violation(self, arch: Architecture | None) -> np.ndarray:
        """``costs − bounds`` (feasible where every entry is ≤ 0); empty without bounds."""
        if self.bounds is None:
            return np.empty(0)
        if arch is None:
            return np.full(len(self.bounds), WORST)
        return np.asarray(self.costs(arch), dtype=np.float64) - self.bounds

    def feasible(self, arch: Architecture) -> bool:
        """Whether ``arch``'s costs meet every bound.

        Parameters
        ----------
        arch : Architecture
            The architecture to check.

        Returns
        -------
        feasible : bool
            True when every cost is at most its bound (always, without bounds).
        """
        if self.bounds is None:
            return True
        if arch not in self._feasible:
            self._feasible[arch] = bool((np.asarray(self.costs(arch)) <= self.bounds).all())
        return self._feasible[arch]

    # -- ask / tell ------------------------------------------------------------------------

    def propose_batch(self, n: int) -> list[Architecture]:
        self._asks.append((int(n), len(self.history)))
        return super().propose_batch(n)

    def propose(self) -> Architecture | None:
        for _ in range(MAX_FREE_GENERATIONS):
            if self._population is None:
                self._population = self.algorithm.ask()
                self._members = [self._decode(x) for x in self._population.get("X")]
            waiting = False
            for arch in self._members:
                if arch is None or arch in self.evaluated or not self.feasible(arch):
                    continue
                if arch not in self.asked:
                    return arch
                waiting = True  # asked, its result not told yet
            if waiting:
                return self._new_feasible()  # a batch larger than what this generation still needs
            self._tell_generation()
        return self._new_feasible()  # NSGA-II only breeds what it has seen: a random newcomer

    def _new_feasible(self) -> Architecture | None:
        """A random architecture not asked before that meets the bounds (None if none is left)."""
        for _ in range(20):
            arch = self.sample_new()
            if arch is None or self.feasible(arch):
                return arch
        try:
            left = [a for a in self.space.enumerate() if a not in self.asked and self.feasible(a)]
        except NotImplementedError:
            return None
        return left[int(self.rng.integers(len(left)))] if left else None

    def _tell_generation(self) -> None:
        """Give NSGA-II the values of the whole generation (every member is evaluated or free)."""
        # a member not evaluated is outside the space or infeasible: never trained
        F = np.array([self.evaluated[arch] if arch in self.evaluated else self._objectives(arch, None)
                      for arch in self._members])
        G = np.array([self._violation(arch) for arch in self._members]) if self.bounds is not None else None
        tell_values(self.problem, self.algorithm, self._population, F, G)
        self._population = None

    def tell(self, archs: Sequence[Architecture], results: Sequence[EvaluationResult]) -> None:
        super().tell(archs, results)
        for arch, result in zip(archs, results):
            self.evaluated[arch] = self._objectives(arch, result.objective if result.ok else None)

    # -- checkpointing ---------------------------------------------------------------------

    def state_dict(self) -> dict[str, Any]:
        state = super().state_dict()
        state["seed"] = self.seed
        state["initial_rng"] = self._initial_rng_state
        state["asks"] = [[n, told] for n, told in self._asks]
        state["n_pending"] = len(self.pending)
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore by replaying the told history through a fresh NSGA-II: pymoo's state is not JSON.

        The replay starts from the state ``setup`` left, asks with the sizes of the original
        asks and tells each result where it was first told (the history must be told again
        in the order it was first told); a history that does not replay raises ``ValueError``.

        Parameters
        ----------
        state : dict
            What ``state_dict`` returned after the last ``tell``.
        """
        super().load_state_dict(state)
        history = list(self.history)
        asks = [(int(n), int(told)) for n, told in state["asks"]]
        self.asked, self.pending, self.history = set(), set(), []
        self.seed = int(state["seed"])
        self.rng.bit_generator.state = self._initial_rng_state = state["initial_rng"]
        self._start_algorithm()

        def tell_until(count: int) -> None:
            for arch, objective in history[len(self.history):count]:
                ok = bool(np.isfinite(objective))
                self.tell([arch], [EvaluationResult(objective if ok else float("nan"), 0.0,
                                                    status="ok" if ok else "failed")])

        for n, told in asks:
            if told > len(history):
                raise ValueError(f"the NSGA-II state saw {told} results before an ask, but {len(history)} were told again")
            tell_until(told)
            self.ask(n)
        tell_until(len(history))
        if len(self.pending) != int(state.get("n_pending", len(self.pending))):
            raise ValueError(
                f"the NSGA-II replay left {len(self.pending)} architectures pending, the state had "
                f"{state['n_pending']}: the history told again is not the one the strategy saw"
            )
        self._asks = asks
        self.rng.bit_generator.state = state["rng"]
