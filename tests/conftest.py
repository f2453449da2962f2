"""Test-session settings, and the data sets that several test modules share."""

import pytest
import torch
from sklearn.datasets import load_digits, load_iris

# The networks under test are tiny: one intra-op thread is fastest for them, and with
# `pytest -n 2` on two cores, two threads per worker would oversubscribe the cores and
# stall in OpenMP barriers whenever the other worker holds a core.
torch.set_num_threads(1)


@pytest.fixture(scope="module")
def iris():
    return load_iris(return_X_y=True)


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:150], y[:150]
