"""Every Python snippet of README.md, docs/index.rst and docs/user_guide.rst runs as written.

A user once copied the README's snippet and got a NameError. Here each file's Python blocks
run in order in one namespace, as a reader pasting them one after the other would run them
(a block may use what an earlier block of the same file defined, nothing else), in a
temporary working directory so the files they write land there. The text keeps the
settings users should copy; only the compute is shrunk, by the test: every search fits with
a budget of at most 2, one epoch, a pool of at most 8 candidates (32 under
constraints) and a light DARTS network, and ``evolve_proxy`` runs 2 generations of 50.
"""

import linecache
import re
import textwrap
import traceback
from pathlib import Path

import matplotlib
import pytest

from sknas.search import BaseSearch
from sknas.spaces import DartsSpace

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[1]
DOCS = {"README.md": ROOT / "README.md", "docs/index.rst": ROOT / "docs" / "index.rst",
        "docs/user_guide.rst": ROOT / "docs" / "user_guide.rst"}
#: How many Python blocks each file has at least: fewer means the extraction broke.
MIN_BLOCKS = {"README.md": 4, "docs/index.rst": 1, "docs/user_guide.rst": 4}


def markdown_blocks(text: str) -> list[str]:
    """The bodies of the fenced ```python blocks of a Markdown text, in order."""
    return [m.group(1) for m in re.finditer(r"^```python[ \t]*\n(.*?)^```[ \t]*$", text, re.MULTILINE | re.DOTALL)]


def rst_blocks(text: str) -> list[str]:
    """The bodies of the ``.. code-block:: python`` directives of a reST text, dedented."""
    blocks = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        if re.match(r"^\s*\.\. code-block:: python\s*$", lines[i]):
            indent = len(lines[i]) - len(lines[i].lstrip())
            i += 1
            while i < len(lines) and re.match(r"^\s+:\w[\w-]*:", lines[i]):  # directive options
                i += 1
            body = []
            while i < len(lines) and (not lines[i].strip() or len(lines[i]) - len(lines[i].lstrip()) > indent):
                body.append(lines[i])
                i += 1
            blocks.append(textwrap.dedent("\n".join(body)).strip("\n") + "\n")
        else:
            i += 1
    return blocks


def python_blocks(name: str) -> list[str]:
    text = DOCS[name].read_text(encoding="utf-8")
    return markdown_blocks(text) if name.endswith(".md") else rst_blocks(text)


@pytest.mark.parametrize("name", [*DOCS])
def test_blocks_are_found(name):
    assert len(python_blocks(name)) >= MIN_BLOCKS[name], f"{name}: the extraction found too few python blocks"


def _small_fit(monkeypatch):
    """Make every search fit cheaply, whatever the snippet asked for."""
    fit = BaseSearch.fit

    def small_fit(self, X, y, *args, **kwargs):
        params = self.get_params(deep=False)
        small = {"budget": min(params.get("budget", 2), 2), "epochs": 1, "final_epochs": 1,
                 "n_candidates": min(params.get("n_candidates", 8), 8)}
        small = {key: value for key, value in small.items() if key in params}
        if params.get("constraints"):
            # about 1 cell in 5 meets the snippets' constraints: a pool of 32 holds some (of 200
            # as written, the proxy budget keeps 40 or more)
            small.update(n_candidates=min(params["n_candidates"], 32), proxy_budget=None)
        if params.get("random_state") is None:
            small["random_state"] = 0  # the same search on every run of the test
        if params.get("min_epochs") is not None:  # successive halving needs a rung below epochs
            small.update(epochs=3, min_epochs=1)
        if "generations" in params:  # EvolvedProxySearch: 3 warm-up candidates, a short evolution
            small.update(budget=min(params["budget"], 4), n_warmup=3, generations=2, population_size=50)
        if isinstance(params.get("space"), DartsSpace) or params.get("space") == "darts":
            small["space"] = DartsSpace(layers=3, channels=4)
        self.set_params(**small)
        return fit(self, X, y, *args, **kwargs)

    monkeypatch.setattr(BaseSearch, "fit", small_fit)


def _small_proxy_evolution(monkeypatch):
    """Make ``sknas.proxies.evolve_proxy`` run 2 generations of 50 formulas (20 of 500 as written)."""
    import sknas.proxies

    evolve = sknas.proxies.evolve_proxy

    def small_evolution(*args, **kwargs):
        return evolve(*args, **{**kwargs, "generations": 2, "population_size": 50})

    monkeypatch.setattr(sknas.proxies, "evolve_proxy", small_evolution)


@pytest.mark.parametrize("name", [*DOCS])
def test_python_snippets_run_in_order(name, tmp_path, monkeypatch):
    blocks = python_blocks(name)
    monkeypatch.chdir(tmp_path)
    _small_fit(monkeypatch)
    _small_proxy_evolution(monkeypatch)
    namespace = {"__name__": "__doc_snippets__"}
    client = None
    if name == "README.md":
        # the README runs its search under joblib's dask backend "with a dask.distributed
        # Client": start the one its reader would have
        from dask.distributed import Client

        client = Client(processes=False, n_workers=1, threads_per_worker=1, dashboard_address=None,
                        silence_logs="error")
    try:
        for i, code in enumerate(blocks, start=1):
            where = f"{name} block {i}"
            # register the source so that a traceback shows the snippet's failing line
            linecache.cache[where] = (len(code), None, code.splitlines(keepends=True), where)
            try:
                exec(compile(code, where, "exec"), namespace)  # noqa: S102 (the docs, run as written)
            except Exception as exc:  # noqa: BLE001
                pytest.fail(
                    f"{name}: python block {i} of {len(blocks)} raised {type(exc).__name__}: {exc}\n\n"
                    f"{textwrap.indent(code, '    ')}\n{traceback.format_exc()}",
                    pytrace=False,
                )
    finally:
        if client is not None:
            client.close()
        import matplotlib.pyplot as plt

        plt.close("all")
