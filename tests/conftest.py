"""Test-session settings."""

import torch

# The networks under test are tiny: one intra-op thread is fastest for them, and with
# `pytest -n 2` on two cores, two threads per worker would oversubscribe the cores and
# stall in OpenMP barriers whenever the other worker holds a core.
torch.set_num_threads(1)
