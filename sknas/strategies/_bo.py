"""GP Bayesian optimisation over architecture encodings (a BANANAS-like baseline)."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from ..spaces import Architecture, SearchSpace
from ..surrogate import best_candidate, fit_gp
from ._base import Strategy


class BayesianOptimisation(Strategy):
    """Gaussian-process BO over the one-hot encodings of a candidate pool.

    The first ``n_initial`` proposals are random members of the pool; after that a
    ``SingleTaskGP`` (Matérn-5/2) is fitted to the encodings and objectives of every
    successful evaluation, and the unqueried member of the pool with the highest log
    expected improvement, found with BoTorch's ``optimize_acqf_discrete``, is proposed.

    Parameters
    ----------
    space : SearchSpace
        Encodes the architectures (``space.encode``).
    rng : numpy.random.Generator
        Draws the random start (and the pool, when none is given).
    pool : sequence of Architecture or None, default=None
        Candidates; None draws ``n_candidates`` with ``space.sample_pool``.
    n_initial : int, default=5
        Random proposals before the surrogate takes over.
    n_candidates : int, default=1000
        Size of the drawn pool when ``pool`` is None.

    Examples
    --------
    >>> import numpy as np
    >>> from sknas.spaces import CellSpace
    >>> from sknas.strategies import BayesianOptimisation
    >>> strategy = BayesianOptimisation(CellSpace(), np.random.default_rng(0), n_candidates=50)
    >>> len(strategy.ask(3))
    3
    """

    def __init__(
        self,
        space: SearchSpace,
        rng: np.random.Generator,
        pool: Sequence[Architecture] | None = None,
        n_initial: int = 5,
        n_candidates: int = 1000,
    ):
        super().__init__(space, rng)
        self.pool = list(pool) if pool is not None else space.sample_pool(n_candidates, rng)
        if not self.pool:
            raise ValueError("the candidate pool is empty")
        self.n_initial = int(n_initial)
        self._encodings = np.stack([space.encode(a) for a in self.pool]).astype(np.float64)
        self._row = {arch: i for i, arch in enumerate(self.pool)}

    def propose(self) -> Architecture | None:
        open_rows = [i for i, arch in enumerate(self.pool) if arch not in self.asked]
        if not open_rows:
            return None
        observed = [(a, y) for a, y in self.history if np.isfinite(y)]
        if len(self.asked) < self.n_initial or len(observed) < 2:
            return self.pool[open_rows[int(self.rng.integers(len(open_rows)))]]
        X = np.stack([self.space.encode(a) for a, _ in observed]).astype(np.float64)
        y = np.array([y for _, y in observed])
        model = fit_gp(X, y, ard=False, seed=int(self.rng.integers(2**31 - 1)))
        row = best_candidate(model, self._encodings[open_rows], acquisition="ei", best_f=float(y.max()))
        return self.pool[open_rows[row]]
