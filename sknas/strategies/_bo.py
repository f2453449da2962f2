"""GP Bayesian optimisation over architecture encodings (a BANANAS-like baseline)."""

from __future__ import annotations

import numpy as np

from ..spaces import Architecture
from ..surrogate import best_candidates, fit_gp
from ._base import Strategy


class BayesianOptimisation(Strategy):
    """Gaussian-process BO over the one-hot encodings of a candidate pool.

    The first ``n_initial`` proposals are random members of the pool (and so is every
    proposal while fewer than two evaluations have succeeded); after that a
    ``SingleTaskGP`` (Matérn-5/2) is fitted to the encodings and objectives of every
    successful evaluation, and the unqueried member of the pool with the highest log
    expected improvement, found with BoTorch's ``optimize_acqf_discrete``, is proposed.

    ``ask(n)`` fits the GP once and chooses the rest of the batch jointly by q-log noisy
    expected improvement over the pool (:func:`sknas.surrogate.best_candidates`),
    conditioned on the architectures asked and not told yet; one architecture asked with
    nothing pending is chosen by the analytic log-EI.

    ``setup`` takes the candidates from its ``pool``; without one it draws
    ``n_candidates`` with ``space.sample_pool`` from the generator. The space encodes the
    architectures (``space.encode``).

    Parameters
    ----------
    n_initial : int, default=5
        Random proposals before the surrogate takes over.
    n_candidates : int, default=1000
        Size of the drawn pool when ``setup`` is given none.

    Examples
    --------
    >>> import numpy as np
    >>> from sknas.spaces import CellSpace
    >>> from sknas.strategies import BayesianOptimisation
    >>> spec = BayesianOptimisation(n_candidates=50)
    >>> strategy = spec.setup(CellSpace(), np.random.default_rng(0))
    >>> len(strategy.ask(3))
    3
    """

    def __init__(self, n_initial: int = 5, n_candidates: int = 1000):
        self.n_initial = n_initial
        self.n_candidates = n_candidates

    def _bind(self, *, pool=None, **context) -> None:
        self.pool = list(pool) if pool is not None else self.space.sample_pool(int(self.n_candidates), self.rng)
        if not self.pool:
            raise ValueError("the candidate pool is empty")
        self._encodings = np.stack([self.space.encode(a) for a in self.pool]).astype(np.float64)
        self._row = {arch: i for i, arch in enumerate(self.pool)}

    def _encode(self, archs) -> np.ndarray:
        return np.stack([self._encodings[self._row[a]] if a in self._row else self.space.encode(a)
                         for a in archs]).astype(np.float64)

    def propose_batch(self, n: int) -> list[Architecture]:
        proposals: list[Architecture] = []
        observed = [(a, y) for a, y in self.history if np.isfinite(y)]
        while len(proposals) < n:
            open_rows = [i for i, arch in enumerate(self.pool) if arch not in self.asked]
            if not open_rows:
                break
            if len(self.asked) < int(self.n_initial) or len(observed) < 2:  # the random start
                self._pick(self.pool[open_rows[int(self.rng.integers(len(open_rows)))]], proposals)
                continue
            X = self._encode([a for a, _ in observed])
            y = np.array([y for _, y in observed])
            seed = int(self.rng.integers(2**31 - 1))
            model = fit_gp(X, y, ard=False, seed=seed)
            pending = sorted(self.pending, key=str)
            rows = best_candidates(
                model, self._encodings[open_rows], n - len(proposals), acquisition="ei", best_f=float(y.max()),
                observed=X, pending=self._encode(pending) if pending else None, seed=seed,
            )
            proposals += [self.pool[open_rows[row]] for row in rows]
            break
        return proposals
