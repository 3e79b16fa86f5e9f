"""What-if: two weight files on one table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr

import healthscore
from healthscore.evidence.diff import compare
from tests.conftest import write_weights

TABLE = pd.DataFrame({
    "customer_id": ["a", "b", "c", "d", "e", "f"],
    "name": ["A", "B", "C", "D", "E", "F"],
    "arr": [100.0, 200, 300, 400, 500, 600],
    "x": [10.0, 40, 60, 90, 80, 20],
    "y": [90.0, 80, 30, 10, 85, 20],
})


def _runs(tmp_path):
    signals = {"x": {"score": {"linear": [0, 100]}}, "y": {"score": {"linear": [0, 100]}}}
    old = write_weights(tmp_path / "old.yaml", {"name": "old", "signals": {
        "x": {**signals["x"], "weight": 3}, "y": {**signals["y"], "weight": 1}}})
    new = write_weights(tmp_path / "new.yaml", {"name": "new", "signals": {
        "x": {**signals["x"], "weight": 1}, "y": {**signals["y"], "weight": 3}}})
    return [healthscore.score_run(TABLE, w, as_of="2026-10-31") for w in (old, new)]


def test_transitions_rank_correlation_and_movers(tmp_path):
    old, new = _runs(tmp_path)
    d = compare(old, new, top=3, outreach_top=2)
    # old = .75x + .25y, new = .25x + .75y
    s_old = 0.75 * TABLE["x"] + 0.25 * TABLE["y"]
    s_new = 0.25 * TABLE["x"] + 0.75 * TABLE["y"]
    np.testing.assert_allclose(old.frame["score"], s_old)
    # a 30 -> 70, b 50 -> 70, c 52.5 -> 37.5, d 70 -> 30, e 81.25 -> 83.75, f 20 -> 20
    expected = pd.DataFrame([[1, 1, 0], [2, 1, 0], [0, 0, 1]],
                            index=["at risk", "watch", "healthy"],
                            columns=["at risk", "watch", "healthy"])
    assert (d.counts.loc[expected.index, expected.columns].to_numpy() ==
            expected.to_numpy()).all()
    assert d.counts.loc["insufficient data"].sum() == 0
    assert d.arr.loc["at risk", "watch"] == 100 and d.arr.loc["watch", "at risk"] == 700
    assert d.spearman == pytest.approx(spearmanr(s_old, s_new).statistic)
    assert d.movers["customer_id"].tolist()[:2] == ["d", "a"]  # |change| 40, then a's 40
    assert d.movers["customer_id"].tolist()[2] == "b"
    top = d.movers.set_index("customer_id")
    assert top.loc["d", "signal"] == "x" and top.loc["d", "signal_change"] == pytest.approx(-45)
    assert top.loc["a", "change"] == pytest.approx(40)


def test_outreach_entering_and_leaving(tmp_path):
    old, new = _runs(tmp_path)
    d = compare(old, new, outreach_top=2)
    # priority (100 - score) x arr; old: f 650*... the top two change from {f, c} to {d, f}
    old_top = (100 - old.frame["score"]) * TABLE["arr"]
    new_top = (100 - new.frame["score"]) * TABLE["arr"]
    was = set(TABLE["customer_id"][old_top.nlargest(2).index])
    now = set(TABLE["customer_id"][new_top.nlargest(2).index])
    assert set(d.entering["customer_id"]) == now - was
    assert set(d.leaving["customer_id"]) == was - now
    assert d.entering.shape[0] == d.leaving.shape[0] == 1
