"""``results_``: one row per evaluated candidate, and what the outcome of a search says to its user."""

from __future__ import annotations

import warnings
from typing import Sequence

import numpy as np

from ..evaluation import EvaluationResult
from ..proxies import ProxyScorer
from ..spaces import Architecture

History = Sequence[tuple[Architecture, EvaluationResult]]


def _loss_improved(result: EvaluationResult) -> bool | None:
    """Whether training lowered the validation loss below the untrained network's (False when
    the candidate failed; None when unknown, e.g. a result without these metrics)."""
    if not result.ok:
        return False
    before, after = result.metrics.get("initial_val_loss"), result.metrics.get("val_loss")
    if before is None or after is None or np.isnan(before) or np.isnan(after):
        return None
    return bool(after < before)


def results_table(history: History, cost_columns: dict[str, list[float]], proxy_scorer: ProxyScorer | None) -> dict:
    """``results_``: a dict of equal-length lists, one entry per evaluated candidate."""
    results = {
        "architecture": [str(arch) for arch, _ in history],
        "objective": [r.objective for _, r in history],
        "fit_time_s": [r.cost_s for _, r in history],
        "status": [r.status for _, r in history],
        "error": [r.error for _, r in history],
        "epochs": [r.metrics.get("epochs", np.nan) for _, r in history],
        "params": [r.metrics.get("params", np.nan) for _, r in history],
        "val_loss": [r.metrics.get("val_loss", np.nan) for _, r in history],
        "loss_improved": [_loss_improved(r) for _, r in history],
    }
    results.update(cost_columns)
    if proxy_scorer is not None:
        scores = proxy_scorer.score([arch for arch, _ in history])
        for j, name in enumerate(proxy_scorer.names):
            results[f"proxy_{name}"] = scores[:, j].tolist()
    return results


def most_trained(succeeded: History) -> list:
    """The successful candidates trained for the most epochs, which alone compete for the
    winner: with ``min_epochs``, those of the top rung (all of them when the results do not
    record epochs, as a benchmark table's)."""
    top = max(r.metrics.get("epochs", 0) for _, r in succeeded)
    return [(arch, r) for arch, r in succeeded if r.metrics.get("epochs", 0) == top]


def ranked(succeeded: History) -> list:
    """The successful candidates, best first: by validation score, ties by lower validation
    loss (on small validation sets many candidates tie, often at accuracy 1.0: the loss
    prefers the more confident network), then in the order they were evaluated."""
    return sorted(succeeded, key=lambda item: (-item[1].objective, item[1].metrics.get("val_loss", np.inf)))


def check_outcome(history: History, results: dict, *, budget: int, callbacks, learning_rate) -> list:
    """The successful candidates; an error when there are none, warnings when the search fell
    short of its budget or trained nothing that improved."""
    succeeded = [(arch, r) for arch, r in history if r.ok]
    if not history:
        raise ValueError("the strategy proposed no architecture to train; check the space and constraints")
    if not succeeded:
        errors = "; ".join(sorted({r.error or "" for _, r in history})[:3])
        raise RuntimeError(
            f"all {len(history)} candidate networks failed to train, so there is no model "
            f"to return. Errors: {errors}. Check the data, or lower learning_rate."
        )
    stopped = any(getattr(callback, "stopped_", False) for callback in callbacks or ())
    if len(history) < budget and not stopped:
        warnings.warn(
            f"the search trained {len(history)} architectures, fewer than budget={budget}: "
            "the strategy had no new architecture to propose (its pool, n_candidates, or the "
            f"space holds no more), or the search was interrupted. Set budget <= {len(history)}, "
            "or widen the pool or the space",
            UserWarning,
            stacklevel=4,
        )
    improved = [flag for flag, (_, r) in zip(results["loss_improved"], history) if r.ok]
    if all(flag is False for flag in improved):
        rate = "" if learning_rate is None else f" (learning_rate={learning_rate!r})"
        warnings.warn(
            f"no candidate's validation loss fell below its untrained network's{rate}: "
            "training did not improve the networks. The learning rate may be too high (lower "
            "learning_rate), the training too short (raise epochs), or y unrelated to X",
            UserWarning,
            stacklevel=4,
        )
    return succeeded
