"""Inline SVG helpers: the shapes follow the numbers, and text in them is escaped."""

from __future__ import annotations

import re
from datetime import date

import pytest

from healthscore.render.colors import ink_on
from healthscore.render.context import HistogramBin, HistogramPart, TierInfo, TrendPoint
from healthscore.render.svg import (
    bar,
    gauge,
    histogram,
    histogram_text,
    score_color,
    stacked_bar,
    trend_chart,
)

TIERS = [TierInfo(name="at risk", color="#d64545", below=50, rank=0),
         TierInfo(name="watch", color="#e8a317", below=75, rank=1),
         TierInfo(name="healthy", color="#2f9e44", below=None, rank=2)]


def pt(month: int, score: float | None, tier: str = "watch") -> TrendPoint:
    return TrendPoint(as_of=date(2026, month, 1), score=score, tier=tier, tier_color="#e8a317")


def test_trend_breaks_the_line_where_a_run_had_no_score():
    svg = trend_chart([pt(5, 40), pt(6, 45), pt(7, None), pt(8, 60), pt(9, 70)], TIERS)
    lines = re.findall(r'<polyline points="([^"]+)"', svg)
    assert [len(x.split()) for x in lines] == [2, 2]
    assert svg.count("<circle") == 4
    assert "May 2026" in svg and "Sep 2026" in svg
    # y is on a fixed 0–100 axis: a higher score is drawn higher (smaller y)
    ys = [float(y) for y in re.findall(r'<circle cx="[^"]+" cy="([^"]+)"', svg)]
    assert ys == sorted(ys, reverse=True)


def test_trend_escapes_tier_names():
    svg = trend_chart([pt(5, 40, "<b>x</b>")], TIERS)
    assert "<b>" not in svg and "&lt;b&gt;x&lt;/b&gt;" in svg


def test_gauge():
    assert ">61<" in gauge(61.7, "#e8a317", TIERS)  # truncated like every shown score
    assert ">–<" in gauge(None, "#9ca3af", TIERS)
    assert ">–<" in gauge(float("nan"), "#9ca3af", TIERS)
    assert gauge(0.0, "#d64545", TIERS).count("<path") == 3  # tier bands only, no value arc
    assert gauge(61.7, "#e8a317", TIERS).count("<path") == 4


def test_bar_clamps():
    assert "width:0.0%" in bar(None, "#000") and "width:0.0%" in bar(-5, "#000")
    assert "width:100.0%" in bar(150, "#000") and "width:25.0%" in bar(1, "#000", 4)
    assert "&lt;" in bar(10, "<x>")


def test_histogram_bar_heights_follow_counts():
    bins = [HistogramBin(lo=i * 10, hi=i * 10 + 10, count=c, color="#ccc")
            for i, c in enumerate([0, 1, 2, 4, 0, 0, 0, 0, 0, 8])]
    heights = [float(h) for h in re.findall(r'<rect [^>]*height="([^"]+)"', histogram(bins))]
    # empty bins draw nothing; the others (1, 2, 4, 8) in proportion
    assert len(heights) == 4
    assert heights[2] * 2 == heights[3] and heights[0] * 2 == heights[1]


def test_colours():
    assert score_color(49.9, TIERS) == "#d64545" and score_color(50, TIERS) == "#e8a317"
    assert score_color(None, TIERS) == "#cbd2dc"
    assert score_color(75, TIERS) == "#2f9e44" and score_color(74.99, TIERS) == "#e8a317"
    assert score_color(-3, TIERS) == "#d64545" and score_color(float("nan"), TIERS) == "#cbd2dc"
    assert ink_on("#e8a317") == "#111827"


def test_gauge_shows_the_label_it_is_given_and_says_it():
    svg = gauge(61.7, "#e8a317", TIERS, label="61.7")
    assert ">61.7<" in svg and 'aria-label="score 61.7 out of 100"' in svg
    assert 'aria-label="score 61 out of 100"' in gauge(61.7, "#e8a317", TIERS)
    assert 'aria-label="no score"' in gauge(None, "#9ca3af", TIERS)


def test_trend_chart_carries_its_values_as_text():
    svg = trend_chart([pt(5, 40.6, "at risk"), pt(6, None), pt(7, 61.2)], TIERS)
    label = re.search(r'aria-label="([^"]+)"', svg).group(1)
    assert label == "Score over time: May 2026: 40 at risk; Jun 2026: no score; Jul 2026: 61 watch"


def test_histogram_stacks_each_bar_by_tier():
    """70–80 with 21 watch and 35 healthy customers is two rectangles, watch at the bottom,
    heights in proportion; the text alternative carries every number."""
    bins = [HistogramBin(lo=i * 10, hi=i * 10 + 10, count=0, color="#ccc") for i in range(10)]
    bins[7] = HistogramBin(lo=70, hi=80, count=56, color="#e8a317", parts=[
        HistogramPart(tier="watch", color="#e8a317", count=21),
        HistogramPart(tier="healthy", color="#2f9e44", count=35)])
    bins[2] = HistogramBin(lo=20, hi=30, count=4, color="#d64545", parts=[
        HistogramPart(tier="at risk", color="#d64545", count=4)])
    svg = histogram(bins)
    rects = re.findall(r'<rect x="([^"]+)" y="([^"]+)" width="[^"]+" height="([^"]+)" '
                       r'fill="([^"]+)"><title>([^<]+)</title>', svg)
    seventy = [r for r in rects if r[4].startswith("70–80")]
    assert [r[3] for r in seventy] == ["#e8a317", "#2f9e44"]
    (_, y_watch, h_watch, *_), (_, y_healthy, h_healthy, *_) = seventy
    assert float(h_watch) * 35 == pytest.approx(float(h_healthy) * 21, rel=0.02)
    assert float(y_healthy) + float(h_healthy) == pytest.approx(float(y_watch), abs=0.11)
    assert [r[4] for r in seventy] == ["70–80: 21 watch", "70–80: 35 healthy"]
    assert histogram_text(bins) == ("Scored customers by score: 20–30: 4 at risk; "
                                    "70–80: 56 (21 watch, 35 healthy)")
    assert f'aria-label="{histogram_text(bins)}"' in svg


def test_stacked_bar_says_its_values():
    svg = stacked_bar([("at risk", 70, "#d64545"), ("watch", 87, "#e8a317")])
    assert 'aria-label="at risk: 70, watch: 87"' in svg
