"""RoBoT (He et al., ICLR 2024): Bayesian optimisation of one weighting of the proxies."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import torch
from botorch.acquisition import UpperConfidenceBound
from botorch.acquisition.monte_carlo import qUpperConfidenceBound
from botorch.optim import optimize_acqf
from botorch.sampling import SobolQMCNormalSampler

from ..proxies import PONAS_PROXIES, normalise_scores
from ..spaces import Architecture
from ..surrogate import fit_gp, quiet_botorch
from ._base import Strategy


class RoBoT(Strategy):
    """Robustified training-free NAS: BO over a global weight vector of the proxies, then greed.

    Every architecture of the pool has K min-max normalised proxy scores m(A). A weight vector
    w ∈ [-1, 1]^K ranks the pool by Σ_k w_k m_k(A) (a NaN proxy adds nothing), and
    f(w) is the objective of the top-ranked architecture. For ``n_bo_steps`` steps a GP
    (Matérn-5/2) over the observed (w, f(w)) proposes the next w by maximising UCB
    (κ = 2.576) over the cube; the first w is random. A w whose top architecture was already
    evaluated costs no evaluation: its f is known. Then the strategy exploits, proposing the
    pool in the order of the best w found, until the caller's budget is spent.

    ``ask(n)`` fits the GP once and chooses the missing weight vectors jointly, by
    q-UCB (``qUpperConfidenceBound``) conditioned on the weights whose top architecture is
    asked and not told yet; a weight whose top is known is a free observation, after which
    the GP is fitted again for the picks still missing. One weight with nothing pending is
    chosen by the analytic UCB. With no observation yet, the weights are random.

    ``setup`` needs the ``pool`` and its raw ``proxy_scores`` of shape (len(pool), K)
    (normalised here); by default the proxies are those of PO-NAS
    (:data:`sknas.proxies.PONAS_PROXIES`).

    Parameters
    ----------
    n_bo_steps : int or None, default=None
        Evaluations of f by BO, counting those answered from the cache; None uses the
        ``budget`` given to ``setup`` (20 without one), as the reference code does (the
        search budget minus one after one random point).
    kappa : float, default=2.576
        UCB exploration weight: UCB = μ + κσ.

    Examples
    --------
    >>> import numpy as np
    >>> from sknas.spaces import CellSpace
    >>> from sknas.strategies import RoBoT
    >>> space = CellSpace()
    >>> pool = space.sample_pool(30, np.random.default_rng(0))
    >>> scores = np.random.default_rng(1).random((30, 3))
    >>> strategy = RoBoT(n_bo_steps=5).setup(space, np.random.default_rng(0), pool=pool, proxy_scores=scores)
    >>> strategy.ask(1)[0] in pool
    True
    """

    requires = ("pool", "proxy_scores")
    proxies = PONAS_PROXIES

    def __init__(self, n_bo_steps: int | None = None, kappa: float = 2.576):
        self.n_bo_steps = n_bo_steps
        self.kappa = kappa

    def _bind(self, *, pool, proxy_scores, budget=None, **context) -> None:
        self.pool = list(pool)
        scores = np.asarray(proxy_scores, dtype=np.float64)
        if scores.ndim != 2 or scores.shape[0] != len(self.pool):
            raise ValueError(
                f"proxy_scores must have shape (len(pool), n_proxies) = ({len(self.pool)}, K); "
                f"got {scores.shape}"
            )
        self.metrics = np.nan_to_num(normalise_scores(scores), nan=0.0)
        if self.n_bo_steps is not None:
            self._n_bo_steps = int(self.n_bo_steps)
        else:
            self._n_bo_steps = int(budget) if budget is not None else 20
        self.observations: list[tuple[list[float], float]] = []  # (w, f(w))
        self._waiting: list[tuple[list[float], str]] = []  # w whose top architecture is out
        self.steps = 0

    @property
    def n_proxies(self) -> int:
        return self.metrics.shape[1]

    def ranking(self, weights: Sequence[float]) -> np.ndarray:
        """Pool indices by decreasing weighted score (ties keep the pool's order).

        Parameters
        ----------
        weights : sequence of float
            One weight per proxy, applied to the pool's normalised proxy scores.

        Returns
        -------
        order : ndarray of shape (len(pool),)
            The pool's indices, best weighted score first.
        """
        return np.argsort(-(self.metrics @ np.asarray(weights, dtype=np.float64)), kind="stable")

    def best_weights(self) -> list[float] | None:
        """The w with the best f so far (the latest of ties), or None before any observation."""
        if not self.observations:
            return None
        best = max(f for _, f in self.observations)
        return [w for w, f in self.observations if f == best][-1]

    def _next_weights(self, q: int = 1) -> list[list[float]]:
        """``q`` weight vectors chosen jointly by one GP fit (random before any observation)."""
        if not self.observations:
            return [list(self.rng.uniform(-1.0, 1.0, size=self.n_proxies)) for _ in range(q)]
        W = np.array([w for w, _ in self.observations])
        f = np.array([f for _, f in self.observations])
        finite = np.isfinite(f)
        # a failed evaluation is worse than any success, but the GP needs a number
        floor = f[finite].min() - (np.ptp(f[finite]) or 1.0) if finite.any() else 0.0
        f = np.where(finite, f, floor)
        bounds = np.array([[-1.0] * self.n_proxies, [1.0] * self.n_proxies])
        seed = int(self.rng.integers(2**31 - 1))
        model = fit_gp(W, f, bounds=bounds, seed=seed)
        if q == 1 and not self._waiting:
            acquisition = UpperConfidenceBound(model, beta=self.kappa**2)
        else:  # a batch, or weights out: q-UCB, conditioned on the weights out
            X_pending = torch.as_tensor(np.array([w for w, _ in self._waiting], dtype=np.float64)) \
                if self._waiting else None
            sampler = SobolQMCNormalSampler(sample_shape=torch.Size([256]), seed=seed)
            acquisition = qUpperConfidenceBound(model, beta=self.kappa**2, sampler=sampler, X_pending=X_pending)
        with torch.random.fork_rng(devices=[]), quiet_botorch():
            torch.manual_seed(seed)
            candidate, _ = optimize_acqf(
                acquisition, bounds=torch.as_tensor(bounds), q=q, num_restarts=4, raw_samples=128
            )
        return candidate.tolist()

    def propose_batch(self, n: int) -> list[Architecture]:
        proposals: list[Architecture] = []
        known = {arch: objective for arch, objective in self.history}
        while len(proposals) < n and self.steps < self._n_bo_steps:
            # one GP fit for every pick still missing; free observations call for another
            q = min(n - len(proposals), self._n_bo_steps - self.steps)
            for weights in self._next_weights(q):
                self.steps += 1
                top = self.pool[int(self.ranking(weights)[0])]
                if top in known:
                    self.observations.append((weights, known[top]))
                    continue
                self._waiting.append((weights, str(top)))
                if top not in self.asked:  # otherwise evaluated elsewhere, not told yet: f unknown for now
                    self._pick(top, proposals)
        if len(proposals) < n:  # exploit the best weights found
            weights = self.best_weights() or [1.0] * self.n_proxies
            for i in self.ranking(weights):
                if len(proposals) == n:
                    break
                if self.pool[i] not in self.asked:
                    self._pick(self.pool[i], proposals)
        return proposals

    def tell(self, archs, results) -> None:
        super().tell(archs, results)
        known = {str(arch): objective for arch, objective in self.history}
        still = []
        for weights, arch in self._waiting:
            if arch in known:
                self.observations.append((weights, known[arch]))
            else:
                still.append((weights, arch))
        self._waiting = still

    def state_dict(self) -> dict[str, Any]:
        state = super().state_dict()
        state.update(
            observations=[[list(map(float, w)), float(f) if np.isfinite(f) else None] for w, f in self.observations],
            pending=[[list(map(float, w)), a] for w, a in self._waiting],
            steps=self.steps,
        )
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        self.observations = [(list(w), float("-inf") if f is None else float(f)) for w, f in state["observations"]]
        self._waiting = [(list(w), a) for w, a in state["pending"]]
        self.steps = int(state["steps"])
