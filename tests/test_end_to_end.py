"""End to end: the README's first command, run as a user runs it (slow: about a minute)."""

import os
import re
import subprocess
import sys

import pytest


@pytest.mark.slow
def test_demo_finds_an_accurate_network_on_digits():
    # One thread: beside another pytest worker, two would stall each other on two cores.
    # Budget 8 (about 70 s alone, 2 refits) instead of the README's 20 (about 140 s, 3 refits):
    # the same path end to end; the default's figures are measured in benchmarks/real_data.py.
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    completed = subprocess.run(
        [sys.executable, "-m", "sknas", "demo", "--budget", "8"], capture_output=True, text=True, timeout=1200,
        env=env,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    out = completed.stdout
    architecture = re.search(r"best architecture: (\S+)", out).group(1)
    accuracy = float(re.search(r"held-out test accuracy: ([0-9.]+)", out).group(1))
    from sknas.spaces import CellSpace

    assert str(CellSpace().parse(architecture)) == architecture
    # The bar: above SVC, MLPClassifier and HistGradientBoosting on this split.
    assert accuracy >= 0.98, out
    for baseline in ("SVC", "MLPClassifier", "HistGradientBoostingClassifier"):
        assert re.search(rf"^  {baseline} +test accuracy 0\.\d{{4}} ", out, re.MULTILINE), out
