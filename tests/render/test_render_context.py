"""The template context: trends from history, portfolio numbers, and the documented contract."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from healthscore.render import context as ctx
from healthscore.render.api import run_info
from healthscore.render.build import customer_summaries, scorecard_contexts
from healthscore.render.docs import MODELS, render_docs
from healthscore.render.history import make_trend, month_before, past_points
from healthscore.render.meta import read_meta
from healthscore.render.names import safe_stems
from healthscore.render.portfolio import portfolio_context

DOCS = Path(__file__).resolve().parents[2] / "docs" / "templates.md"
AS_OF = date(2026, 11, 1)
COLORS = {"at risk": "#d64545", "watch": "#e8a317", "healthy": "#2f9e44"}


def test_month_before_clips_to_month_end():
    assert month_before(date(2026, 3, 31)) == date(2026, 2, 28)
    assert month_before(date(2028, 3, 31)) == date(2028, 2, 29)
    assert month_before(date(2026, 1, 15)) == date(2025, 12, 15)


def hand_history() -> pd.DataFrame:
    rows = [
        ("A", "2025-10-01", 10.0, "at risk"),   # older than 12 months: dropped
        ("A", "2026-06-01", 40.0, "at risk"),
        ("A", "2026-10-01", 55.0, "watch"),     # exactly one month before: month_ago
        ("A", "2026-10-20", 58.0, "watch"),     # latest earlier run: previous
        ("A", "2026-11-01", 99.0, "healthy"),   # same day as the run: the run wins
        ("A", "2026-12-01", 99.0, "healthy"),   # after as-of: ignored
        ("B", "2026-10-15", 70.0, "old tier"),  # less than a month ago only
        ("C", "2026-09-01", None, "insufficient data"),
    ]
    return pd.DataFrame(rows, columns=["customer_id", "as_of", "score", "tier"])


def test_trend_from_hand_made_history():
    past = past_points(hand_history(), AS_OF, COLORS)
    assert [p.as_of for p in past["A"]] == [date(2026, 6, 1), date(2026, 10, 1),
                                           date(2026, 10, 20)]
    now = ctx.TrendPoint(as_of=AS_OF, score=62.5, tier="watch", tier_color="#e8a317")
    trend = make_trend(past["A"], now)
    assert trend.points[-1] == now and len(trend.points) == 4
    assert trend.month_ago.as_of == date(2026, 10, 1)
    # changes are between shown scores (whole points, truncated): 62 − 55, 62 − 58
    assert trend.change_month == 7
    assert trend.previous.score == 58.0
    assert trend.change_since_previous == 4

    b = make_trend(past["B"], now)
    assert b.month_ago is None and b.change_month is None
    assert b.change_since_previous == -8
    assert past["B"][0].tier_color == "#9ca3af"  # a tier no longer configured: grey
    c = make_trend(past["C"], now)
    assert c.month_ago.score is None and c.change_month is None


def test_history_needs_its_columns():
    from healthscore.errors import DataError

    with pytest.raises(DataError, match="tier"):
        past_points(pd.DataFrame({"customer_id": ["A"], "as_of": [AS_OF], "score": [1.0]}),
                    AS_OF, COLORS)


def _contexts(run, history=None):
    meta = read_meta(run)
    past = past_points(history, run.as_of, meta.tier_colors)
    stems = safe_stems(run.frame["customer_id"])
    summaries = customer_summaries(run.frame, meta, stems, past, run.as_of)
    info = run_info(meta, run.as_of, len(run.frame), history is not None)
    return meta, past, summaries, info


def test_scorecard_numbers_match_the_frame(run):
    meta, past, summaries, info = _contexts(run)
    cards = list(scorecard_contexts(run.frame, summaries, meta, info, past))
    assert len(cards) == len(run.frame)
    for card, (_, row) in zip(cards, run.frame.iterrows(), strict=True):
        assert card.customer.customer_id == str(row["customer_id"])
        assert card.trend is None
        if pd.isna(row["score"]):
            assert card.customer.score is None and not card.customer.scored
            continue
        assert card.customer.score == row["score"]
        points = sum(s.points or 0.0 for s in card.signals)
        assert points == pytest.approx(row["score"], abs=1e-9)  # the points add up to the score
        assert sum(g.points or 0.0 for g in card.groups) == pytest.approx(row["score"])
        for s in card.signals:
            assert s.weight == pytest.approx(row[f"{s.key}.weight"])
            assert s.status == row[f"{s.key}.status"]
        assert [d.key for d in card.drivers] == [row[c] for c in ("driver_1", "driver_2",
                                                                  "driver_3")
                                                 if isinstance(row[c], str) and row[c]]


def test_segment_rule_is_used_for_explanations(run):
    meta, past, summaries, info = _contexts(run)
    cards = list(scorecard_contexts(run.frame, summaries, meta, info, past))
    ent = next(c for c in cards if c.customer.profile == "enterprise"
               and next(s for s in c.signals if s.key == "csat").status == "ok")
    csat = next(s for s in ent.signals if s.key == "csat")
    assert "70%" in csat.explanation or "98%" in csat.explanation  # enterprise bounds
    smb = next(c for c in cards if c.customer.profile == "smb")
    assert next(s for s in smb.signals if s.key == "ces").status == "off"


def test_portfolio_numbers(run, history):
    meta, past, summaries, info = _contexts(run, history)
    p = portfolio_context(info, summaries, past, "outreach/index.html", tier_totals=run.tiers)
    frame = run.frame
    assert p.totals.customers == len(frame)
    assert p.totals.scored == int(frame["score"].notna().sum())
    assert p.totals.arr == pytest.approx(frame["arr"].sum())
    for t in p.tiers:
        members = frame[frame["tier"] == t.tier.name]
        assert t.count == len(members)
        assert t.arr == pytest.approx(members["arr"].sum())
    assert sum(b.count for b in p.histogram) == p.totals.scored
    scores = frame["score"].dropna()
    assert p.histogram[0].count == int((scores < 10).sum())
    assert p.histogram[-1].count == int((scores >= 90).sum())
    # each bar split by the engine's tiers: the 70–80 bar holds watch and healthy customers
    for b in p.histogram:
        assert sum(part.count for part in b.parts) == b.count
        inside = frame[(frame["score"] >= b.lo) & ((frame["score"] < b.hi) | (b.hi == 100))]
        assert {part.tier: part.count for part in b.parts} == \
            inside["tier"].astype(str).value_counts().to_dict()
    seventy = {part.tier for part in p.histogram[7].parts}
    assert seventy <= {"watch", "healthy"} and len(seventy) == 2
    weighted = (frame["score"] * frame["arr"]).sum() / frame.loc[scores.index, "arr"].sum()
    assert p.totals.arr_weighted_score == pytest.approx(weighted)
    # "ARR at risk": the ARR of the lowest tier, the same figure the terminal prints
    lowest = run.weights.tiers[0].name
    assert p.totals.arr_at_risk == pytest.approx(frame.loc[frame["tier"] == lowest, "arr"].sum())
    changes = [c.change for c in summaries if c.change is not None]
    assert p.movers_down[0].change == min(changes)
    assert p.movers_up[0].change == max(changes)
    assert [c.score for c in p.customers if c.score is not None] == sorted(scores)


def test_every_context_field_is_documented():
    for model in MODELS:
        for name, field in model.model_fields.items():
            assert field.description, f"{model.__name__}.{name} has no description"


def test_docs_match_the_models():
    assert DOCS.read_text(encoding="utf-8") == render_docs(), (
        "docs/templates.md is out of date: python -m healthscore.render.docs > "
        "docs/templates.md")


def test_parent_accounts_from_rollups(run, rendered):
    from healthscore.render.portfolio import parent_views

    meta, past, summaries, info = _contexts(run)
    parents = {p.parent_id: p for p in parent_views(run.rollups, summaries, meta.tier_colors)}
    assert set(parents) == {"C1020", "P-GLOBAL"}
    kids = run.frame[run.frame["parent_id"] == "P-GLOBAL"]
    assert parents["P-GLOBAL"].children == len(kids)
    assert parents["P-GLOBAL"].arr == pytest.approx(kids["arr"].sum())
    scored = kids[kids["score"].notna()]
    expected = (scored["score"] * scored["arr"]).sum() / scored["arr"].sum()
    assert parents["P-GLOBAL"].score == pytest.approx(expected)  # ARR-weighted roll-up
    assert parents["P-GLOBAL"].href is None
    assert parents["C1020"].href == next(c.href for c in summaries if c.customer_id == "C1020")
    html = rendered.portfolio.read_text(encoding="utf-8")
    assert "Parent accounts" in html and "P-GLOBAL" in html
    child = next(c for c in summaries if c.parent_id == "P-GLOBAL")
    card = (rendered.out_dir / child.href).read_text(encoding="utf-8")
    assert "part of P-GLOBAL" in card


def test_docs_example_template_renders(run, history, tmp_path):
    import re

    from healthscore.render import render_run

    example = re.search(r"```jinja\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.S).group(1)
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "scorecard.md.j2").write_text(example, encoding="utf-8")
    result = render_run(run, tmp_path / "out", template_dir=mine, history=history, jobs=1)
    row = run.frame[run.frame["score"].notna()].iloc[5]  # (row 0 is the <script> name)
    from healthscore.render import safe_stem

    md = (result.out_dir / "customers" / f"{safe_stem(row['customer_id'])}.md").read_text()
    assert md.startswith(f"{row['name']}: {row['score']:.0f}/100 ({row['tier']})")
    assert "Since last month: " in md


def test_owner_summaries(run):
    from healthscore.render.portfolio import owner_summaries

    meta, past, summaries, info = _contexts(run)
    books = {o.owner: o for o in owner_summaries(summaries, "at risk")}
    frame = run.frame
    ann = frame[frame["owner"] == "Ann Lee"]
    assert books["Ann Lee"].customers == len(ann)
    assert books["Ann Lee"].arr == pytest.approx(ann["arr"].sum())
    at_risk = ann[ann["tier"] == "at risk"]
    assert books["Ann Lee"].lowest_tier == len(at_risk)
    assert books["Ann Lee"].arr_lowest_tier == pytest.approx(at_risk["arr"].sum())
    assert books["Ann Lee"].mean_score == pytest.approx(ann["score"].mean())
    exposure = [o.arr_lowest_tier for o in owner_summaries(summaries, "at risk")]
    assert exposure == sorted(exposure, reverse=True)
    only = owner_summaries(summaries, "at risk", listed={"Ann Lee"})
    assert [o.owner for o in only if o.outreach_href] == ["Ann Lee"]
