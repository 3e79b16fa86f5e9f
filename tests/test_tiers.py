"""The one tier rule: `below` is exclusive, and every caller (engine, reports) gets the same
answer from `tier_index` / `tier_at`."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from healthscore.engine.tiers import assign, tier_at, tier_index
from healthscore.weights.model import WeightFile

WF = WeightFile.model_validate({"version": 1, "name": "t",
                                "signals": {"a": {"score": {"linear": [0, 1]}}}})
LIMITS = [t.below for t in WF.tiers[:-1]]  # 50, 75


def test_edges_belong_to_the_tier_above():
    scores = np.array([0, 49.999, 50, 74.99, 75, 100, np.nan])
    assert tier_index(scores, LIMITS).tolist() == [0, 0, 1, 1, 2, 2, -1]
    assert [tier_at(s, LIMITS) for s in scores] == [0, 0, 1, 1, 2, 2, -1]
    assert tier_at(None, LIMITS) == -1 and tier_index([None, 50], LIMITS).tolist() == [-1, 1]
    assert list(assign(scores, WF)) == ["at risk", "at risk", "watch", "watch", "healthy",
                                        "healthy", "insufficient data"]


@given(st.lists(st.one_of(st.none(), st.floats(-10, 110)), max_size=30),
       st.lists(st.floats(0, 100), max_size=4).map(sorted))
def test_scalar_vectorised_and_engine_agree(scores, limits):
    vector = tier_index(scores, limits).tolist()
    assert vector == [tier_at(s, limits) for s in scores]
    tiers = [{"name": f"t{i}", "below": b} for i, b in enumerate(limits)] + [{"name": "top"}]
    if len(set(limits)) == len(limits):  # the weight file wants rising limits
        wf = WeightFile.model_validate({**WF.model_dump(exclude_none=True), "tiers": tiers})
        names = [t.name for t in wf.tiers] + [wf.insufficient.name]
        got = list(assign(np.array(scores, dtype="float64"), wf))
        assert got == [names[i] for i in vector]
