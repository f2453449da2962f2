"""How PO-NAS chooses what to query: the start rule, the greedy pick, the GP's acquisition, local steps."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import numpy as np
import torch

from ..spaces import Architecture
from ..surrogate import (ACQUISITIONS, best_candidates, contribution_features, fit_contribution_gp,
                         gp_hyperparameters, posterior_mean_std)

#: Rules for the first ``n_initial`` queries.
STARTS = ("spread", "mean")

#: Which open pool members the GP's acquisition is optimised over (with ``n_screened``).
SCREENS = ("score", "posterior_mean", "both", "neighbours")

#: With ``screen_by="neighbours"``, the unasked neighbours of this many of the best queried
#: architectures join the screen (BANANAS optimises its acquisition over mutations of the best).
NEIGHBOURHOODS = 3

#: How the next architecture is chosen: the best learned score, or a GP acquisition over it.
CHOICE_RULES = ("greedy", *ACQUISITIONS)

#: Weight generators by default: an ensemble, whose members' contributions the GP's kernel
#: averages, or one for the greedy choice (the reference).
DEFAULT_MEMBERS = {"greedy": 1, **dict.fromkeys(ACQUISITIONS, 4)}


class ChoiceRules:
    """The choice rules of :class:`sknas.strategies.PONAS` (steps 5, 7, 8 and 9 of its
    description), as methods of the bound strategy: they read its pool, embeddings,
    history and options, and mark their picks asked with ``_pick``."""

    def _choose_greedily(self, n: int, picks: list[Architecture], rows: list[int], objectives: np.ndarray,
                         scores: np.ndarray) -> None:
        """Pick the open pool member of largest S until ``n`` are picked; while any are pending,
        S comes from a weighting retrained with them as the worst objective seen."""
        while len(picks) < n:
            if self.pending:
                scores = self._scores_with_pending_as_worst(rows, objectives)
            best = self._best_open(scores)
            if best is None:
                return
            self._pick(best, picks)

    def _choose_by_acquisition(self, n: int, picks: list[Architecture], rows: list[int], objectives: np.ndarray,
                               model, contributions, scores: np.ndarray, held_out: np.ndarray | None) -> None:
        """Pick a q-batch of the GP's acquisition over the open members :meth:`_screened` keeps,
        conditioned on the pending architectures, until ``n`` are picked. The GP's prior
        score is S, and of a queried architecture cross-fitted out (``held_out``) the S of the
        member not fitted to it."""
        open_rows = [i for i in np.argsort(-scores, kind="stable") if self.pool[i] not in self.asked]
        if not open_rows:
            return
        prior = np.array(scores, dtype=np.float64)
        if held_out is not None:
            fitted_out = np.asarray(rows)[held_out >= 0]
            prior[fitted_out] = contributions.sum(dim=-1).numpy()[held_out[held_out >= 0], fitted_out]
        encodings = self._pool_encodings() if self.structure_kernel else None
        features = contribution_features(contributions.numpy(), prior, encodings)
        seed = int(self.rng.integers(2**31 - 1))
        gp = fit_contribution_gp(features[rows], objectives, model.n_members, seed=seed, start_from=self._gp_start,
                                 n_encoding=0 if encodings is None else encodings.shape[1])
        self.last_gp, self._gp_start = gp, gp_hyperparameters(gp)
        open_rows = self._screened(open_rows, features, gp, max(0, n - len(picks)), rows, objectives)
        pending = sorted(i for i, a in enumerate(self.pool) if a in self.pending)
        chosen = best_candidates(gp, features[open_rows], n - len(picks), acquisition=self.acquisition,
                                 best_f=objectives.max(), observed=features[rows], pending=features[pending],
                                 seed=seed)
        for choice in chosen:
            self._pick(self.pool[open_rows[choice]], picks)

    def _pool_encodings(self) -> np.ndarray:
        """``space.encode`` of every pool member, ``(len(pool), D)``; each member encoded once."""
        cache = self._encoding_of
        for arch in self.pool:
            if arch not in cache:
                cache[arch] = np.asarray(self.space.encode(arch), dtype=np.float64).ravel()
        return np.stack([cache[arch] for arch in self.pool])

    def _screened(self, open_rows: list[int], features: np.ndarray, gp, n: int, rows: list[int],
                  objectives: np.ndarray) -> list[int]:
        """The rows of ``open_rows`` (given in decreasing S) the acquisition is optimised over:
        with ``n_screened``, the ``n_screened`` (at least ``n``) of largest S, followed by
        (``screen_by``) nothing (``"score"``), the others of the ``n_screened`` of largest
        posterior mean of the ``gp`` (``"both"``; ``"posterior_mean"`` keeps only these), or
        the open pool neighbours of the :data:`NEIGHBOURHOODS` best queried architectures
        (``"neighbours"``, from the queried ``rows`` and their ``objectives``); else all."""
        if self.n_screened is None:
            return open_rows
        size = max(int(self.n_screened), n)
        by_score = open_rows[:size]
        if self.screen_by == "score" or len(open_rows) <= size:
            return by_score
        if self.screen_by == "neighbours":
            return list(dict.fromkeys(by_score + self._open_neighbour_rows(rows, objectives)))
        mean, _ = posterior_mean_std(gp, features[open_rows])
        by_mean = [open_rows[j] for j in np.argsort(-mean, kind="stable")[:size]]
        return by_mean if self.screen_by == "posterior_mean" else list(dict.fromkeys(by_score + by_mean))

    def _open_neighbour_rows(self, rows: list[int], objectives: np.ndarray) -> list[int]:
        """Pool rows of the unasked one-step neighbours (``space.neighbours``) of the
        :data:`NEIGHBOURHOODS` best queried architectures, best first."""
        row = {arch: i for i, arch in enumerate(self.pool)}
        best = itertools.islice(self._unasked_neighbours_of_best(rows, objectives), NEIGHBOURHOODS)
        return list(dict.fromkeys(row[a] for neighbours in best for a in neighbours if a in row))

    def _unasked_neighbours_of_best(self, rows: list[int], objectives: np.ndarray) -> Iterator[list[Architecture]]:
        """For each queried architecture (pool ``rows``), best ``objectives`` first: its unasked
        one-step neighbours, canonical and without repeats (in the pool or not)."""
        for i in np.asarray(rows)[np.argsort(-objectives, kind="stable")]:
            neighbours = dict.fromkeys(self.space.canonical(a) for a in self.space.neighbours(self.pool[i]))
            yield [a for a in neighbours if a not in self.asked]

    def _held_out(self, n_rows: int) -> np.ndarray | None:
        """The member each of the ``n_rows`` queried architectures is cross-fitted out of
        (``cross_fit``: row i out of member ``i mod E``), or None (every member fits every row)."""
        if not self.cross_fit or self.acquisition == "greedy" or self.ensemble_size < 2:
            return None
        return np.arange(n_rows) % self.ensemble_size

    def _scores_with_pending_as_worst(self, rows: list[int], objectives: np.ndarray) -> np.ndarray:
        """S of the pool from a weighting trained as if each pending architecture had scored
        the worst objective seen (a constant liar, Ginsbourger et al. 2010): S learns to rank
        them and what resembles them low, so the next greedy pick goes elsewhere."""
        row = {arch: i for i, arch in enumerate(self.pool)}
        pending = [row[a] for a in self.pending if a in row]
        liars = np.full(len(pending), objectives.min())
        model = self.fit_weighting(list(rows) + sorted(pending), np.concatenate([objectives, liars]))
        return self.pool_scores(model)

    def _incumbent_neighbours(self, rows: list[int], objectives: np.ndarray) -> list[int]:
        """Pool rows of the unasked neighbours of the best queried architecture that has any.

        Neighbours outside the pool get real proxies and join it (with ``score_proxies``).
        Empty when no queried architecture has an unasked neighbour.
        """
        row = {arch: i for i, arch in enumerate(self.pool)}
        for neighbours in self._unasked_neighbours_of_best(rows, objectives):
            candidates = [a for a in neighbours if a in row or self.score_proxies is not None]
            if not candidates:
                continue
            new = [a for a in candidates if a not in row]
            if new:
                row.update((a, len(self.pool) + k) for k, a in enumerate(new))
                self._add_to_pool(new, np.asarray(self.score_proxies(new), dtype=np.float64).reshape(len(new), -1))
            return [row[a] for a in candidates]
        return []

    def _propose_start(self, allowed: np.ndarray | None = None) -> Architecture | None:
        """The next of the first ``n_initial`` queries, among the pool rows ``allowed`` (all by default)."""
        if self.start == "mean":
            values = np.nanmean(np.where(np.isnan(self.metrics), 0.0, self.metrics), axis=1)
            return self._best_open(values, allowed)
        row = {arch: i for i, arch in enumerate(self.pool)}
        chosen = [row[a] for a in self.asked if a in row]
        if not chosen:
            rows = np.arange(len(self.pool)) if allowed is None else np.flatnonzero(allowed)
            return self.pool[int(rows[self.rng.integers(len(rows))])] if len(rows) else None
        distance = torch.cdist(self.embeddings, self.embeddings[chosen]).min(dim=1).values
        return self._best_open(distance.double().numpy(), allowed)

    def _best_open(self, values: np.ndarray, allowed: np.ndarray | None = None) -> Architecture | None:
        """The unasked pool member of the largest ``values`` (among the rows ``allowed``)."""
        for i in np.argsort(-values, kind="stable"):
            if self.pool[i] not in self.asked and (allowed is None or allowed[i]):
                return self.pool[i]
        return None

