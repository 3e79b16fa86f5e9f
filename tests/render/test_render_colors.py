"""Text on tier colours passes WCAG AA for the default tiers and for any colour a user sets."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from healthscore.render.colors import AA, contrast, ink_on, luminance
from healthscore.weights.model import WeightFile


def test_contrast_matches_the_wcag_reference_values():
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#ffffff", "#000") == pytest.approx(21.0)  # order and #rgb do not matter
    assert contrast("#2f9e44", "#2f9e44") == pytest.approx(1.0)
    # the figures the issue measured: white on the default green and red fails AA
    assert contrast("#ffffff", "#2f9e44") == pytest.approx(3.45, abs=0.01)
    assert contrast("#ffffff", "#d64545") == pytest.approx(4.38, abs=0.01)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert luminance("#ffffff") == pytest.approx(1.0) and luminance("#000000") == 0.0


def test_default_tiers_get_an_ink_that_passes_aa():
    wf = WeightFile.model_validate({"version": 1, "name": "t",
                                    "signals": {"a": {"score": {"linear": [0, 1]}}}})
    for tier in [*wf.tiers, wf.insufficient]:
        ink = ink_on(tier.color)
        assert contrast(ink, tier.color) >= AA, (tier.name, tier.color, ink)
    assert ink_on("#2f9e44") != "#ffffff" and ink_on("#d64545") != "#ffffff"


def test_dark_colours_get_white_and_light_ones_dark_ink():
    assert ink_on("#1e3a8a") == "#ffffff"
    assert ink_on("#fde68a") == "#111827"
    assert ink_on("#777777") == "#000000"  # neither page ink reaches 4.5 here; black does


@given(st.tuples(*[st.integers(0, 255)] * 3))
def test_any_colour_gets_an_ink_that_passes_aa(rgb):
    color = "#{:02x}{:02x}{:02x}".format(*rgb)
    assert contrast(ink_on(color), color) >= AA


@pytest.mark.parametrize("bad", ["red", "#12", "#gggggg", ""])
def test_a_malformed_colour_is_an_error_not_a_guess(bad):
    with pytest.raises(ValueError, match="hex colour"):
        ink_on(bad)
