"""The outcome of evaluating one architecture."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class EvaluationResult:
    """What an evaluator found for one architecture.

    Parameters
    ----------
    objective : float
        The score to maximise (validation accuracy or R²); NaN when the evaluation failed.
    cost_s : float
        Seconds the evaluation cost (training time, or the benchmark's recorded cost).
    metrics : dict
        Further figures, e.g. ``{"params": 1.2e5, "train_loss": 0.3}``.
    status : {"ok", "failed"}
        ``"failed"`` when training raised, diverged or ran out of memory.
    error : str or None
        What went wrong, when ``status == "failed"``.
    """

    objective: float
    cost_s: float
    metrics: dict[str, Any] = field(default_factory=dict)
    status: str = "ok"
    error: str | None = None

    @property
    def ok(self) -> bool:
        """True when the evaluation succeeded and produced a finite objective."""
        return self.status == "ok" and math.isfinite(self.objective)

    @classmethod
    def failed(cls, error: str, cost_s: float = 0.0, **metrics: Any) -> "EvaluationResult":
        """A failed evaluation with the text of its error.

        Parameters
        ----------
        error : str
            What went wrong, e.g. ``"RuntimeError: CUDA out of memory"``.
        cost_s : float, default=0.0
            Seconds the evaluation cost before it failed.
        **metrics : float
            Further figures known despite the failure.

        Returns
        -------
        result : EvaluationResult
            A result of status ``"failed"`` and objective NaN.
        """
        return cls(float("nan"), float(cost_s), dict(metrics), "failed", error)
