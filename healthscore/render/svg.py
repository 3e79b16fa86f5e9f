"""Inline SVG charts: a gauge, a score trend, a histogram and horizontal bars.

Pages must work opened from disk with no network, and must print; inline SVG does both and
needs no plotting service. Each helper takes plain numbers and returns `Markup`, so templates
call them directly (`{{ gauge(customer.score, customer.tier_color, tiers) }}`). Text inside a
chart is escaped here, because `Markup` bypasses the template's autoescaping.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date
from functools import lru_cache

from markupsafe import Markup, escape

from healthscore.engine.display import shown_score
from healthscore.engine.tiers import tier_at
from healthscore.render.context import HistogramBin, HistogramPart, TierInfo, TrendPoint

MUTED = "#cbd2dc"
INK = "#1f2937"
SUBTLE = "#6b7280"


@lru_cache(maxsize=1024)
def _esc(text: str) -> str:
    """Escaped text for SVG/CSS; cached because the same tier names and colours recur."""
    return str(escape(text))


def _f(x: float) -> str:
    """Short coordinates keep 10,000 scorecards small."""
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _shown(score: float) -> str:
    """The shown score (engine/display.py), as text."""
    return str(shown_score(score))


def _arc_point(cx: float, cy: float, r: float, fraction: float) -> tuple[float, float]:
    angle = math.pi * (1.0 - fraction)
    return cx + r * math.cos(angle), cy - r * math.sin(angle)


def _arc(cx: float, cy: float, r: float, start: float, end: float) -> str:
    x0, y0 = _arc_point(cx, cy, r, start)
    x1, y1 = _arc_point(cx, cy, r, end)
    return f"M{_f(x0)} {_f(y0)}A{_f(r)} {_f(r)} 0 0 1 {_f(x1)} {_f(y1)}"


def gauge(score: float | None, color: str, tiers: Sequence[TierInfo] = (),
          width: int = 200, label: str | None = None) -> Markup:
    """Half-circle gauge: tier bands as a faint track, the score as a coloured arc.

    `label` is the score as the page shows it elsewhere (pass `score | score`, so the gauge
    can never show another number than the headline); by default the shown score
    (engine/display.py).
    Cached on the score to 0.1 point, truncated (an invisible difference in the arc), since
    thousands of scorecards share a few hundred distinct gauges.
    """
    key = None if _missing(score) else shown_score(float(score) * 10) / 10
    if label is None:
        label = "–" if _missing(score) else str(shown_score(float(score)))
    return _gauge(key, color, tuple((t.below, t.color) for t in tiers), width, str(label))


def _spans(bands) -> list[tuple[float, float, str]]:
    """Tier bands `(below, colour)` as score spans `(from, to, colour)` clipped to 0–100;
    empty spans (a limit at or below the previous one, or outside the scale) left out."""
    out, lo = [], 0.0
    for below, color in bands:
        hi = 100.0 if below is None else min(max(below, 0.0), 100.0)
        if hi > lo:
            out.append((lo, hi, color))
        lo = hi
    return out


@lru_cache(maxsize=8192)
def _gauge(score: float | None, color: str, bands: tuple[tuple[float | None, str], ...],
           width: int, label: str) -> Markup:
    h = width * 0.64
    cx, cy, r = width / 2, width * 0.52, width * 0.4
    stroke = width * 0.09
    said = "no score" if score is None else f"score {label} out of 100"
    parts = [f'<svg class="gauge" viewBox="0 0 {width} {_f(h)}" width="{width}" '
             f'height="{_f(h)}" role="img" aria-label="{_esc(said)}">']
    for lo, hi, band_color in _spans(bands):
        parts.append(f'<path d="{_arc(cx, cy, r, lo / 100, hi / 100)}" fill="none" '
                     f'stroke="{_esc(band_color)}" stroke-opacity=".18" '
                     f'stroke-width="{_f(stroke)}"/>')
    if not bands:
        parts.append(f'<path d="{_arc(cx, cy, r, 0, 1)}" fill="none" stroke="{MUTED}" '
                     f'stroke-width="{_f(stroke)}"/>')
    if score is not None:
        frac = min(max(score, 0.0), 100.0) / 100
        if frac > 0:
            parts.append(f'<path d="{_arc(cx, cy, r, 0, frac)}" fill="none" '
                         f'stroke="{_esc(color)}" stroke-width="{_f(stroke)}" '
                         f'stroke-linecap="round"/>')
    parts.append(f'<text x="{_f(cx)}" y="{_f(cy - r * 0.12)}" text-anchor="middle" '
                 f'font-size="{_f(width * 0.2)}" font-weight="700" fill="{INK}">'
                 f'{_esc(label)}</text>')
    parts.append(f'<text x="{_f(cx - r)}" y="{_f(cy + width * 0.1)}" text-anchor="middle" '
                 f'font-size="{_f(width * 0.055)}" fill="{SUBTLE}">0</text>'
                 f'<text x="{_f(cx + r)}" y="{_f(cy + width * 0.1)}" text-anchor="middle" '
                 f'font-size="{_f(width * 0.055)}" fill="{SUBTLE}">100</text></svg>')
    return Markup("".join(parts))


TREND_PAD = (26, 10, 8, 18)  # left, right, top, bottom


def trend_chart(points: Sequence[TrendPoint], tiers: Sequence[TierInfo] = (),
                width: int = 320, height: int = 96) -> Markup:
    """Score over time on a fixed 0–100 axis with tier bands behind it; scoreless runs gap."""
    pad_l, pad_r, pad_t, pad_b = TREND_PAD
    iw, ih = width - pad_l - pad_r, height - pad_t - pad_b
    days = [p.as_of.toordinal() for p in points]
    d0 = min(days) if days else 0
    span = max((max(days) if days else 1) - d0, 1)
    single = len(points) < 2
    # each point once: (x, y) text, or None for a run without a score
    xy = [None if _missing(p.score) else
          (_f(pad_l + (iw / 2 if single else iw * (d - d0) / span)),
           _f(pad_t + ih * (1 - min(max(p.score, 0.0), 100.0) / 100)))
          for d, p in zip(days, points, strict=True)]
    said = "; ".join(f"{_month(p.as_of)}: " + ("no score" if _missing(p.score) else
                                               f"{_shown(p.score)} {p.tier}") for p in points)
    out = [f'<svg class="trend" viewBox="0 0 {width} {height}" width="{width}" '
           f'height="{height}" role="img" '
           f'aria-label="{_esc("Score over time: " + (said or "no runs"))}">',
           _trend_frame(tuple((t.below, t.color) for t in tiers), width, height)]
    segment: list[str] = []
    for pos in [*xy, None]:
        if pos is None:
            if segment:
                out.append(f'<polyline points="{" ".join(segment)}" fill="none" '
                           f'stroke="{INK}" stroke-width="1.6" stroke-linejoin="round"/>')
            segment = []
        else:
            segment.append(f"{pos[0]},{pos[1]}")
    for pos, p in zip(xy, points, strict=True):
        if pos is not None:
            out.append(f'<circle cx="{pos[0]}" cy="{pos[1]}" r="2.6" '
                       f'fill="{_esc(p.tier_color)}" stroke="#fff" stroke-width="1">'
                       f'<title>{p.as_of.isoformat()}: {_shown(p.score)} '
                       f'({_esc(p.tier)})</title></circle>')
    if points:
        out.append(f'<text x="{pad_l}" y="{height - 4}" font-size="9" fill="{SUBTLE}">'
                   f'{_month(points[0].as_of)}</text>')
        if len(points) > 1:
            out.append(f'<text x="{width - pad_r}" y="{height - 4}" text-anchor="end" '
                       f'font-size="9" fill="{SUBTLE}">{_month(points[-1].as_of)}</text>')
    out.append("</svg>")
    return Markup("".join(out))


@lru_cache(maxsize=64)
def _trend_frame(bands: tuple[tuple[float | None, str], ...], width: int, height: int) -> str:
    """The part of a trend chart every customer shares: tier bands, ticks."""
    pad_l, pad_r, pad_t, pad_b = TREND_PAD
    iw, ih = width - pad_l - pad_r, height - pad_t - pad_b

    def y(s: float) -> float:
        return pad_t + ih * (1 - min(max(s, 0.0), 100.0) / 100)

    out = []
    for lo, hi, color in _spans(bands):
        out.append(f'<rect x="{pad_l}" y="{_f(y(hi))}" width="{iw}" '
                   f'height="{_f(y(lo) - y(hi))}" fill="{_esc(color)}" fill-opacity=".08"/>')
    for tick in (0, 50, 100):
        out.append(f'<text x="{pad_l - 5}" y="{_f(y(tick) + 3.5)}" text-anchor="end" '
                   f'font-size="9" fill="{SUBTLE}">{tick}</text>')
    return "".join(out)


@lru_cache(maxsize=512)
def _month(d: date) -> str:
    return d.strftime("%b %Y")


def histogram_text(bins: Sequence[HistogramBin]) -> str:
    """The histogram's numbers in words, its text alternative: `70–80: 56 (21 watch, 35
    healthy)`; bins without customers are left out."""
    items = []
    for b in bins:
        if not b.count:
            continue
        split = ", ".join(f"{p.count} {p.tier}" for p in b.parts)
        items.append(f"{b.lo:g}–{b.hi:g}: {b.count}" + (f" ({split})" if len(b.parts) > 1 else
                                                         f" {b.parts[0].tier}" if b.parts else ""))
    return "Scored customers by score: " + ("; ".join(items) if items else "none")


def histogram(bins: Sequence[HistogramBin], width: int = 300, height: int = 150) -> Markup:
    """Score distribution in bins of equal width; each bar stacked by the tiers of its
    customers (lowest tier at the bottom), so a bar never hides a tier edge inside it."""
    pad_l, pad_r, pad_t, pad_b = 28, 12, 14, 20
    iw, ih = width - pad_l - pad_r, height - pad_t - pad_b
    top = max((b.count for b in bins), default=0) or 1
    bw = iw / max(len(bins), 1)
    out = [f'<svg class="histogram" viewBox="0 0 {width} {height}" width="100%" '
           f'role="img" aria-label="{_esc(histogram_text(bins))}">']
    for frac in (0, 0.5, 1):
        yy = pad_t + ih * (1 - frac)
        out.append(f'<line x1="{pad_l}" x2="{width - pad_r}" y1="{_f(yy)}" y2="{_f(yy)}" '
                   f'stroke="#e5e7eb"/><text x="{pad_l - 5}" y="{_f(yy + 3.5)}" '
                   f'text-anchor="end" font-size="10" fill="{SUBTLE}">{round(top * frac)}</text>')
    for i, b in enumerate(bins):
        bh = ih * b.count / top
        bx = pad_l + i * bw
        parts = b.parts or ([] if not b.count else
                            [HistogramPart(tier="", color=b.color, count=b.count)])
        base = pad_t + ih
        for p in parts:
            ph = ih * p.count / top
            what = f"{p.count} {p.tier}" if p.tier else str(p.count)
            out.append(f'<rect x="{_f(bx + 1.5)}" y="{_f(base - ph)}" width="{_f(bw - 3)}" '
                       f'height="{_f(ph)}" fill="{_esc(p.color)}">'
                       f'<title>{b.lo:g}–{b.hi:g}: {_esc(what)}</title></rect>')
            base -= ph
        if b.count:
            out.append(f'<text x="{_f(bx + bw / 2)}" y="{_f(pad_t + ih - bh - 3)}" '
                       f'text-anchor="middle" font-size="9" fill="{SUBTLE}">{b.count}</text>')
    for i in range(len(bins) + 1):
        if i % 2 == 0 or len(bins) <= 10:
            label = bins[i].lo if i < len(bins) else bins[-1].hi
            out.append(f'<text x="{_f(pad_l + i * bw)}" y="{height - 6}" text-anchor="middle" '
                       f'font-size="10" fill="{SUBTLE}">{label:g}</text>')
    out.append("</svg>")
    return Markup("".join(out))


def stacked_bar(parts: Sequence[tuple[str, float, str]], width: int = 420,
                height: int = 26) -> Markup:
    """One bar split into (label, value, colour) parts, e.g. customers per tier."""
    total = sum(max(v, 0.0) for _, v, _ in parts) or 1.0
    said = ", ".join(f"{label}: {value:g}" for label, value, _ in parts)
    out = [f'<svg class="stacked" viewBox="0 0 {width} {height}" width="100%" '
           f'preserveAspectRatio="none" role="img" aria-label="{_esc(said)}">']
    xx = 0.0
    for label, value, color in parts:
        w = width * max(value, 0.0) / total
        if w > 0:
            out.append(f'<rect x="{_f(xx)}" y="0" width="{_f(w)}" height="{height}" '
                       f'fill="{escape(color)}"><title>{escape(label)}: {value:g}</title></rect>')
        xx += w
    out.append("</svg>")
    return Markup("".join(out))


def score_color(score: float | None, tiers: Sequence[TierInfo], none: str = MUTED) -> str:
    """Colour of the tier a 0–100 score falls in (the engine's tier rule); for signal, group
    and owner bars."""
    if _missing(score) or not tiers:
        return none
    return tiers[tier_at(score, [t.below for t in tiers[:-1]])].color


def bar(value: float | None, color: str, max_value: float = 100.0) -> Markup:
    """A horizontal CSS bar filled to value/max_value (prints: colours are kept).

    Drawn for every signal of every scorecard, hence the plain arithmetic and cached colour.
    """
    if value is None or value != value or not max_value:
        share = 0.0
    else:
        share = value / max_value
        share = 0.0 if share < 0 else 1.0 if share > 1 else share
    return Markup(f'<div class="bar"><span style="width:{share * 100:.1f}%;'
                  f'background:{_esc(color)}"></span></div>')
