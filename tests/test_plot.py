"""Tests of sknas.plot_search (sknas/search/_plot.py)."""

from __future__ import annotations

import warnings

import pytest

import sknas
from sknas import RandomSearch
from sknas.spaces import MLPSpace

from test_search import TINY


# -- plot ----------------------------------------------------------------------------------


def test_plot_search_draws_every_evaluation_and_the_best_so_far(iris):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    class BrokenSecond(MLPSpace):
        def build(self, arch, input_shape, n_outputs):
            if arch.widths[0] == 16:
                raise RuntimeError("broken")
            return super().build(arch, input_shape, n_outputs)

    search = RandomSearch(**dict(TINY, budget=2), space=BrokenSecond(widths=(8, 16), depths=(1,), activations=("relu",),
                                                          dropouts=(0.0,), norms=("none",)),
                          random_state=0).fit(*iris)
    fig, ax = plt.subplots()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert sknas.plot_search(search, ax=ax) is ax
    candidates, failed = ax.collections
    assert len(candidates.get_offsets()) == 1 and len(failed.get_offsets()) == 1
    best = ax.lines[0].get_ydata()
    assert max(best) == search.best_score_
    plt.close(fig)
