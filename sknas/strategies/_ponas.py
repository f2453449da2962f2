"""PO-NAS: a weighting of the zero-cost proxies learned per architecture, online."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import torch

from ..proxies import PONAS_PROXIES
from ..spaces import Architecture
from ._base import Strategy
from ._ponas_choice import CHOICE_RULES, SCREENS, STARTS, ChoiceRules
from ._ponas_evolution import EvolvingPool
from ._ponas_weighting import ProxyWeighting

class PONAS(ProxyWeighting, ChoiceRules, EvolvingPool, Strategy):
    """PO-NAS (NeurIPS 2025): per-architecture proxy weights, trained on the queried few.

    1. The pool's K proxies are min-max normalised to [0, 1] (over the initial pool).
    2. A graph encoder of the architectures is pre-trained without labels (masked nodes:
       predict the proxies and the masked node features) and frozen.
    3. A weight generator maps each architecture's embedding to its own signed weights ŵ
       of the proxies; its score is S(A) = Σ relu(ŵ_k) m_k + relu(−ŵ_k)(1 − m_k).
    4. After every query the generator is re-initialised (or, with ``warm_start``, goes on
       from its last fit) and trained on the queried architectures so that S agrees with
       their objectives (Pearson, pair alignment and pair order terms). ``n_members``
       generators from independent initialisations form an ensemble, trained together; S
       is their mean.
    5. The next architecture: the maximiser of BoTorch's log-EI (the default) or UCB of a GP
       whose kernel is learned per architecture from the proxies
       (:class:`sknas.surrogate.EnsembleContributionKernel`): a Matérn kernel on each
       architecture's weighted proxy contributions φ_k(A) (Σ_k φ_k = S), averaged over the
       ensemble's members (4 re-initialised generators by default), with prior mean
       c + b·s, s = S (for a queried architecture with ``cross_fit``, the S of the member not
       fitted to it), hyperparameters fitted by marginal likelihood at each choice (starting
       from the previous fit's), the acquisition optimised over the ``n_screened`` open pool
       members of largest S and the open one-step neighbours of the 3 best queried
       architectures (``screen_by``); or the unqueried argmax of S (``acquisition="greedy"``,
       the reference, with one generator).
       What the GP changes depends on how well S fits the queried architectures. On
       NAS-Bench-201 the online fit reproduces their order, the prior mean explains them,
       the kernel's variance fits to 0, and log-EI picks the open cell of largest S in
       every choice (510 of 510: 10 seeds, budget 20, three data sets;
       ``benchmarks/ponas_gp_choices.md``): there the default is greedy by the mean S of 4
       generators. On TransNAS-Bench-101, where S cannot fit 100 queries, it picks another
       architecture in 53–74 % of its choices, and it is there that it gains most over
       greedy (``benchmarks/tnb101_table.md``). ``cross_fit`` gives the GP out-of-sample
       errors, so its uncertainty is honest, and makes it explore: on NAS-Bench-201 that
       costs accuracy at budgets 10 and 20 (``benchmarks/nb201_table.md``, row
       ``ponas-cross-fit``), so it is off by default.
    6. With ``score_proxies`` (a pool that does not cover the space), once ``evolve_from``
       queries are done, before each choice the elite of the pool breeds offspring
       (:func:`breed`: pairs by S_i + S_j + N·distance, N from :func:`evolution_novelty`); the
       best ``n_offspring`` by S of their predicted proxies get real proxies and join the pool.
    7. Local steps (optional): once ``local_from`` queries are done, each query is the unasked
       one-step neighbour (``space.neighbours``) of the best queried architecture with the
       largest S; when all of its neighbours are asked, those of the next best. Neighbours
       outside the pool get real proxies (``score_proxies``) and join it. Not in the
       reference: on NAS-Bench-201 the greedy search often ends one edge away from the best
       cell. From the 11th of 20 queries on, local steps find it in more runs on three of
       the four searches, but the mean test accuracy is lower on three of four, so they
       are off by default (``benchmarks/nb201_table.md``, row ``ponas-local``).
    8. The first ``n_initial`` queries (``start``): ``"spread"`` (default) takes a seeded
       random cell, then each time the cell farthest from those chosen in the pre-trained
       embedding (farthest-point sampling), so the first fits see contrasting
       architectures; ``"mean"`` (the reference) takes the best by the unweighted mean of the
       normalised proxies. On NAS-Bench-201 with NAS-Bench-Suite-Zero's values the mean's
       three best cells are among the 4% worst (grad_norm, snip, grasp and fisher all peak on
       the same degenerate cells), and the spread start finds the best cell more often
       (``benchmarks/nb201_table.md``, row ``ponas-mean-start``).
    9. ``ask(n)`` chooses ``n`` architectures together: the start rule while it applies,
       then one training of the weighting and at most one evolution step for the rest,
       which are local steps, greedy picks, or a q-batch of the GP's acquisition
       (q-log-noisy-EI or q-UCB) conditioned on the pending architectures. While some
       architectures are pending (asked, not told: the rest of a batch, or candidates still
       training on other workers), a greedy pick is the best by S of a weighting trained as
       if each of them had scored the worst objective seen (a constant liar), so that
       workers train different candidates.
       ``ask(1)`` after each ``tell`` is the sequential search above.

    ``setup`` needs ``pool`` (the candidates) and ``proxy_scores`` (their raw scores by the
    proxies, shape ``(len(pool), K)``, NaN where a proxy failed; :data:`PONAS_PROXIES` by
    default); ``score_proxies`` (``score_proxies(archs) -> ndarray (len(archs), K)``, for
    evolution and local steps outside the pool: None when the pool is the whole space),
    ``budget`` (the number of queries the caller will make: the novelty of evolution decays
    linearly to 0 at the last one; None: it stays 1) and ``offspring_budget`` (the most
    architectures evolution and local steps may add to the pool over the search, spread
    evenly over the queries left; None: ``n_offspring`` every step) are optional. The space must implement
    ``to_graph``. ``setup`` does the work: it normalises the proxies and builds and
    pre-trains the encoder, seeded by the generator.

    Parameters
    ----------
    acquisition : {"ei", "ucb", "greedy"}, default="ei"
        How the next architectures are chosen (step 5).
    n_members : int or None, default=None
        Weight generators in the ensemble (step 4); None: 4 with a GP acquisition, 1 with
        ``"greedy"``.
    warm_start : bool, default=False
        Each online fit starts from the previous one's weights instead of a fresh
        initialisation (step 4).
    n_screened : int or None, default=64
        The acquisition is optimised over this many open pool members of largest S (None:
        every open member). Every member helps where S misleads and hurts where it does not
        (TransNAS-Bench-101, 10 seeds: micro room_layout rank 60.2 → 42.6, macro room_layout
        4.4 → 28.7) and costs more (``benchmarks/tnb101_table.md``, row ``ponas-full-pool``).
    screen_by : {"neighbours", "score", "posterior_mean", "both"}, default="neighbours"
        Which open members the acquisition is optimised over: the ``n_screened`` of largest S
        and the open pool members one step (``space.neighbours``) from the 3 best queried
        architectures (as BANANAS optimises its acquisition over mutations of the best); the
        ``n_screened`` of largest S only; those of largest posterior mean under the GP; or
        both of these sets (at most twice as many). TransNAS-Bench-101, 10 seeds, mean rank
        over the 7 tasks, neighbours against S only: micro 9.5 against 16.3 (room_layout 9.1
        against 60.2), macro 2.9 against 4.3 (autoencoder 6.8 against 18.4). The neighbours
        are below REA's published rank on 13 of the 14 problems, and on all 14 in an earlier
        run of the same rule (rows ``ponas``, ``ponas-screen-score``). On NAS-Bench-201 they
        change nothing (``benchmarks/nb201_reproduce_ponas.md`` at git a2750e2). "both"
        against S only: micro room_layout 60.2 → 47.1, macro room_layout 4.4 → 3.9, but
        micro autoencoder 18.4 → 47.1 (row ``ponas-screen-both``).
    structure_kernel : bool, default=False
        The GP's kernel also has a Matérn term on the architectures' encodings
        (``space.encode``, as :class:`~sknas.strategies.BayesianOptimisation`'s GP), added
        to the contribution kernel with its own outputscale: where the proxies mislead, the
        marginal likelihood can let the structure explain the objectives. TransNAS-Bench-101,
        10 seeds, mean rank, both screened by S alone, against it without: micro
        autoencoder 18.4 → 14.7, normal 11.0 → 9.6, room_layout 60.2 → 60.8, jigsaw
        17.7 → 21.4, segmentsemantic 3.8 → 6.7; macro autoencoder 18.4 → 9.1, room_layout
        4.4 → 2.0, normal 1.4 → 1.0 (row ``ponas-structure``). With the neighbour screen,
        against the default (row ``ponas-structure-neighbours``, 100 queries): micro
        autoencoder 24.5 → 11.6, jigsaw 19.5 → 17.1, segmentsemantic 3.1 → 2.1, macro
        autoencoder 6.8 → 2.4, room_layout 5.3 → 2.1, class_scene 1.7 → 1.0, the rest of micro
        within 0.2, but micro room_layout 9.1 → 124.0 (two of the ten runs end at ranks 451
        and 660); NAS-Bench-201, paper protocol, budget 20, 30 seeds: the best cell in 26 / 26
        / 18 runs against 25 / 25 / 20 (``benchmarks/nb201_table.md``). Off by default.
    cross_fit : bool, default=False
        With a GP acquisition and an ensemble, member e is not fitted to the queried
        architectures i with ``i mod E == e``; the GP's prior score of each queried
        architecture is that member's S (an out-of-sample prediction), so the GP learns how
        far S errs on architectures it was not fitted to (step 5).
    per_architecture : bool, default=True
        False learns one weight vector shared by all architectures (ablation).
    pretrain : bool, default=True
        False keeps the encoder at its random initialisation (ablation).
    start : {"spread", "mean"}, default="spread"
        The rule of the first queries (step 8).
    n_initial : int, default=3
        The number of queries the start rule chooses.
    objective_scale : float, default=1.0
        Multiplies objectives into accuracy points for the online loss (100 when the
        objective is a fraction).
    pretrain_epochs, pretrain_batch_size : int, default=100, 64
        Epochs and batch size of the encoder's pre-training (step 2).
    pretrain_size : int, default=1024
        Pre-training uses at most this many architectures of the pool (drawn at random);
        the embeddings of all are computed.
    online_epochs : int, default=100
        Epochs of one online training period.
    online_learning_rate : float, default=1e-3
        AdamW's learning rate in the online fits.
    max_restarts : int, default=100
        Periods restarted while the loss is above 0.1.
    max_online_epochs : int, default=100
        Cap on the online epochs per query (the reference restarts without end while the
        loss is above 0.1). The default, one period at learning rate 1e-3, replaced the
        reference's 3e-4 with restarts up to 1,000 epochs: on NAS-Bench-201 it finds the best
        cell more often, in less time (``benchmarks/ponas_online_fit.md``). It never restarts,
        so ``max_restarts`` and ``online_min_improvement`` act only with a larger cap.
    online_min_improvement : float or None, default=0.05
        A restart period that lowers the online loss by less than this fraction ends the
        fit; None restarts until the loss reaches 0.1 or ``max_online_epochs``
        (``benchmarks/ponas_online_cost.md``).
    n_elite, n_pairs, n_offspring, evolve_from : int, default=20, 20, 50, 10
        Evolution's elite size, bred pairs, offspring given real proxies (0: no
        evolution), first query.
    local_from : int or None, default=None
        The number of queries after which every query is a local step (step 7); None: none.

    Attributes
    ----------
    pool : list of Architecture
        The candidates of the bound strategy (grown by evolution and local steps).
    raw_scores : ndarray of shape (len(pool), K)
        Their raw proxy scores.
    last_scores : ndarray of shape (len(pool),) or None
        S of the pool at the latest choice after the start.

    Examples
    --------
    >>> import numpy as np
    >>> from sknas.spaces import CellSpace
    >>> from sknas.strategies import PONAS
    >>> space = CellSpace()
    >>> pool = space.sample_pool(30, np.random.default_rng(0))
    >>> scores = np.random.default_rng(1).random((30, 2))
    >>> spec = PONAS(pretrain_epochs=2, online_epochs=5, max_online_epochs=10)
    >>> strategy = spec.setup(space, np.random.default_rng(0), pool=pool, proxy_scores=scores)
    >>> len(set(strategy.ask(4)))
    4
    """

    requires = ("pool", "proxy_scores")
    proxies = PONAS_PROXIES

    def __init__(
        self,
        *,
        acquisition: str = "ei",
        n_members: int | None = None,
        warm_start: bool = False,
        n_screened: int | None = 64,
        screen_by: str = "neighbours",
        structure_kernel: bool = False,
        cross_fit: bool = False,
        per_architecture: bool = True,
        pretrain: bool = True,
        start: str = "spread",
        n_initial: int = 3,
        objective_scale: float = 1.0,
        pretrain_epochs: int = 100,
        pretrain_batch_size: int = 64,
        pretrain_size: int = 1024,
        online_epochs: int = 100,
        online_learning_rate: float = 1e-3,
        max_restarts: int = 100,
        max_online_epochs: int = 100,
        online_min_improvement: float | None = 0.05,
        n_elite: int = 20,
        n_pairs: int = 20,
        n_offspring: int = 50,
        evolve_from: int = 10,
        local_from: int | None = None,
    ):
        self.acquisition = acquisition
        self.n_members = n_members
        self.warm_start = warm_start
        self.n_screened = n_screened
        self.screen_by = screen_by
        self.structure_kernel = structure_kernel
        self.cross_fit = cross_fit
        self.per_architecture = per_architecture
        self.pretrain = pretrain
        self.start = start
        self.n_initial = n_initial
        self.objective_scale = objective_scale
        self.pretrain_epochs = pretrain_epochs
        self.pretrain_batch_size = pretrain_batch_size
        self.pretrain_size = pretrain_size
        self.online_epochs = online_epochs
        self.online_learning_rate = online_learning_rate
        self.max_restarts = max_restarts
        self.max_online_epochs = max_online_epochs
        self.online_min_improvement = online_min_improvement
        self.n_elite = n_elite
        self.n_pairs = n_pairs
        self.n_offspring = n_offspring
        self.evolve_from = evolve_from
        self.local_from = local_from

    # -- binding ---------------------------------------------------------------------------

    def _bind(self, *, pool, proxy_scores, score_proxies=None, offspring_budget=None, **context) -> None:
        self._prepare(self._checked(pool, proxy_scores), score_proxies, offspring_budget)

    def _checked(self, pool, proxy_scores) -> tuple[list[Architecture], np.ndarray]:
        """The options checked, and the pool with its raw proxy scores as an array."""
        if self.acquisition not in CHOICE_RULES:
            raise ValueError(f"unknown acquisition {self.acquisition!r}; use " + ", ".join(map(repr, CHOICE_RULES)))
        if self.screen_by not in SCREENS:
            raise ValueError(f"unknown screen_by {self.screen_by!r}; use " + ", ".join(map(repr, SCREENS)))
        if self.start not in STARTS:
            raise ValueError(f"unknown start {self.start!r}; use " + " or ".join(map(repr, STARTS)))
        pool = list(pool)
        raw = np.asarray(proxy_scores, dtype=np.float64)
        if not pool or raw.shape != (len(pool), raw.shape[-1]) or raw.ndim != 2:
            raise ValueError(f"proxy_scores must have shape (len(pool), n_proxies); got {raw.shape} "
                             f"for a pool of {len(pool)}")
        n_members = self.n_members
        if n_members is not None and (isinstance(n_members, bool) or not isinstance(n_members, (int, np.integer))
                                      or n_members < 1):
            raise ValueError(f"n_members must be an int >= 1 or None, got {n_members!r}")
        local_from = self.local_from
        if local_from is not None and (isinstance(local_from, bool) or not isinstance(local_from, (int, np.integer))
                                       or local_from < 0):
            raise ValueError(f"local_from must be a number of queries >= 0 or None, got {local_from!r}")
        return pool, raw

    def _prepare(self, checked: tuple[list[Architecture], np.ndarray], score_proxies,
                 offspring_budget: int | None = None) -> None:
        """Normalise the pool's proxies, then build, pre-train and freeze the encoder."""
        self.pool, raw = checked
        self.score_proxies = score_proxies
        self.offspring_budget = offspring_budget
        self._encoding_of: dict = {}  # space.encode of the pool members (structure_kernel)
        self.online = dict(epochs=self.online_epochs, learning_rate=self.online_learning_rate,
                           max_restarts=self.max_restarts, max_epochs=self.max_online_epochs,
                           min_improvement=self.online_min_improvement)
        self.evolution = dict(n_elite=self.n_elite, n_pairs=self.n_pairs, n_offspring=self.n_offspring,
                              evolve_from=self.evolve_from)
        self.n_initial_pool = len(self.pool)
        with warnings.catch_warnings():  # an all-NaN proxy: its scale stays [0, 1]
            warnings.simplefilter("ignore", RuntimeWarning)
            self._low = np.nan_to_num(np.nanmin(np.where(np.isfinite(raw), raw, np.nan), axis=0), nan=0.0)
            self._high = np.nan_to_num(np.nanmax(np.where(np.isfinite(raw), raw, np.nan), axis=0), nan=1.0)
        self.raw_scores = raw
        self.metrics = self._normalise(raw)
        self.pretraining = None
        self._build_encoder(bool(self.pretrain), int(self.pretrain_epochs), int(self.pretrain_batch_size),
                            int(self.pretrain_size))
        self.last_scores: np.ndarray | None = None  # S of the pool at the latest step
        self.last_gp = None  # the GP of the latest choice by acquisition
        self._warm_state: dict | None = None  # where the ensemble's latest fit ended (warm_start)
        self._gp_start: dict | None = None  # the latest GP's hyperparameters, where the next fit starts
        self.online_report = None  # how the latest online fit went

    # -- ask -------------------------------------------------------------------------------

    def propose_batch(self, n: int) -> list[Architecture]:
        """``n`` pool members chosen together (fewer only when the pool is exhausted).

        The start rule gives the first ones; then the weighting is trained once, evolution
        runs at most once, and the rest are local steps, greedy picks (each the best open row
        by S, retrained with the pending architectures as the worst objective seen while any
        are pending) or a q-batch of the GP's acquisition conditioned on the pending
        architectures. Each pick is marked asked and pending before the next.

        Parameters
        ----------
        n : int
            The most architectures to propose.

        Returns
        -------
        proposals : list of Architecture
            At most ``n`` pool members not asked before.
        """
        picks: list[Architecture] = []
        rows, objectives = self._observed()
        while len(picks) < n and (len(self.asked) < self.n_initial or len(rows) < 2):
            if not self._pick(self._propose_start(), picks):
                return picks
        if len(picks) == n:
            return picks
        held_out = self._held_out(len(rows))
        model = self.fit_weighting(rows, objectives, held_out=held_out)
        contributions, scores = self.contributions_and_scores(model)
        if self.score_proxies is not None and self._offspring_now() > 0 \
                and len(self.history) >= self.evolution["evolve_from"]:
            self._evolve(model, scores)
            contributions, scores = self.contributions_and_scores(model)
        if self.local_from is not None:
            while len(picks) < n and len(self.asked) >= max(self.n_initial, self.local_from):
                members = self._incumbent_neighbours(rows, objectives)
                if not members:
                    break
                if len(scores) < len(self.pool):  # new neighbours joined the pool
                    contributions, scores = self.contributions_and_scores(model)
                self._pick(self.pool[members[int(np.argmax(scores[members]))]], picks)
        self.last_scores = scores
        if len(picks) == n:
            return picks
        if self.acquisition == "greedy":
            self._choose_greedily(n, picks, rows, objectives, scores)
        else:
            self._choose_by_acquisition(n, picks, rows, objectives, model, contributions, scores, held_out)
        return picks

    # -- checkpointing ---------------------------------------------------------------------

    def state_dict(self) -> dict[str, Any]:
        """The generator's state, the members evolution and local steps added to the pool and,
        with ``warm_start``, the ensemble's parameters the next fit starts from.

        The history is not in it: the driver tells it again before ``load_state_dict``.
        """
        state = super().state_dict()
        if self._warm_state is not None:  # the ensemble's parameters, exactly (float32 in float64)
            state["warm_state"] = {name: value.tolist() for name, value in self._warm_state.items()}
        if self._gp_start is not None:
            state["gp_start"] = {module: {name: value.tolist() for name, value in values.items()}
                                 for module, values in self._gp_start.items()}
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore a ``state_dict()`` after the history was told again: the pool is cut back to
        the initial pool and the added members join it again, with their stored proxies.

        Parameters
        ----------
        state : dict
            What ``state_dict`` returned after the last ``tell``.
        """
        super().load_state_dict(state)
        warm = state.get("warm_state")
        self._warm_state = None if warm is None else {
            name: torch.tensor(value, dtype=torch.float32) for name, value in warm.items()}
        gp_start = state.get("gp_start")
        self._gp_start = None if gp_start is None else {
            module: {name: torch.tensor(value, dtype=torch.float64) for name, value in values.items()}
            for module, values in gp_start.items()}
