"""scikit-learn's full ``check_estimator`` on every sknas estimator, as a classifier and a regressor.

The test suite runs the full list on one estimator per family and a subset on the others
(``tests/test_common.py``); this script runs every check on all of them, with the tiny
settings of the tests, and writes ``check_estimator.md``: per estimator and task, how many
checks pass, fail, are skipped and are expected to fail, and which (with the reason).

    python benchmarks/check_estimator.py
"""

from __future__ import annotations

import collections
import sys
import time
import warnings

from _report import HERE, environment_lines, markdown_table, write_report
from sklearn.utils.estimator_checks import check_estimator

sys.path.insert(0, str(HERE.parent / "tests"))
from test_common import CLASSES, EXPECTED_FAILURES, SMALL  # noqa: E402


def main() -> None:
    start = time.perf_counter()
    rows, notes = [], collections.defaultdict(set)
    for cls, options in CLASSES:
        for task in ("auto", "regression"):
            estimator = cls(task=task, **SMALL, **options)
            t = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                results = check_estimator(estimator, on_fail=None, expected_failed_checks=EXPECTED_FAILURES)
            counts = collections.Counter(r["status"] for r in results)
            for r in results:
                if r["status"] != "passed":
                    reason = (r.get("expected_to_fail_reason") if r["status"] == "xfail"
                              else r.get("exception")) or ""
                    notes[(r["check_name"], r["status"])].add(str(reason).splitlines()[0][:160] if reason else "")
            rows.append([cls.__name__, task, counts["passed"], counts["failed"], counts["skipped"],
                         counts["xfail"], f"{time.perf_counter() - t:.0f}"])
            print(cls.__name__, task, dict(counts), file=sys.stderr, flush=True)
    lines = [
        "# scikit-learn's check_estimator on every estimator",
        "",
        *environment_lines(sys.argv),
        f"- wall time: {time.perf_counter() - start:.0f} s",
        "",
        "Settings: those of `tests/test_common.py` (budget 2, 1 epoch per candidate, 10 for the refit). "
        "`task=\"auto\"` is a classifier (every classifier check runs), `task=\"regression\"` a regressor.",
        "",
        markdown_table(["estimator", "task", "passed", "failed", "skipped", "xfail", "seconds"], rows,
                       "llrrrrr"),
        "",
        "## Checks that did not pass",
        "",
        markdown_table(["check", "status", "reason"],
                       [[name, status, "; ".join(sorted(reasons))] for (name, status), reasons in sorted(notes.items())],
                       "lll"),
    ]
    write_report("\n".join(lines), HERE / "check_estimator.md")


if __name__ == "__main__":
    main()
