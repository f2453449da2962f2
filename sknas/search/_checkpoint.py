"""The state of a search (every result and the strategy's state), and writing it atomically."""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import joblib

from ..evaluation import EvaluationResult
from ..spaces import SearchSpace

FORMAT = "sknas-search-state"
VERSION = 1

#: Parameters that do not change which architectures a search evaluates or their results,
#: so a checkpoint written under other values of them can be resumed.
RESUMABLE_WITH_OTHER = ("budget", "n_jobs", "verbose", "callbacks", "checkpoint", "warm_start", "device")


@dataclass
class SearchState:
    """Everything needed to continue a search where it stopped.

    Attributes
    ----------
    fingerprint : str
        Hash of the estimator's class, its search parameters and the data: a state is only
        continued by the search that wrote it.
    seed : int
        The seed drawn from ``random_state`` when the search began (reused on resume, so
        ``random_state=None`` resumes too).
    strategy : dict or None
        ``Strategy.state_dict()`` after the last ``tell``; None before the first.
    results : list of (str, EvaluationResult)
        Every finished evaluation, in order: the first ``n_told`` were told to the strategy,
        the rest belong to the batch in progress and are reused when it is asked again.
    n_told : int
    """

    fingerprint: str
    seed: int
    strategy: dict[str, Any] | None = None
    results: list[tuple[str, EvaluationResult]] = field(default_factory=list)
    n_told: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": VERSION,
            "fingerprint": self.fingerprint,
            "seed": self.seed,
            "strategy": self.strategy,
            "results": [[arch, result_to_json(result)] for arch, result in self.results],
            "n_told": self.n_told,
        }

    @classmethod
    def from_json(cls, payload: dict[str, Any]) -> "SearchState":
        if not isinstance(payload, dict) or payload.get("format") != FORMAT:
            raise ValueError("not a sknas search state")
        if payload.get("version") != VERSION:
            raise ValueError(f"search state version {payload.get('version')!r}; this sknas reads {VERSION}")
        return cls(
            fingerprint=payload["fingerprint"],
            seed=int(payload["seed"]),
            strategy=payload["strategy"],
            results=[(arch, result_from_json(result)) for arch, result in payload["results"]],
            n_told=int(payload["n_told"]),
        )


def json_number(value: Any) -> Any:
    """A number as strict JSON allows it (NaN and infinities become None); text and None as they are."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    try:
        number = float(value)
    except (TypeError, ValueError):
        return repr(value)
    return number if math.isfinite(number) else None


def result_to_json(result: EvaluationResult) -> dict[str, Any]:
    """Strict JSON of a result: NaN and infinities become null."""
    return {
        "objective": json_number(result.objective),
        "cost_s": json_number(result.cost_s),
        "metrics": {name: json_number(value) for name, value in result.metrics.items()},
        "status": result.status,
        "error": result.error,
    }


def result_from_json(payload: dict[str, Any]) -> EvaluationResult:
    def number(value):
        return math.nan if value is None else value

    return EvaluationResult(
        objective=float(number(payload["objective"])),
        cost_s=float(number(payload["cost_s"])),
        metrics={name: number(value) for name, value in payload["metrics"].items()},
        status=payload["status"],
        error=payload["error"],
    )


def search_fingerprint(estimator, X, y) -> str:
    """Hash of what decides a search: the estimator's class, its parameters and the data."""
    params = estimator.get_params(deep=False)
    for name in RESUMABLE_WITH_OTHER:
        params.pop(name, None)
    if not isinstance(params.get("random_state"), int):
        params["random_state"] = None  # unseeded: the state's own seed is reused
    described = {name: _describe(value) for name, value in sorted(params.items())}
    return joblib.hash([type(estimator).__qualname__, described, X, y])


def _describe(value: Any) -> Any:
    """A picklable stand-in for a parameter value that is equal for equal values."""
    if isinstance(value, SearchSpace):
        return [type(value).__qualname__, value.get_config()]
    try:
        return joblib.hash(value)
    except Exception:  # noqa: BLE001 - an unpicklable object: its repr is the best we have
        return repr(value)


def write_state(path: str | os.PathLike, state: SearchState) -> None:
    """Write ``state`` as JSON so that ``path`` always holds a whole state, even after a kill.

    The text goes to a temporary file beside ``path``, is flushed to disk, and replaces
    ``path`` in one ``os.replace`` (atomic on POSIX and Windows).
    """
    path = Path(path)
    text = json.dumps(state.to_json(), allow_nan=False)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def read_state(path: str | os.PathLike) -> SearchState | None:
    """The state stored at ``path``, or None when there is no file."""
    path = Path(path)
    if not path.exists():
        return None
    try:
        return SearchState.from_json(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(
            f"checkpoint {str(path)!r} cannot be read as a sknas search state ({exc}); "
            "delete it, or pass another checkpoint path"
        ) from exc
