"""The search driver: one ask → evaluate → tell loop, its state and checkpoints, and callbacks.

Estimators, the research harness (:mod:`sknas.bench`) and the command line all run
:func:`run_search`, so a benchmark figure measures the loop users run. This package
imports neither the estimators nor the harness.
"""

from ._callbacks import EVENTS, Callback, EarlyStopping, PrintLog, ProgressBar, TimeLimit, default_callbacks, notify
from ._loop import interrupts_deferred, resume, run_search
from ._state import Checkpoint, SearchState, checkpoint_file, result_from_json, result_to_json

__all__ = [
    "EVENTS",
    "Callback",
    "Checkpoint",
    "EarlyStopping",
    "PrintLog",
    "ProgressBar",
    "SearchState",
    "TimeLimit",
    "checkpoint_file",
    "default_callbacks",
    "interrupts_deferred",
    "notify",
    "result_from_json",
    "result_to_json",
    "resume",
    "run_search",
]
