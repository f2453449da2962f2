"""The estimators' shared docstring sections: filled in, and loud when a name is wrong."""

from __future__ import annotations

import pytest

import sknas
from sknas.search._docstrings import fill_doc

NAMES = ["BOSearch", "EvolutionSearch", "EvolvedProxySearch", "LocalSearch", "POnasSearch",
         "RandomSearch", "ReinforceSearch", "RoBoTSearch", "ZeroCostSearch"]


@pytest.mark.parametrize("name", NAMES)
def test_every_placeholder_is_filled(name):
    doc = getattr(sknas, name).__doc__
    assert "%(" not in doc
    assert "budget : int, default=20" in doc and "best_architecture_ : Architecture" in doc


def test_a_misspelt_placeholder_raises_at_definition():
    with pytest.raises(ValueError, match=r"placeholders without a section \['common_parameter'\]"):
        @fill_doc()
        class Misspelt:
            """Parameters
            ----------
            %(common_parameter)s
            """


def test_a_section_without_its_placeholder_raises():
    with pytest.raises(ValueError, match=r"sections without a placeholder \['hardware_parameters'\]"):
        @fill_doc(hardware_parameters="    objectives : tuple")
        class Forgotten:
            """%(common_parameters)s"""


def test_fill_doc_fills_the_sections_given():
    @fill_doc(extra="    more : int")
    class Filled:
        """%(common_attributes)s
%(extra)s"""

    assert "more : int" in Filled.__doc__ and "best_score_ : float" in Filled.__doc__
