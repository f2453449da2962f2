"""REINFORCE (Williams, 1992) over a categorical policy, one distribution per decision."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..spaces import Architecture
from ._base import Strategy


class Reinforce(Strategy):
    """Policy-gradient search: a softmax policy per decision of ``space.choice_sizes()``.

    Each proposal is drawn from the policy. After each evaluation the policy takes one Adam
    step on −(r − b)·Σ log π(choice), where r is the objective and b an exponential moving
    average of the rewards (momentum 0.9, bias-corrected). As in the NAS-Bench-201 reference
    implementation, a draw of an architecture evaluated before costs no evaluation: the
    policy learns from its known reward and draws again. Draws outside the space (a
    benchmark's pool) are discarded. In a batch, each member is drawn from the policy as it
    stands (their rewards are not known yet).

    ``setup`` needs only the space, which must implement ``choice_sizes``, ``from_choices``
    and ``to_choices``; the generator draws the initial logits (at ``setup``) and every
    proposal. On resume, ``load_state_dict`` replaces the policy the replayed history
    taught with the saved one, so the policy does not learn twice.

    Parameters
    ----------
    learning_rate : float, default=0.01
        Adam step size of the policy.
    baseline_momentum : float, default=0.9
        Momentum of the moving-average baseline.
    max_draws : int, default=1000
        Draws per proposal before falling back to a random unseen architecture.

    Examples
    --------
    >>> import numpy as np
    >>> from sknas.spaces import CellSpace
    >>> from sknas.strategies import Reinforce
    >>> strategy = Reinforce().setup(CellSpace(), np.random.default_rng(0))
    >>> len(strategy.ask(2))
    2
    """

    def __init__(self, learning_rate: float = 0.01, baseline_momentum: float = 0.9, max_draws: int = 1000):
        self.learning_rate = learning_rate
        self.baseline_momentum = baseline_momentum
        self.max_draws = max_draws

    def _bind(self, **context) -> None:
        self.logits = [1e-3 * self.rng.standard_normal(n) for n in self.space.choice_sizes()]
        self._adam_m = [np.zeros_like(x) for x in self.logits]
        self._adam_v = [np.zeros_like(x) for x in self.logits]
        self._adam_t = 0
        self._baseline = [0.0, 0.0]  # numerator, denominator of the moving average
        self._drawn: dict[str, list[int]] = {}  # the choices of each architecture asked, not told yet

    def probabilities(self) -> list[np.ndarray]:
        """The policy: one probability vector per decision."""
        out = []
        for logits in self.logits:
            e = np.exp(logits - logits.max())
            out.append(e / e.sum())
        return out

    def _draw(self) -> list[int]:
        return [int(self.rng.choice(len(p), p=p)) for p in self.probabilities()]

    def _learn(self, choices: list[int], reward: float) -> None:
        m = float(self.baseline_momentum)
        self._baseline = [m * self._baseline[0] + (1 - m) * reward, m * self._baseline[1] + (1 - m)]
        advantage = reward - self._baseline[0] / self._baseline[1]
        self._adam_t += 1
        beta1, beta2, eps = 0.9, 0.999, 1e-8
        for i, (probs, choice) in enumerate(zip(self.probabilities(), choices)):
            one_hot = np.zeros_like(probs)
            one_hot[choice] = 1.0
            grad = -advantage * (one_hot - probs)  # ∂/∂logits of −advantage·log π(choice)
            self._adam_m[i] = beta1 * self._adam_m[i] + (1 - beta1) * grad
            self._adam_v[i] = beta2 * self._adam_v[i] + (1 - beta2) * grad**2
            m_hat = self._adam_m[i] / (1 - beta1**self._adam_t)
            v_hat = self._adam_v[i] / (1 - beta2**self._adam_t)
            self.logits[i] = self.logits[i] - float(self.learning_rate) * m_hat / (np.sqrt(v_hat) + eps)

    def propose(self) -> Architecture | None:
        known = {arch: objective for arch, objective in self.history}
        for _ in range(int(self.max_draws)):
            choices = self._draw()
            arch = self.space.from_choices(choices)
            if arch not in self.space:
                continue
            if arch in known:
                if np.isfinite(known[arch]):
                    self._learn(choices, known[arch])
                continue
            if arch in self.asked:
                continue  # being evaluated elsewhere
            self._drawn[str(arch)] = choices
            return arch
        return self.sample_new()

    def tell(self, archs, results) -> None:
        super().tell(archs, results)
        for arch, result in zip(archs, results):
            choices = self._drawn.pop(str(arch), None) or self.space.to_choices(arch)
            if result.ok:
                self._learn(choices, result.objective)

    def state_dict(self) -> dict[str, Any]:
        state = super().state_dict()
        state.update(
            logits=[x.tolist() for x in self.logits],
            adam_m=[x.tolist() for x in self._adam_m],
            adam_v=[x.tolist() for x in self._adam_v],
            adam_t=self._adam_t,
            baseline=list(self._baseline),
            pending=dict(self._drawn),
        )
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        self.logits = [np.array(x) for x in state["logits"]]
        self._adam_m = [np.array(x) for x in state["adam_m"]]
        self._adam_v = [np.array(x) for x in state["adam_v"]]
        self._adam_t = int(state["adam_t"])
        self._baseline = [float(x) for x in state["baseline"]]
        self._drawn = {k: list(v) for k, v in state["pending"].items()}
