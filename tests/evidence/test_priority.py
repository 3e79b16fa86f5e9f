"""`priority: expected_loss`: the backtested probability of the score's band × ARR."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

import healthscore
from healthscore.engine.priority import band_probability
from tests.conftest import write_weights

LOSS = {"expected_loss": {"horizon": "90d", "bands": [
    {"below": 50, "p": 0.4}, {"below": 75, "p": 0.1}, {"p": 0.01}]}}


def test_priority_is_band_probability_times_arr(tmp_path):
    w = write_weights(tmp_path / "w.yaml", {"priority": LOSS,
                                            "signals": {"h": {"score": {"linear": [0, 100]}}}})
    table = pd.DataFrame({"customer_id": list("abcde"), "arr": [1e6, 5e4, 2e5, 3e5, 8e5],
                          "h": [76, 30, 49.99, 50, np.nan]})
    out = healthscore.score(table, w).set_index("customer_id")
    assert out["priority"].to_dict() == pytest.approx(
        {"a": 0.01 * 1e6, "b": 0.4 * 5e4, "c": 0.4 * 2e5, "d": 0.1 * 3e5, "e": np.nan},
        nan_ok=True)
    # (100 - score) x ARR put the big healthy account (76) first; the expected loss third
    order = out["priority"].sort_values(ascending=False).index.tolist()
    assert order[:3] == ["c", "d", "b"]


def test_band_edges_belong_to_the_band_above():
    from healthscore.weights.model import ExpectedLoss

    spec = ExpectedLoss.model_validate(LOSS["expected_loss"])
    p = band_probability(np.array([0, 49.999, 50, 74.9, 75, 100, np.nan]), spec)
    np.testing.assert_array_equal(p, [0.4, 0.4, 0.1, 0.1, 0.01, 0.01, np.nan])


@pytest.mark.parametrize("bands, message", [
    ([{"below": 50, "p": 0.4}, {"below": 75, "p": 0.1}], "the last band must have no `below`"),
    ([{"below": 75, "p": 0.4}, {"below": 50, "p": 0.1}, {"p": 0}], "band limits must increase"),
    ([{"p": 1.5}], r"w.yaml:7: priority.expected_loss.bands\[0\].p: must be <= 1; found 1.5"),
])
def test_bad_bands_are_named(tmp_path, bands, message):
    w = write_weights(tmp_path / "w.yaml", {
        "priority": {"expected_loss": {"horizon": "90d", "bands": bands}},
        "signals": {"h": {"score": {"linear": [0, 100]}}}})
    with pytest.raises(healthscore.WeightFileError, match=message):
        healthscore.load_weights(w)


def test_outreach_pages_show_expected_loss_in_currency(tmp_path):
    w = write_weights(tmp_path / "w.yaml", {"priority": LOSS,
                                            "signals": {"h": {"score": {"linear": [0, 100]}}}})
    table = pd.DataFrame({"customer_id": ["a", "b", "c"], "name": ["Big", "Small", "Mid"],
                          "arr": [1e6, 5e4, 3e5], "h": [76, 30, 60]})
    run = healthscore.score_run(table, w, as_of="2026-10-31")
    healthscore.render_run(run, tmp_path / "r", jobs=1)
    html = (tmp_path / "r" / "outreach" / "index.html").read_text()
    cells = re.findall(r'<td class="num prio" data-v="([\d.]+)">([^<]*)</td>', html)
    # whole currency units: enough digits to see the order
    assert cells == [("30000.0", "$30,000"), ("20000.0", "$20,000")]  # Mid, then Small
    assert "the ARR likely lost within 90d" in html
