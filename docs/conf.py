"""Sphinx configuration of the sknas documentation.

Build with ``python -m sphinx -W --keep-going -b html docs docs/_build/html`` from the
repository root. Nothing is fetched from the network: there is no intersphinx mapping.
"""

import os
import sys
from pathlib import Path

# The gallery trains networks in this process. One torch thread keeps its running time
# steady on a shared CPU: two OpenMP threads that wait on each other while another job holds
# a core slowed the quick start from 20 s to over 10 minutes. Set before torch is imported;
# an OMP_NUM_THREADS already in the environment wins.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MPLBACKEND", "Agg")

import matplotlib  # noqa: E402

matplotlib.use("Agg")  # the gallery runs headless

# Document the checkout this file belongs to, installed or not.
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sknas  # noqa: E402

project = "sknas"
author = "the sknas developers"
copyright = "the sknas developers, BSD-3-Clause"
release = sknas.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "**.ipynb", "**.py.md5", "**.zip"]
source_suffix = {".rst": "restructuredtext"}
root_doc = "index"

# -- autodoc / autosummary / numpydoc --------------------------------------------------------

autosummary_generate = True
# Inherited members (fit, predict, ask, tell, ...) are listed by the class template.
autodoc_default_options = {"members": True}
autodoc_typehints = "none"  # numpydoc docstrings state the types
# Members are listed by autodoc; numpydoc's own member tables would list them twice.
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
#: Docstrings must document the parameters of the signature, in its order, each with a
#: space before its colon, and describe what they return: with ``-W``, a docstring that
#: drifts from its signature fails the build.
numpydoc_validation_checks = {"PR01", "PR02", "PR03", "PR10", "RT03"}
#: Every documented name is validated (members of torch's and gpytorch's ``Module`` and
#: ``Kernel`` are not documented here; see ``_templates/autosummary/class.rst``).
numpydoc_validation_exclude: set[str] = set()

# -- sphinx-gallery ----------------------------------------------------------------------------

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": "/plot_",
    "matplotlib_animations": False,
    "image_scrapers": ("matplotlib",),
    "download_all_examples": False,
    "remove_config_comments": True,
    # Backreferences feed the "Examples using ..." sections of the API pages.
    "doc_module": ("sknas",),
    "backreferences_dir": "generated/backreferences",
    "reference_url": {"sknas": None},
}

# -- HTML ----------------------------------------------------------------------------------

# Furo: a readable width for prose, and code blocks that scroll instead of being clipped.
html_theme = "furo"
html_title = "sknas"
html_static_path = []


# -- scikit-learn's generated metadata-routing methods ----------------------------------------

#: ``set_fit_request`` and ``set_score_request`` are written by scikit-learn for every estimator
#: whose ``fit``/``score`` take ``sample_weight``; their docstrings point into scikit-learn's own
#: glossary and user guide, which this build cannot resolve. The user guide says how to route
#: ``sample_weight`` (``set_fit_request(sample_weight=True)``).
METADATA_REQUEST_METHODS = {"set_fit_request", "set_score_request", "set_predict_request",
                            "set_predict_proba_request", "set_partial_fit_request"}


def _skip_metadata_requests(app, what, name, obj, skip, options):
    return True if name in METADATA_REQUEST_METHODS else None


def setup(app):
    app.connect("autodoc-skip-member", _skip_metadata_requests)
