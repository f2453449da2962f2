"""PO-NAS's learned weighting: the pool's normalised proxies, the pre-trained graph encoder,
and the ensemble of weight generators fitted to the queried architectures."""

from __future__ import annotations

import copy

import numpy as np
import torch

from ..surrogate import (GlobalWeights, GraphEncoder, WeightGenerator, fit_weights, graph_batch, pretrain_encoder,
                         proxy_contributions)
from ._ponas_choice import DEFAULT_MEMBERS


class ProxyWeighting:
    """Steps 1–4 of :class:`sknas.strategies.PONAS`, as methods of the bound strategy: they
    read its pool, proxies, options and generator."""

    # -- pool and encoder ------------------------------------------------------------------

    def _normalise(self, raw: np.ndarray) -> np.ndarray:
        """Min-max on the scale of the initial pool, clipped to [0, 1]; NaN stays NaN."""
        span = np.where(self._high > self._low, self._high - self._low, 1.0)
        return np.clip((raw - self._low) / span, 0.0, 1.0)

    def _build_encoder(self, pretrain: bool, epochs: int, batch_size: int, size: int) -> None:
        graphs, n_edge_types = graph_batch(self.space, self.pool)
        seed = int(self.rng.integers(2**31 - 1))
        rows = np.sort(self.rng.permutation(len(self.pool))[:size])
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            self.encoder = GraphEncoder(graphs.node_features.shape[2], n_edge_types, self.n_proxies)
            if pretrain:
                self.pretraining = pretrain_encoder(
                    self.encoder, graphs[torch.as_tensor(rows)], self.metrics[rows],
                    epochs=epochs, batch_size=batch_size, seed=seed,
                )
        self.encoder.eval()
        self.embeddings = self._embed(graphs)

    def _embed(self, graphs) -> torch.Tensor:
        with torch.no_grad():
            return torch.cat([self.encoder(graphs[i : i + 4096]) for i in range(0, len(graphs), 4096)])

    @property
    def n_proxies(self) -> int:
        return self.raw_scores.shape[1]

    @property
    def ensemble_size(self) -> int:
        """The weight generators trained: ``n_members``, or by default 4 for a GP
        acquisition and 1 for the greedy choice."""
        return DEFAULT_MEMBERS[self.acquisition] if self.n_members is None else int(self.n_members)

    # -- learning the weighting ------------------------------------------------------------

    def _observed(self, n_queries: int | None = None) -> tuple[list[int], np.ndarray]:
        """Pool rows and objectives of the successful queries (of the first ``n_queries``)."""
        row = {arch: i for i, arch in enumerate(self.pool)}
        pairs = [(row[a], y) for a, y in self.history[:n_queries] if np.isfinite(y) and a in row]
        return [i for i, _ in pairs], np.array([y for _, y in pairs])

    def fit_weighting(self, rows: list[int], objectives: np.ndarray, seed: int | None = None,
                      held_out: np.ndarray | None = None) -> torch.nn.Module:
        """The ensemble of ``n_members`` weightings, trained on the pool rows queried and their objectives.

        The members start from independent initialisations (seeded by ``seed``; None draws
        it from the strategy's generator) or, with ``warm_start``, from where the previous
        fit left them.

        Parameters
        ----------
        rows : list of int
            The pool rows of the queried architectures.
        objectives : ndarray of shape (len(rows),)
            Their objectives.
        seed : int or None, default=None
            Seeds the members' initialisation; None draws it from the strategy's generator.
        held_out : ndarray of int of shape (len(rows),) or None, default=None
            The member not fitted to each row (cross-fitting; -1: none); None: every member
            is fitted to every row.

        Returns
        -------
        model : torch.nn.Module
            The trained ensemble, in evaluation mode.
        """
        seed = int(self.rng.integers(2**31 - 1)) if seed is None else int(seed)
        metrics = torch.as_tensor(np.nan_to_num(self.metrics[rows]), dtype=torch.float32)
        y = torch.as_tensor(objectives * float(self.objective_scale), dtype=torch.float32)
        kind = WeightGenerator if self.per_architecture else GlobalWeights
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            model = kind(self.embeddings.shape[1], self.n_proxies, n_members=self.ensemble_size)
            if self._warm_state is not None:
                model.load_state_dict(self._warm_state)
            mask = None if held_out is None else torch.as_tensor(
                np.asarray(held_out)[None, :] != np.arange(self.ensemble_size)[:, None])
            self.online_report = fit_weights(model, self.embeddings[rows], metrics, y, mask=mask, **self.online)
        if self.warm_start:
            self._warm_state = copy.deepcopy(model.state_dict())
        return model.eval()

    def pool_contributions(self, model: torch.nn.Module, embeddings=None, metrics=None) -> torch.Tensor:
        """The members' proxy contributions φ ``(E, n, K)`` of the pool (or of the given rows).

        Parameters
        ----------
        model : torch.nn.Module
            The ensemble of weightings, as :meth:`fit_weighting` returns it.
        embeddings : torch.Tensor of shape (n, d) or None, default=None
            The encoder's embeddings of the architectures; None for those of the pool.
        metrics : ndarray of shape (n, K) or None, default=None
            Their normalised proxy scores (NaN counts as 0); None for those of the pool.

        Returns
        -------
        contributions : torch.Tensor of shape (E, n, K)
            The φ of each of the E members, architecture and proxy, in float64.
        """
        embeddings = self.embeddings if embeddings is None else embeddings
        metrics = torch.as_tensor(np.nan_to_num(self.metrics if metrics is None else metrics), dtype=torch.float32)
        with torch.no_grad():
            return proxy_contributions(model(embeddings), metrics).double()

    def pool_scores(self, model: torch.nn.Module, embeddings=None, metrics=None) -> np.ndarray:
        """S of every pool member (or of the given embeddings and normalised metrics), averaged
        over the ensemble's members.

        Parameters
        ----------
        model : torch.nn.Module
            The ensemble of weightings, as :meth:`fit_weighting` returns it.
        embeddings : torch.Tensor of shape (n, d) or None, default=None
            The encoder's embeddings of the architectures; None for those of the pool.
        metrics : ndarray of shape (n, K) or None, default=None
            Their normalised proxy scores (NaN counts as 0); None for those of the pool.

        Returns
        -------
        scores : ndarray of shape (n,)
            S of each architecture.
        """
        return self.contributions_and_scores(model, embeddings, metrics)[1]

    def contributions_and_scores(self, model: torch.nn.Module, embeddings=None,
                                 metrics=None) -> tuple[torch.Tensor, np.ndarray]:
        """:meth:`pool_contributions` and the S they sum to, averaged over the members.

        Parameters
        ----------
        model : torch.nn.Module
            The ensemble of weightings, as :meth:`fit_weighting` returns it.
        embeddings : torch.Tensor of shape (n, d) or None, default=None
            The encoder's embeddings of the architectures; None for those of the pool.
        metrics : ndarray of shape (n, K) or None, default=None
            Their normalised proxy scores (NaN counts as 0); None for those of the pool.

        Returns
        -------
        contributions : torch.Tensor of shape (E, n, K)
            The φ of each of the E members, architecture and proxy, in float64.
        scores : ndarray of shape (n,)
            S of each architecture: the contributions summed over the proxies and averaged
            over the members.
        """
        contributions = self.pool_contributions(model, embeddings, metrics)
        return contributions, contributions.sum(dim=-1).mean(dim=0).numpy()
