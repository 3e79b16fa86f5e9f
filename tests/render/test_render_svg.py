"""Inline SVG helpers: the shapes follow the numbers, and text in them is escaped."""

from __future__ import annotations

import re
from datetime import date

from healthscore.render.context import HistogramBin, TierInfo, TrendPoint
from healthscore.render.svg import bar, gauge, histogram, ink_on, score_color, trend_chart

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
    assert heights[3] * 2 == heights[9] and heights[1] * 2 == heights[2]


def test_colours():
    assert score_color(49.9, TIERS) == "#d64545" and score_color(50, TIERS) == "#e8a317"
    assert score_color(None, TIERS) == "#cbd2dc"
    assert ink_on("#e8a317") == "#111827" and ink_on("#d64545") == "#ffffff"
