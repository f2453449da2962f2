"""RoBoT (He et al., ICLR 2024): Bayesian optimisation of one weighting of the proxies."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import torch
from botorch.acquisition import UpperConfidenceBound
from botorch.optim import optimize_acqf

from ..proxies import normalise_scores
from ..spaces import Architecture, SearchSpace
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

    Parameters
    ----------
    space : SearchSpace
        The space of the pool.
    rng : numpy.random.Generator
        Draws the first w and seeds the GP fits and acquisition restarts.
    pool : sequence of Architecture
        Candidates.
    proxy_scores : array-like of shape (len(pool), K)
        Raw proxy scores of the pool (normalised here).
    n_bo_steps : int, default=20
        Evaluations of f by BO, counting those answered from the cache; the reference code
        uses the search budget minus one after one random point, i.e. the budget.
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
    >>> strategy = RoBoT(space, np.random.default_rng(0), pool, scores, n_bo_steps=5)
    >>> strategy.ask(1)[0] in pool
    True
    """

    def __init__(
        self,
        space: SearchSpace,
        rng: np.random.Generator,
        pool: Sequence[Architecture],
        proxy_scores,
        n_bo_steps: int = 20,
        kappa: float = 2.576,
    ):
        super().__init__(space, rng)
        self.pool = list(pool)
        scores = np.asarray(proxy_scores, dtype=np.float64)
        if scores.ndim != 2 or scores.shape[0] != len(self.pool):
            raise ValueError(
                f"proxy_scores must have shape (len(pool), n_proxies) = ({len(self.pool)}, K); "
                f"got {scores.shape}"
            )
        self.metrics = np.nan_to_num(normalise_scores(scores), nan=0.0)
        self.n_bo_steps = int(n_bo_steps)
        self.kappa = float(kappa)
        self.observations: list[tuple[list[float], float]] = []  # (w, f(w))
        self.pending: list[tuple[list[float], str]] = []  # w whose top architecture is out
        self.steps = 0

    @property
    def n_proxies(self) -> int:
        return self.metrics.shape[1]

    def ranking(self, weights: Sequence[float]) -> np.ndarray:
        """Pool indices by decreasing weighted score (ties keep the pool's order)."""
        return np.argsort(-(self.metrics @ np.asarray(weights, dtype=np.float64)), kind="stable")

    def best_weights(self) -> list[float] | None:
        """The w with the best f so far (the latest of ties), or None before any observation."""
        if not self.observations:
            return None
        best = max(f for _, f in self.observations)
        return [w for w, f in self.observations if f == best][-1]

    def _next_weights(self) -> list[float]:
        if not self.observations:
            return list(self.rng.uniform(-1.0, 1.0, size=self.n_proxies))
        W = np.array([w for w, _ in self.observations])
        f = np.array([f for _, f in self.observations])
        finite = np.isfinite(f)
        # a failed evaluation is worse than any success, but the GP needs a number
        floor = f[finite].min() - (np.ptp(f[finite]) or 1.0) if finite.any() else 0.0
        f = np.where(finite, f, floor)
        bounds = np.array([[-1.0] * self.n_proxies, [1.0] * self.n_proxies])
        seed = int(self.rng.integers(2**31 - 1))
        model = fit_gp(W, f, bounds=bounds, seed=seed)
        acquisition = UpperConfidenceBound(model, beta=self.kappa**2)
        with torch.random.fork_rng(devices=[]), quiet_botorch():
            torch.manual_seed(seed)
            candidate, _ = optimize_acqf(
                acquisition, bounds=torch.as_tensor(bounds), q=1, num_restarts=4, raw_samples=128
            )
        return candidate[0].tolist()

    def propose(self) -> Architecture | None:
        known = {arch: objective for arch, objective in self.history}
        while self.steps < self.n_bo_steps:
            weights = self._next_weights()
            self.steps += 1
            top = self.pool[int(self.ranking(weights)[0])]
            if top in known:
                self.observations.append((weights, known[top]))
            elif top in self.asked:  # evaluated elsewhere and not told yet: f unknown for now
                self.pending.append((weights, str(top)))
            else:
                self.pending.append((weights, str(top)))
                return top
        weights = self.best_weights() or [1.0] * self.n_proxies
        for i in self.ranking(weights):
            if self.pool[i] not in self.asked:
                return self.pool[i]
        return None

    def tell(self, archs, results) -> None:
        super().tell(archs, results)
        known = {str(arch): objective for arch, objective in self.history}
        still = []
        for weights, arch in self.pending:
            if arch in known:
                self.observations.append((weights, known[arch]))
            else:
                still.append((weights, arch))
        self.pending = still

    def state_dict(self) -> dict[str, Any]:
        state = super().state_dict()
        state.update(
            observations=[[w, f if np.isfinite(f) else None] for w, f in self.observations],
            pending=[[w, a] for w, a in self.pending],
            steps=self.steps,
        )
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        self.observations = [(list(w), float("-inf") if f is None else float(f)) for w, f in state["observations"]]
        self.pending = [(list(w), a) for w, a in state["pending"]]
        self.steps = int(state["steps"])
