"""The one band rule (`engine/bands.py`): a value is in the first band whose `below` it is
under, `below` exclusive; the vectorised and the scalar form give the same answer, and every
band user (score rules, tiers, expected loss, the sentences) answers with it."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from healthscore.engine.bands import band_at, band_index
from healthscore.engine.normalise import bands as score_bands
from healthscore.engine.wording import explain
from healthscore.weights.model import ScoreRule

VALUES = st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True))


def _first_band_under(value: float | None, limits: list[float]) -> int:
    """The rule as the docs word it, one band at a time."""
    if value is None or value != value:
        return -1
    value = min(max(value, -np.finfo("float64").max), np.finfo("float64").max)
    for i, below in enumerate(limits):
        if value < below:
            return i
    return len(limits)


@given(st.lists(VALUES, max_size=30),
       st.lists(st.floats(-1e6, 1e6), max_size=5, unique=True).map(sorted))
def test_vector_scalar_and_the_worded_rule_agree(values, limits):
    want = [_first_band_under(v, limits) for v in values]
    assert band_index(values, limits).tolist() == want
    assert [band_at(v, limits) for v in values] == want


def test_below_is_exclusive_and_missing_is_named_by_the_caller():
    limits = [50.0, None]  # None: the open end of the last band, left out
    assert band_index([49.99, 50, np.nan], limits).tolist() == [0, 1, -1]
    assert band_index([np.nan, 50], limits, missing=7).tolist() == [7, 1]
    assert band_index(np.inf, [10, np.inf]).item() == 1  # clipped: not "at or above" +inf
    assert band_at(50, limits) == 1 and band_at(None, limits) == -1


def test_score_rule_and_sentence_use_the_same_band():
    rule = ScoreRule.model_validate({"bands": [[10, 0], [20, 50], {"score": 100}]})
    assert score_bands(np.array([9.99, 10, 19.99, 20, np.nan]), rule).tolist()[:4] == [
        0, 50, 50, 100]
    assert explain("Logins", None, 10, 50.0, "ok", rule).startswith(
        "Logins of 10 is between 10 and 20")
    assert explain("Logins", None, 20, 100.0, "ok", rule).startswith("Logins of 20 is 20 or more")
