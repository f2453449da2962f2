"""The state of a search (every result and the strategy's state) and its checkpoint file."""

from __future__ import annotations

import json
import math
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

try:  # POSIX: an advisory lock, released by the system even when the process is killed
    import fcntl
except ImportError:  # pragma: no cover - Windows: no lock between processes
    fcntl = None

from ..evaluation import EvaluationResult

FORMAT = "sknas-search-state"
VERSION = 2


@dataclass
class SearchState:
    """Everything needed to continue a search where it stopped.

    Each parameter is kept as the attribute of the same name, updated as the search runs.

    Parameters
    ----------
    fingerprint : str, default=""
        Hash of what decides the search (for an estimator: its class, its search
        parameters and the data); a state is only continued by the search that wrote it.
    seed : int or None, default=None
        The seed drawn when the search began (reused on resume, so an unseeded search
        resumes too).
    batch_size : int or None, default=None
        Architectures asked at once; None before the first ask.
    strategy : dict or None, default=None
        ``Strategy.state_dict()`` after the last ``tell``: only what replaying the results
        cannot restore. None before the first.
    results : list of (str, EvaluationResult), default=[]
        Every finished evaluation, in order: the first ``n_told`` were told to the strategy,
        the rest belong to the batch in progress and are reused when it is asked again.
    n_told : int, default=0
        How many of ``results`` (the first ones) were told to the strategy.
    """

    fingerprint: str = ""
    seed: int | None = None
    batch_size: int | None = None
    strategy: dict[str, Any] | None = None
    results: list[tuple[str, EvaluationResult]] = field(default_factory=list)
    n_told: int = 0

    def check_batch_size(self, batch_size: int, batch_invariant: bool, where: str = "this search") -> None:
        """Refuse to continue with another batch size when the strategy's choices depend on it.

        Parameters
        ----------
        batch_size : int
            The batch size the search is about to ask with.
        batch_invariant : bool
            Whether the strategy's choices are the same whatever the batch size
            (``Strategy.batch_invariant``); then any batch size is accepted.
        where : str, default="this search"
            How the error message names the search.

        Raises
        ------
        ValueError
            When the state holds results asked with another batch size and the strategy is
            not batch invariant.
        """
        if self.results and self.batch_size not in (None, batch_size) and not batch_invariant:
            raise ValueError(
                f"{where} was run asking {self.batch_size} architectures at a time (n_jobs), and this "
                f"strategy's choices depend on that number; resume it with n_jobs={self.batch_size}, or "
                "start a new search (another checkpoint, or warm_start=False)"
            )

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": VERSION,
            "fingerprint": self.fingerprint,
            "seed": self.seed,
            "batch_size": self.batch_size,
            "strategy": self.strategy,
            "results": [[arch, result_to_json(result)] for arch, result in self.results],
            "n_told": self.n_told,
        }

    @classmethod
    def from_json(cls, payload: dict[str, Any]) -> "SearchState":
        """The state of ``to_json``'s output, checked field by field.

        Parameters
        ----------
        payload : dict
            The JSON object written by :meth:`to_json` (as ``json.loads`` returns it).

        Returns
        -------
        state : SearchState
            The state it describes.

        Raises
        ------
        ValueError
            Saying what is wrong, if ``payload`` is not a whole, consistent state: of another
            format or version, with a field missing or of the wrong type, ``n_told`` beyond
            the results, a result that is not ``[architecture, {objective, cost_s, metrics,
            status, error}]``, or lists and dicts nested deeper than ``MAX_DEPTH``.
        """
        if not isinstance(payload, dict) or payload.get("format") != FORMAT:
            raise ValueError("not a sknas search state")
        if payload.get("version") != VERSION:
            raise ValueError(f"search state version {payload.get('version')!r}; this sknas reads {VERSION}")
        _check_state(payload)
        return cls(
            fingerprint=payload["fingerprint"],
            seed=payload["seed"],
            batch_size=payload["batch_size"],
            strategy=payload["strategy"],
            results=[(arch, result_from_json(result)) for arch, result in payload["results"]],
            n_told=payload["n_told"],
        )


#: Deepest nesting of lists and dicts a stored state may have (a strategy's state is a few levels
#: deep): deeper input is refused before anything recurses into it.
MAX_DEPTH = 64

_STATE_FIELDS = ("fingerprint", "seed", "batch_size", "strategy", "results", "n_told")
_RESULT_FIELDS = ("objective", "cost_s", "metrics", "status", "error")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number_or_none(value: Any) -> bool:
    return value is None or (isinstance(value, (int, float)) and not isinstance(value, bool))


def depth_at_most(value: Any, limit: int) -> bool:
    """Whether ``value`` nests lists and dicts at most ``limit`` deep (without recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (list, dict)):
            if depth > limit:
                return False
            stack.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return True


def _check_state(payload: dict[str, Any]) -> None:
    """Raise ``ValueError`` naming the first field of a state payload that is missing or wrong."""
    missing = [name for name in _STATE_FIELDS if name not in payload]
    if missing:
        raise ValueError(f"the state lacks the fields {missing}")
    if not depth_at_most(payload, MAX_DEPTH):
        raise ValueError(f"the state nests lists and dicts more than {MAX_DEPTH} deep")
    if not isinstance(payload["fingerprint"], str):
        raise ValueError(f"fingerprint must be a string, got {type(payload['fingerprint']).__name__}")
    if payload["seed"] is not None and not (_is_int(payload["seed"]) and payload["seed"] >= 0):
        raise ValueError(f"seed must be null or an integer >= 0, got {payload['seed']!r}")
    if payload["batch_size"] is not None and not (_is_int(payload["batch_size"]) and payload["batch_size"] >= 1):
        raise ValueError(f"batch_size must be null or an integer >= 1, got {payload['batch_size']!r}")
    if payload["strategy"] is not None and not isinstance(payload["strategy"], dict):
        raise ValueError(f"strategy must be null or an object, got {type(payload['strategy']).__name__}")
    results = payload["results"]
    if not isinstance(results, list):
        raise ValueError(f"results must be a list, got {type(results).__name__}")
    for i, pair in enumerate(results):
        if not (isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], str)):
            raise ValueError(f"results[{i}] must be a pair [architecture string, result]")
        problem = _result_problem(pair[1])
        if problem:
            raise ValueError(f"results[{i}] ({pair[0]}): {problem}")
    n_told = payload["n_told"]
    if not (_is_int(n_told) and 0 <= n_told <= len(results)):
        raise ValueError(f"n_told must be an integer from 0 to the {len(results)} results, got {n_told!r}")


def _result_problem(result: Any) -> str | None:
    """What is wrong with the JSON of one result, or None."""
    if not isinstance(result, dict):
        return f"a result must be an object with {list(_RESULT_FIELDS)}"
    missing = [name for name in _RESULT_FIELDS if name not in result]
    if missing:
        return f"the result lacks {missing}"
    for name in ("objective", "cost_s"):
        if not _is_number_or_none(result[name]):
            return f"{name} must be a number or null, got {result[name]!r}"
    metrics = result["metrics"]
    if not isinstance(metrics, dict):
        return "metrics must be an object"
    odd = [name for name, value in metrics.items() if not (_is_number_or_none(value) or isinstance(value, (str, bool)))]
    if odd:
        return f"metrics {odd} must be numbers, text or null"
    if result["status"] not in ("ok", "failed"):
        return f"status must be 'ok' or 'failed', got {result['status']!r}"
    if result["error"] is not None and not isinstance(result["error"], str):
        return "error must be text or null"
    return None


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
    """Strict JSON of a result: NaN and infinities become null.

    Parameters
    ----------
    result : EvaluationResult
        The result to write.

    Returns
    -------
    payload : dict
        Its ``objective``, ``cost_s``, ``metrics``, ``status`` and ``error``, each a value
        that strict JSON allows.
    """
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


def checkpoint_file(checkpoint: str | os.PathLike, fingerprint: str, label: str) -> Path:
    """The file of one search: ``checkpoint`` itself, or inside it when it names a folder.

    A folder (an existing directory, or a path ending with a separator, created then) holds
    one file per search, ``<label>-<fingerprint>.json``, so that searches with other data
    or parameters (the clones of ``cross_val_score`` or ``GridSearchCV``) each write and
    resume their own.

    Parameters
    ----------
    checkpoint : str or path-like
        A file, or a folder to hold one file per search.
    fingerprint : str
        The search's fingerprint (:attr:`SearchState.fingerprint`); its first 20 characters
        name the file inside a folder.
    label : str
        The prefix of the file's name inside a folder (e.g. the estimator's class name).

    Returns
    -------
    path : pathlib.Path
        The checkpoint file of this search.
    """
    text = os.fspath(checkpoint)
    path = Path(text)
    if path.is_dir() or text.endswith(("/", os.sep)):
        path.mkdir(parents=True, exist_ok=True)
        return path / f"{label}-{fingerprint[:20]}.json"
    return path


class Checkpoint:
    """A search's checkpoint file: read, written atomically, and locked while the search runs.

    ``open()`` takes an exclusive lock on a companion file (``.<name>.lock``; POSIX
    ``flock``, released by the system even if the process is killed), so that a second
    search given the same file is refused instead of overwriting the first's work, and
    proves the folder writable before any work is done. Use it as a context manager.

    Parameters
    ----------
    path : str or path-like
        The checkpoint file.
    """

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self._lock = None
        self._write_failed = False

    def open(self) -> "Checkpoint":
        """Lock the file (raises ``ValueError`` when it is in use or cannot be written)."""
        if not self.path.parent.is_dir():
            raise ValueError(f"the folder of checkpoint {str(self.path)!r} does not exist; create it first")
        lock_path = self.path.with_name(f".{self.path.name}.lock")
        try:
            handle = open(lock_path, "a+", encoding="utf-8")
        except OSError as exc:
            raise ValueError(
                f"cannot write checkpoint {str(self.path)!r} ({exc.strerror or exc}); pass a checkpoint "
                "in a folder you can write to, or checkpoint=None"
            ) from None
        if fcntl is not None:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                handle.close()
                raise ValueError(
                    f"checkpoint {str(self.path)!r} is in use by another search that is running; wait "
                    "for it to end, or give this search another checkpoint (a folder gives each search "
                    "its own file)"
                ) from None
        self._lock = handle
        return self

    def close(self) -> None:
        """Release the lock."""
        if self._lock is not None:
            self._lock.close()  # closing the file releases the flock
            self._lock = None

    def __enter__(self) -> "Checkpoint":
        return self.open()

    def __exit__(self, *exc_info) -> None:
        self.close()

    def read(self) -> SearchState | None:
        """The state stored in the file, or None when there is no file."""
        if not self.path.exists():
            return None
        try:
            return SearchState.from_json(json.loads(self.path.read_text(encoding="utf-8")))
        except (ValueError, KeyError, TypeError, UnicodeDecodeError, RecursionError) as exc:
            raise ValueError(
                f"checkpoint {str(self.path)!r} cannot be read as a sknas search state ({exc}); "
                "delete it, or pass another checkpoint path"
            ) from None

    def write(self, state: SearchState, *, strict: bool = False) -> None:
        """Write ``state`` so that the file always holds a whole state, even after a kill.

        The text goes to a temporary file beside it, is flushed to disk, and replaces the
        file in one ``os.replace`` (atomic on POSIX and Windows); a failed write leaves no
        temporary file. A failure raises ``ValueError`` when ``strict`` (the first write,
        before any work), else warns once and the search goes on without saving.

        Parameters
        ----------
        state : SearchState
            The state to store.
        strict : bool, default=False
            Raise ``ValueError`` when the file cannot be written, instead of warning.
        """
        text = json.dumps(state.to_json(), allow_nan=False)
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        try:
            with open(temporary, "w", encoding="utf-8") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, self.path)
        except OSError as exc:
            try:
                temporary.unlink(missing_ok=True)
            except OSError:
                pass  # not ours to remove (e.g. a folder of that name)
            message = (f"cannot write checkpoint {str(self.path)!r} ({exc.strerror or exc}); pass a "
                       "checkpoint in a folder you can write to, or checkpoint=None")
            if strict:
                raise ValueError(message) from None
            if not self._write_failed:
                warnings.warn(message + "; the search goes on without saving", RuntimeWarning, stacklevel=3)
            self._write_failed = True
