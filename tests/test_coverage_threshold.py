"""Coverage exactly at the minimum counts as enough, whatever the order of addition.

Issue #2: weights 15 + 15 + 10 + 10 present out of 100 is 50 %, not 49.999… %. Floating-point
sums depend on order, so every order of the signals is tried, flat and in nested groups.
"""

from __future__ import annotations

import itertools

import pandas as pd
import pytest

import healthscore
from tests.conftest import write_weights

PRESENT = {"a": 15, "b": 15, "c": 10, "d": 10}
ABSENT = {"e": 20, "f": 30}


def _signals(order, scale):
    return {name: {"score": {"linear": [0, 100]}, "weight": w * scale} for name, w in order}


@pytest.mark.parametrize("scale", [1, 0.01])  # 0.15 + 0.15 + 0.1 + 0.1 is not exact in floats
@pytest.mark.parametrize("order", list(itertools.permutations(
    [*PRESENT.items(), *ABSENT.items()]))[::37])  # 20 of the 720 orders, spread evenly
def test_flat_weights_in_any_order(tmp_path, order, scale):
    weights = write_weights(tmp_path / "w.yaml", {"min_coverage": 0.5,
                                                  "signals": _signals(order, scale)})
    row = {name: 40.0 for name in PRESENT} | {name: None for name in ABSENT}
    frame = healthscore.score(pd.DataFrame([{"customer_id": 1, **row}]), weights)
    assert frame.loc[0, "coverage"] == 0.5
    assert frame.loc[0, "score"] == pytest.approx(40.0)
    assert frame.loc[0, "tier"] == "at risk"


@pytest.mark.parametrize("fractional", [False, True])
def test_nested_groups_reach_exactly_half(tmp_path, fractional):
    """0.3 × (0.5) + 0.7 × (0.5): nested shares that multiply and add to one half."""
    scale = 0.01 if fractional else 1
    weights = write_weights(tmp_path / "w.yaml", {
        "min_coverage": 0.5,
        "groups": {"g1": {"weight": 30 * scale, "signals": ["a", "b"]},
                   "g2": {"weight": 70 * scale, "groups": ["g3"], "signals": ["c"]},
                   "g3": {"weight": 10 * scale, "signals": ["d", "e"]}},
        "signals": {"a": {"score": {"linear": [0, 100]}, "weight": 15 * scale},
                    "b": {"score": {"linear": [0, 100]}, "weight": 15 * scale},
                    "c": {"score": {"linear": [0, 100]}, "weight": 10 * scale},
                    "d": {"score": {"linear": [0, 100]}, "weight": 5 * scale},
                    "e": {"score": {"linear": [0, 100]}, "weight": 5 * scale}}})
    # present: a (half of g1), c (half of g2) → 0.3 × 0.5 + 0.7 × 0.5 = 0.5
    frame = healthscore.score(pd.DataFrame([{"customer_id": 1, "a": 80.0, "b": None,
                                             "c": 20.0, "d": None, "e": None}]), weights)
    assert frame.loc[0, "coverage"] == 0.5
    assert frame.loc[0, "score"] == pytest.approx(0.3 * 80 + 0.7 * 20)
