"""Plain-words explanations and number formatting, from the rules the engine applied."""

from __future__ import annotations

from healthscore.engine.wording import explain, fmt_number, fmt_raw
from healthscore.render.env import money, pct, score, signed
from healthscore.weights.model import ScoreRule
from healthscore.weights.profiles import build_profiles


def rule(**kw) -> ScoreRule:
    return ScoreRule(**kw)


def test_linear_floor_ceiling_and_between():
    nps = rule(linear=(0, 60))
    assert explain("NPS", None, -20.0, 0.0, "ok", nps) == "NPS of -20 is below the 0 floor"
    assert explain("NPS", None, 0.0, 0.0, "ok", nps) == "NPS of 0 is at the 0 floor"
    assert explain("NPS", None, 75.0, 100.0, "ok", nps) == "NPS of 75 meets the 60 target"
    assert explain("NPS", None, 30.0, 50.0, "ok", nps) == "NPS of 30 scores 50: 0 at 0, 100 at 60"
    tickets = rule(linear=(8, 0))  # lower is better
    assert explain("Open tickets", None, 12.0, 0.0, "ok", tickets) == \
        "Open tickets of 12 is above the 8 ceiling"
    assert explain("Open tickets", None, 0.0, 100.0, "ok", tickets) == \
        "Open tickets of 0 meets the 0 target"


def test_units_and_ratios():
    assert explain("CSAT", "%", 55.0, 0.0, "ok", rule(linear=(60, 95))) == \
        "CSAT of 55% is below the 60% floor"
    assert fmt_raw(0.453, "ratio") == "45.3%"
    assert fmt_raw(36.666, "hours") == "36.7 hours"
    assert fmt_raw(None, "days") == "—"
    assert fmt_raw(float("nan"), "days") == "—"
    assert fmt_raw(True, None) == "yes"
    assert fmt_number(-0.0) == "0"
    assert fmt_number(1234567.0) == "1,234,567"


def test_bands_map_percentile():
    bands = rule(bands=[{"below": 30, "score": 20}, {"below": 90, "score": 60}, {"score": 100}])
    assert explain("Renewal", "days", 12.0, 20.0, "ok", bands) == \
        "Renewal of 12 days is under 30 days (score 20)"
    assert explain("Renewal", "days", 45.0, 60.0, "ok", bands) == \
        "Renewal of 45 days is between 30 days and 90 days (score 60)"
    assert explain("Renewal", "days", 200.0, 100.0, "ok", bands) == \
        "Renewal of 200 days is 90 days or more (score 100)"
    plan = rule(map={"gold": 100, "basic": 40}, default=10)
    assert explain("Plan", None, "gold", 100.0, "ok", plan) == "Plan is “gold” (score 100)"
    assert "not a listed value" in explain("Plan", None, "free", 10.0, "ok", plan)
    pr = rule(percentile="segment", lower_is_better=True)
    assert explain("Seats", None, 12.0, 23.0, "ok", pr) == \
        "Seats of 12 ranks at the 23rd percentile of the segment, lower is better"


def test_status_words():
    r = rule(linear=(0, 1))
    assert explain("NPS", None, None, None, "missing", r) == "No NPS data"
    assert explain("NPS", None, 10.0, None, "stale", r, "180d") == \
        "NPS data is older than 180d, so it was not used"
    assert "after the as-of date" in explain("NPS", None, 1.0, None, "future", r)
    assert explain("CES", None, None, None, "off", r) == "CES is not used for this segment"


def test_display_filters():
    assert money(950) == "$950"
    assert money(12_340) == "$12.3k"
    assert money(444_400) == "$444k"
    assert money(999_999) == "$1.0M"
    assert money(4_120_000, "€") == "€4.1M"
    assert money(None) == "—"
    assert pct(0.833) == "83%"
    assert score(-0.0) == "0" and score(61.72655) == "61"
    # truncated, never rounded up into the next tier: 49.93 is "at risk", so it shows 49
    assert score(49.93) == "49" and score(74.999) == "74" and score(75.0) == "75"
    assert score(58 - 1e-12) == "58"  # float noise is not truncated away
    assert signed(4.24) == "+4.2" and signed(-3.0) == "−3.0" and signed(0.01) == "0.0"


def test_precomputed_explainer_says_the_same():
    import numpy as np

    from healthscore.engine.wording import explainer

    for bounds in ((0, 60), (8, 0), (-20, 60), (0.2, 0.8)):
        r = rule(linear=bounds)
        for unit in (None, "%", "ratio", "days"):
            fast = explainer("X", unit, r, "90d")
            for raw in [*np.linspace(min(bounds) - 5, max(bounds) + 5, 23), None,
                        float(bounds[0]), float(bounds[1])]:
                for status in ("ok", "missing", "stale", "off"):
                    score = None if raw is None else 42.0
                    assert fast(raw, score, status) == \
                        explain("X", unit, raw, score, status, r, "90d")


def test_markdown_cells_keep_data_as_text():
    from healthscore.render.env import md_cell

    assert md_cell("[click](http://evil)") == "\\[click\\](http://evil)"
    assert md_cell("a|b\nc") == "a\\|b c"
    assert md_cell("<img src=x>") == "&lt;img src=x&gt;"
    assert md_cell("*bold* _it_ `code`") == "\\*bold\\* \\_it\\_ \\`code\\`"
    assert md_cell(None) == ""


# --- the vectorised `reasons` word each driver exactly as the scorecard does -----------------

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import healthscore  # noqa: E402
from healthscore.engine.wording import display_label  # noqa: E402

MIXED = {
    "version": 1, "name": "mixed", "missing": "neutral", "min_coverage": 0,
    "signals": {
        "usage": {"unit": "ratio", "score": {"linear": [0.2, 0.8]}, "weight": 3},
        "tickets": {"score": {"linear": [8, 0]}, "weight": 2},
        "renewal_days": {"unit": "days", "weight": 2,
                         "score": {"bands": [[30, 20], [90, 60], [None, 100]]}},
        "plan": {"score": {"map": {"gold": 100, "silver": 60}, "default": 20}},
        "nps": {"score": {"linear": [-20, 60]}, "missing": "zero"},
        "flag": {"score": {"map": {0: 0, 1: 100}, "default": 0}},
    },
}


@pytest.fixture(scope="module")
def mixed_weights(tmp_path_factory):
    import yaml

    path = tmp_path_factory.mktemp("w") / "mixed.yaml"
    path.write_text(yaml.safe_dump(MIXED))
    return healthscore.load_weights(path)


# values that collide often: the bounds, and pairs that look alike but are not (they round
# apart, or together), so sentences are grouped and a wrong grouping shows
values = st.one_of(st.just(np.nan), st.floats(-50, 1200, allow_nan=False), st.sampled_from(
    [0.2, 0.8, 8.0, 0.0, 30.0, 90.0, -20.0, 60.0, 0.505, 0.5051, 0.5049, 9.995, 9.994, 9.996,
     10.04, 10.06, 99.95, 99.94, 1234.4, 1234.6, 0.33333, 0.3334, 4.0, 4.004, 4.006,
     0.5005, 0.50051, 0.50049, 1.0, 0.001]))


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(st.tuples(values, values, values, values,
                               st.sampled_from(["gold", "silver", "iron", " Gold", None]),
                               st.sampled_from([0.0, 1.0, 0.001, np.nan])),
                     min_size=1, max_size=40))
def test_reasons_are_the_scorecard_sentences(mixed_weights, rows):
    frame = pd.DataFrame(rows, columns=["usage", "tickets", "renewal_days", "nps", "plan",
                                        "flag"])
    frame.insert(0, "customer_id", [f"c{i}" for i in range(len(frame))])
    scored = healthscore.score(frame, mixed_weights, as_of="2026-10-31")
    profile = build_profiles(mixed_weights)[0]
    for _, row in scored.iterrows():
        expected = []
        for slot in ("driver_1", "driver_2", "driver_3"):
            key = row[slot]
            if not isinstance(key, str):
                continue
            spec = profile.signals[key]
            raw = row[f"{key}.raw"]
            raw = None if raw is None or (isinstance(raw, float) and np.isnan(raw)) else raw
            score = row[f"{key}.score"]
            expected.append(explain(display_label(mixed_weights, key), spec.unit, raw,
                                    None if np.isnan(score) else float(score),
                                    str(row[f"{key}.status"]), spec.score, spec.max_age))
        assert row["reasons"] == "; ".join(expected)


def test_values_alike_only_when_shown_as_percentages_are_worded_apart(mixed_weights):
    """0.5005 and 0.50051 round alike as fractions but not as the percentages shown (50% and
    50.1%): grouping must use the shown value."""
    frame = pd.DataFrame({"customer_id": ["a", "b"], "usage": [0.5005, 0.50051],
                          "tickets": 0.0, "renewal_days": 400.0, "nps": 60.0, "plan": "gold",
                          "flag": 1.0})
    reasons = healthscore.score(frame, mixed_weights, as_of="2026-10-31")["reasons"].tolist()
    assert reasons == ["Usage of 50% scores 50: 0 at 20%, 100 at 80%",
                       "Usage of 50.1% scores 50: 0 at 20%, 100 at 80%"]
