"""POnasSearch: PO-NAS, proxies weighted per architecture by a network trained online."""

from __future__ import annotations

import math
from numbers import Integral, Real

import joblib

from ..proxies import PONAS_PROXIES, EvolvedProxy
from ..strategies import PONAS
from ..strategies._ponas import CHOICE_RULES
from ._base import ProxyPoolSearch
from ._constraints import Interval, StrOptions
from ._docstrings import fill_doc
from ._hardware import HARDWARE_ATTRIBUTES, HARDWARE_PARAMETERS, HardwareAwareMixin


#: The online fit of the multi-objective search: the reference's learning rate, capped at 300
#: epochs per query. The single-objective default (100 epochs at 1e-3) lowered
#: MultiObjectivePONAS's hypervolume ratio on HW-NAS-Bench's fpga_energy (0.960 against
#: 0.988 at 100 queries).
MULTI_OBJECTIVE_ONLINE_FIT = dict(online_learning_rate=3e-4, max_online_epochs=300)
#: The smallest initial pool ``max_time`` leaves PO-NAS: its learned score needs a choice.
MIN_TIMED_POOL = 10


@fill_doc(hardware_parameters=HARDWARE_PARAMETERS, hardware_attributes=HARDWARE_ATTRIBUTES)
class POnasSearch(HardwareAwareMixin, ProxyPoolSearch):
    """PO-NAS (NeurIPS 2025): per-architecture weighting of zero-cost proxies, learned online.

    Scores ``n_candidates`` architectures with the ``proxies`` on a minibatch of the
    training data, pre-trains a graph encoder of the architectures on them (no labels),
    then, query by query, trains weight generators so that each architecture's own
    weighting of its proxies ranks the trained architectures as their validation scores do,
    and trains next the unqueried architecture that a GP acquisition over the learned
    weightings (or the learned score alone, ``"greedy"``) prefers (with ``local_from``,
    after that many queries, the best-scored unqueried one-step neighbour of the best
    architecture trained so far instead). When the pool does not hold the whole space,
    from the 10th query on the pool's elite breeds offspring (edit-path crossover and one-step
    mutation); the most promising by predicted proxies get real proxies and join the pool.
    The best trained architecture wins. See :class:`sknas.strategies.PONAS` for the steps.

    With a hardware cost in ``objectives`` (or with ``constraints``) the search is
    :class:`sknas.strategies.MultiObjectivePONAS`: the costs of every candidate are measured
    before it is trained, a GP over the learned score and the costs predicts accuracy, and
    the next architecture is the feasible one whose predicted point would add the most
    hypervolume to the front found so far; NSGA-II on predicted values breeds new
    candidates into the pool. ``pareto_front_`` holds the trained front.

    Parameters
    ----------
%(common_parameters)s
    proxies : str, tuple of str or EvolvedProxy, default=PONAS_PROXIES
        The proxies weighed: by default ``grad_norm``, ``snip``, ``grasp``, ``fisher``,
        ``synflow``, ``jacob_cov``, PO-NAS's own choice.
    n_candidates : int, default=200
        Size of the initial scored pool.
    acquisition : {"auto", "ei", "ucb", "greedy"}, default="auto"
        How the next architecture is chosen: BoTorch's log expected improvement (``"ei"``) or
        upper confidence bound (``"ucb"``) over the 64 best-scored candidates and the
        untrained neighbours of the 3 best trained ones, of a GP whose
        kernel is learned per architecture from the proxies (a Matérn kernel on each
        architecture's weighted proxy contributions, averaged over an ensemble of 4 weight
        generators; prior mean: the learned score), or the best learned score of one
        generator (``"greedy"``, the reference). See :class:`sknas.strategies.PONAS`, step 5,
        and ``benchmarks/nb201_table.md``. ``"auto"`` is ``"ei"``; with hardware costs or
        constraints the choice is by hypervolume gain, and only ``"auto"`` is accepted.
    per_architecture : bool, default=True
        False learns one weight vector shared by every architecture (ablation).
    pretrain : bool, default=True
        False leaves the architecture encoder untrained (ablation).
    n_offspring : int, default=50
        Offspring given real proxies per evolution step (each costs one proxy evaluation);
        0 disables evolution.
    proxy_budget : float or None, default=0.1
        The most the proxies may cost, as a fraction of the training of the ``budget``
        candidates, counted in samples passed through a network: a candidate's training
        passes ``epochs`` × (training samples) forward and backward, a proxy evaluation
        about one minibatch per proxy. The initial pool (at most ``n_candidates``, at
        least twice ``budget``) and the offspring (at most ``n_offspring`` per step) are cut
        in proportion to fit, so on small data the proxies
        stay a small part of the search and on large data the pool grows to its full size.
        None: no cap. The count is of work, not of seconds, so the search stays
        deterministic. With ``max_time``, the time is capped too: the initial pool keeps
        the architectures whose proxies end within ``proxy_budget × max_time / 2`` seconds
        (at least 10), and the offspring allowance shrinks in proportion; the pool, and so
        the search, then depend on the machine's speed.
    local_from : int or None, default=None
        The number of queries after which each query is a local step: the unqueried
        one-step neighbour of largest learned score of the best architecture trained so far
        (neighbours outside the pool get their proxies computed). None: no local steps.
        Not used with hardware costs or constraints.
%(hardware_parameters)s

    Attributes
    ----------
%(common_attributes)s
    proxy_scores_ : ndarray of shape (n_architectures, n_proxies)
        Raw proxies of the final pool (initial candidates, then evolved ones).
    learned_scores_ : ndarray of shape (n_architectures,) or None
        The learned score S of each pool member at the last query (None when the budget
        ended before the weighting was first trained).
    pool_ : list of Architecture
        The final pool, in the order of the two arrays above.
%(hardware_attributes)s

    See Also
    --------
    RoBoTSearch : One weighting of the same proxies for all architectures, by BO.
    ZeroCostSearch : The unweighted mean of the proxies.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sknas import POnasSearch
    >>> X, y = load_digits(return_X_y=True)
    >>> search = POnasSearch(budget=4, n_candidates=12, epochs=1, final_epochs=1,
    ...                      proxies=("synflow", "nwot"), image_shape=(8, 8),
    ...                      random_state=0).fit(X[:200], y[:200])
    >>> len(search.results_["architecture"]), len(search.pool_)  # 2 x budget: proxy_budget cuts the pool
    (4, 8)
    """

    _parameter_constraints: dict = {
        **ProxyPoolSearch._parameter_constraints,
        **HardwareAwareMixin._parameter_constraints,
        "proxies": [str, tuple, list, EvolvedProxy],
        "acquisition": [StrOptions({"auto", *CHOICE_RULES})],
        "per_architecture": ["boolean"],
        "pretrain": ["boolean"],
        "n_offspring": [Interval(Integral, 0, None, closed="left")],
        "proxy_budget": [Interval(Real, 0, None, closed="neither"), None],
        "local_from": [Interval(Integral, 0, None, closed="left"), None],
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
        acquisition="auto",
        per_architecture=True,
        pretrain=True,
        n_offspring=50,
        proxy_budget=0.1,
        local_from=None,
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
        self.proxies = proxies
        self.n_candidates = n_candidates
        self.acquisition = acquisition
        self.per_architecture = per_architecture
        self.pretrain = pretrain
        self.n_offspring = n_offspring
        self.proxy_budget = proxy_budget
        self.local_from = local_from
        self.objectives = objectives
        self.constraints = constraints
        self.front_choice = front_choice

    def _check_params(self) -> None:
        super()._check_params()
        # across parameters: with hardware costs the choice is by hypervolume gain
        if self.acquisition != "auto" and (len(self.objectives) > 1 or self.constraints):
            raise ValueError(
                "with hardware objectives or constraints the next architecture is chosen by "
                f"hypervolume gain; leave acquisition='auto' (got {self.acquisition!r})"
            )

    _strategy_name = "ponas"

    def _strategy_options(self) -> dict:
        options = dict(per_architecture=bool(self.per_architecture), pretrain=bool(self.pretrain),
                       n_offspring=self.n_offspring,
                       objective_scale=100.0)  # validation accuracy / R² as fractions → points
        if self._multi_objective():
            options.update(MULTI_OBJECTIVE_ONLINE_FIT)
        else:
            acquisition = "ei" if self.acquisition == "auto" else self.acquisition
            options.update(acquisition=acquisition, local_from=self.local_from)
        return options

    def _pool_plan(self, proxy_scorer, evaluator) -> tuple[int, dict]:
        """The initial pool cut to ``proxy_budget``, and the offspring that may get real proxies in all."""
        n_pool, offspring_budget = proxy_allowance(
            self.proxy_budget, budget=self.budget, epochs=self.epochs, n_train=len(evaluator.X_train),
            n_proxies=len(proxy_scorer.names), proxy_batch=len(proxy_scorer.X_batch_),
            n_candidates=self.n_candidates, n_offspring=self.n_offspring, evolve_from=self._strategy_spec().evolve_from,
        )
        return n_pool, {"offspring_budget": offspring_budget}

    def _pool_in_time(self, pool: list, proxy_scorer, extra: dict) -> tuple[list, dict]:
        """With ``max_time``, the pool keeps the architectures whose proxies end within half of
        ``proxy_budget × max_time`` (the other half is the offspring's), at least
        ``MIN_TIMED_POOL``; the offspring allowance shrinks in proportion."""
        if self.max_time is None or self.proxy_budget is None:
            return pool, extra
        seconds = 0.5 * self.proxy_budget * self.max_time
        step = 4 * joblib.effective_n_jobs(self.n_jobs)  # a few architectures per worker at a time
        start = proxy_scorer.elapsed_s_
        kept = min(len(pool), MIN_TIMED_POOL)
        proxy_scorer.score(pool[:kept])
        while kept < len(pool) and proxy_scorer.elapsed_s_ - start < seconds:
            kept = min(len(pool), kept + step)
            proxy_scorer.score(pool[:kept])  # the architectures scored before come from the cache
        offspring = extra.get("offspring_budget")
        if offspring is not None and pool:
            extra = {**extra, "offspring_budget": offspring * kept // len(pool)}
        return pool[:kept], extra

    def _keep_from_strategy(self, strategy: PONAS) -> None:
        self.pool_ = list(strategy.pool)
        self.proxy_scores_ = strategy.raw_scores.copy()
        self.learned_scores_ = None if strategy.last_scores is None else strategy.last_scores.copy()


def proxy_allowance(
    proxy_budget: float | None, *, budget: int, epochs: int, n_train: int, n_proxies: int, proxy_batch: int,
    n_candidates: int, n_offspring: int, evolve_from: int,
) -> tuple[int, int | None]:
    """How many architectures get real proxies when they may cost ``proxy_budget`` of the training.

    One candidate's training passes ``epochs * n_train`` samples forward and backward; one
    proxy evaluation about ``n_proxies * proxy_batch`` (each proxy one pass of the
    minibatch). Measured on digits (8×8, NAS-Bench-201 cells, the six PO-NAS proxies): one
    candidate's training took as long as 29 proxy evaluations, where this count says 28. The
    ``proxy_budget * budget`` trainings' worth of evaluations is shared between the initial
    pool and the offspring of the ``budget - evolve_from`` evolution steps in the ratio of
    ``n_candidates`` to their ``n_offspring`` each; the pool keeps at least ``2 * budget``
    architectures (so the learned score has a choice), which can take the whole allowance.

    Parameters
    ----------
    proxy_budget : float or None
        The proxies' cost as a fraction of the candidates' training; None: no cap.
    budget : int
        The number of candidates the search trains.
    epochs : int
        Training epochs of each candidate.
    n_train : int
        Training samples of each candidate.
    n_proxies : int
        Proxies computed per architecture.
    proxy_batch : int
        Samples in the proxies' minibatch.
    n_candidates : int
        The initial pool's size without a cap.
    n_offspring : int
        Offspring given real proxies per evolution step without a cap.
    evolve_from : int
        The query from which evolution runs.

    Returns
    -------
    n_pool : int
        The initial pool's size.
    offspring_budget : int or None
        Offspring that may get real proxies over the whole search (None: no cap).

    Examples
    --------
    >>> proxy_allowance(0.1, budget=20, epochs=10, n_train=1077, n_proxies=6, proxy_batch=64,
    ...                 n_candidates=200, n_offspring=50, evolve_from=10)
    (40, 16)
    >>> proxy_allowance(0.1, budget=20, epochs=10, n_train=50_000, n_proxies=6, proxy_batch=64,
    ...                 n_candidates=200, n_offspring=50, evolve_from=10)
    (200, 500)
    """
    if proxy_budget is None:
        return n_candidates, None
    evaluations_per_training = epochs * n_train / (n_proxies * proxy_batch)
    allowed = int(proxy_budget * budget * evaluations_per_training)
    wanted_offspring = max(0, budget - evolve_from) * n_offspring
    pool_share = math.floor(allowed * n_candidates / (n_candidates + wanted_offspring))
    n_pool = min(n_candidates, max(2 * budget, pool_share))
    return n_pool, min(wanted_offspring, max(0, allowed - n_pool))
