"""Bad inputs and faults against every search estimator: a clear error, a recorded failure, or handled.

Each row is one bad input, setting or fault (the hardening issue's items, and a few that were
already handled); each column one estimator, with tiny settings (budget 2, 1 epoch, a refit of
1 epoch, 6 candidates scored with ``synflow`` and ``nwot``) on the first 60 rows of
scikit-learn's digits as 8×8 images. A cell says what ``fit`` did:

- ``error``: it raised a ``ValueError`` (the message is in the last column);
- ``all failed``: every candidate was recorded as failed, so ``fit`` raised its ``RuntimeError``;
- ``failed k/n``: ``fit`` returned with ``k`` of its ``n`` candidates recorded as failed;
- ``handled``: ``fit`` returned and nothing failed; ``+ warning`` when it warned (the message is
  in the last column); ``SILENT: ...`` when the row's check of the result failed without a
  warning (a wrong result nobody was told of);
- ``CRASH Type``: any other exception;
- ``n/a``: the estimator has no such parameter.

    python benchmarks/robustness.py            # writes robustness.md
    python benchmarks/robustness.py --quick    # prints only
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import torch
from sklearn.datasets import load_digits

from _report import HERE, environment_lines, markdown_table, write_report
from sknas import (
    BOSearch,
    EvolutionSearch,
    EvolvedProxySearch,
    LocalSearch,
    POnasSearch,
    RandomSearch,
    ReinforceSearch,
    RoBoTSearch,
    ZeroCostSearch,
)
from sknas.spaces import MLPSpace

TINY = dict(budget=2, epochs=1, final_epochs=1, image_shape=(8, 8), device="cpu", random_state=0)
PROXIES = dict(n_candidates=6, proxies=("synflow", "nwot"))
ESTIMATORS: dict[str, tuple[type, dict]] = {
    "Random": (RandomSearch, {}),
    "Evolution": (EvolutionSearch, dict(population_size=2, tournament_size=1)),
    "Local": (LocalSearch, dict(n_initial=1)),
    "ZeroCost": (ZeroCostSearch, PROXIES),
    "RoBoT": (RoBoTSearch, PROXIES),
    "BO": (BOSearch, dict(n_candidates=6, n_initial=1)),
    "Reinforce": (ReinforceSearch, {}),
    "EvolvedProxy": (EvolvedProxySearch, dict(PROXIES, n_warmup=3, generations=2, population_size=20)),
    "POnas": (POnasSearch, PROXIES),
}

_X, _Y = load_digits(return_X_y=True)
X60, Y60 = _X[:60], _Y[:60]


class UnlistedMLPSpace(MLPSpace):
    """A space of two MLPs that will not enumerate: pools are drawn by sampling."""

    def __init__(self):
        super().__init__(depths=(1,), widths=(8, 16), activations=("relu",), dropouts=(0.0,), norms=("none",))

    def enumerate(self):
        raise NotImplementedError

    def get_config(self) -> dict:
        return {}


def two_mlps() -> MLPSpace:
    """An enumerable space of two MLPs."""
    return MLPSpace(depths=(1,), widths=(8, 16), activations=("relu",), dropouts=(0.0,), norms=("none",))


@dataclass
class Case:
    """One bad input or fault: estimator parameters, data, and what a handled fit must show."""

    name: str
    item: str
    params: dict = field(default_factory=dict)
    X: np.ndarray = field(default_factory=lambda: X60)
    y: np.ndarray = field(default_factory=lambda: Y60)
    #: the fitted search -> a problem (str) or None; run only when fit returned
    check: Callable[[Any], str | None] | None = None
    #: instead of fit: (fitted control search) -> anything; raises for an error
    action: Callable[[Any], Any] | None = None


def _scaled_inputs_are_usable(search) -> str | None:
    Z = search.input_scaler_.transform(X60 * 1e200)
    if not (np.isfinite(search.input_scaler_.scale_).all() and np.isfinite(Z).all()):
        return "the input scale is not finite"
    return None if Z.std() > 0.5 else f"the scaled inputs are near constant (std {Z.std():.2g})"


def _flagged(search) -> str | None:
    return None if False in search.results_.get("loss_improved", []) else "no candidate flagged as not learning"


def _budget_met(search) -> str | None:
    n = len(search.results_["architecture"])
    return None if n >= search.budget else f"{n} results for budget {search.budget}"


TABULAR = dict(image_shape=None)
CASES = [
    Case("control: ordinary data", "-"),
    Case("`batch_size=1`", "1", dict(batch_size=1)),
    Case("`batch_size=256` > the 48 training rows", "1", dict(batch_size=256)),
    Case("one-sample last batch (`batch_size=47`, 48 training rows)", "1", dict(batch_size=47)),
    Case("X × 1e200 (finite, std overflows)", "2", X=X60 * 1e200, check=_scaled_inputs_are_usable),
    Case("X × 1e307 (near the largest float)", "2", X=X60 * 1e307),
    Case("`device='meta'`", "3", dict(device="meta")),
    Case("`device='mps'` (no Apple GPU)", "3", dict(device="mps")),
    Case("`device='cuda'` without CUDA", "3 (before)", dict(device="cuda")),
    Case("`learning_rate=inf`", "3", dict(learning_rate=float("inf"))),
    Case("`learning_rate=10` (finite loss, no learning)", "3", dict(learning_rate=10.0), check=_flagged),
    Case("`learning_rate=1e3` (outputs overflow)", "3", dict(learning_rate=1e3)),
    Case("`n_candidates=1000`, sampled space of 2", "4", dict(TABULAR, space=UnlistedMLPSpace(), n_candidates=1000)),
    Case("sampled space of 2, `budget=3`", "4", dict(TABULAR, space=UnlistedMLPSpace(), budget=3),
         check=_budget_met),
    Case("`n_jobs='2'`", "8", dict(n_jobs="2")),
    Case("`image_shape=(8.5, 8)`", "8", dict(image_shape=(8.5, 8))),
    Case("`population_size=2.5`", "8", dict(population_size=2.5)),
    Case("one-sample validation split (5 rows)", "8", X=X60[:5], y=np.array([0, 1, 0, 1, 0])),
    Case("space of 2 (enumerable), `budget=3`", "8", dict(TABULAR, space=two_mlps(), budget=3), check=_budget_met),
    Case("NaN in X", "before", X=np.where(np.arange(64) == 5, np.nan, X60)),
    Case("one class in y", "before", y=np.zeros(60, dtype=int)),
    Case("unknown space name", "before", dict(space="conv")),
    Case("malformed architecture string (`space_.parse`)", "before",
         action=lambda search: search.space_.parse("|nor_conv_9x9~0|+|none~0|none~1|+")),
]


def run_cell(cls: type, extra: dict, case: Case, control) -> tuple[str, str, Any]:
    """The outcome of one case on one estimator, its message (or ""), and the fitted search."""
    outcome, message, search = "n/a", "", None
    if all(name in cls().get_params() for name in case.params):
        outcome, message, search = _run(cls, extra, case, control)
    return outcome, message, search


def _run(cls: type, extra: dict, case: Case, control) -> tuple[str, str, Any]:
    params = {**TINY, **extra, **case.params}
    if case.params.get("image_shape", 1) is None:
        params.pop("image_shape")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            if case.action is not None:
                if control is None:
                    return "n/a (control failed)", "", None
                case.action(control)
                search = None
            else:
                search = cls(**params).fit(case.X, case.y)
        except ValueError as exc:
            return "error", first_line(exc), None
        except RuntimeError as exc:
            if "candidate networks failed to train" in str(exc):
                return "all failed", first_line(exc), None
            return f"CRASH {type(exc).__name__}", first_line(exc), None
        except Exception as exc:  # noqa: BLE001 - whatever escapes is what this table reports
            return f"CRASH {type(exc).__name__}", first_line(exc), None
    told = [w for w in caught if issubclass(w.category, (UserWarning, RuntimeWarning))
            and not issubclass(w.category, (DeprecationWarning, FutureWarning))]
    message = " / ".join(dict.fromkeys(first_line(w.message) for w in told))
    if search is None:
        return "handled" + (" + warning" if told else ""), message, None
    failed = search.results_["status"].count("failed")
    if failed:
        return f"failed {failed}/{len(search.results_['status'])}", message, search
    problem = case.check(search) if case.check is not None else None
    if problem and not told:
        return f"SILENT: {problem}", message, search
    return "handled" + (" + warning" if told else ""), message, search


def first_line(message: object) -> str:
    lines = str(message).strip().splitlines()
    text = lines[0] if lines else ""
    return text if len(text) <= 160 else text[:157] + "..."


def category(outcome: str) -> str:
    """The outcome without its details: ``failed 1/2`` → ``failed k/n``, ``CRASH TypeError`` → ``CRASH``."""
    if outcome.startswith("failed "):
        return "failed k/n"
    return outcome.split(":")[0].split(" (")[0] if not outcome.startswith("CRASH") else "CRASH"


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="print only, write nothing")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    environment = environment_lines(sys.argv)
    start = time.perf_counter()
    controls = {}
    rows, outcomes = [], Counter()
    for case in CASES:
        cells, messages = [], Counter()
        for name, (cls, extra) in ESTIMATORS.items():
            outcome, message, search = run_cell(cls, extra, case, controls.get(name))
            if case.name.startswith("control"):
                controls[name] = search
            cells.append(outcome)
            outcomes[category(outcome)] += 1
            if message:
                messages[message] += 1
        shown = "; ".join(f"{m}" + (f" ({k}/{len(ESTIMATORS)})" if k < len(ESTIMATORS) else "")
                          for m, k in messages.most_common(2))
        rows.append([case.item, case.name, *cells, shown])
        print(f"{case.name}: {cells}", file=sys.stderr, flush=True)
    elapsed = time.perf_counter() - start
    summary = ", ".join(f"`{k}` {v}" for k, v in sorted(outcomes.items(), key=lambda kv: -kv[1]))
    text = "\n".join([
        "# Robustness: bad inputs and faults against every estimator",
        "",
        *environment,
        "",
        ("Each estimator with `budget=2, epochs=1, final_epochs=1, image_shape=(8, 8), device='cpu'`, "
        "`n_candidates=6, proxies=('synflow', 'nwot')` where it takes them, on the first 60 rows "
        "of digits (tabular rows in the MLP-space rows). `error`: a `ValueError` (its first line "
        "in the last column; two most common messages, with how many estimators gave each when "
        "not all); `all failed`: every candidate recorded as failed; `handled`: `fit` returned "
        "(`+ warning`: with a warning, shown in the last column); `SILENT`: a wrong result "
        "without a warning; `CRASH`: any other exception; `n/a`: no such parameter. Item: of "
        "the hardening issue (`before`: handled before it)."),
        "",
        markdown_table(["item", "input or fault", *ESTIMATORS, "message"], rows,
                       "ll" + "l" * len(ESTIMATORS) + "l"),
        "",
        f"Cells: {summary}. Run time {elapsed:.0f} s.",
    ])
    write_report(text, None if args.quick else HERE / "robustness.md")


if __name__ == "__main__":
    main(sys.argv[1:])
