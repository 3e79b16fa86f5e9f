"""Earlier runs → per-customer trend points and the change since last month.

`history` is a frame `customer_id, as_of, score, tier` (later: the run store). It is cut to
the twelve months before the run's as-of date and grouped once, so building each scorecard's
trend is a dictionary look-up. The current run is always the last point of a trend, and wins
over a history row with the same date.
"""

from __future__ import annotations

import math
from datetime import date
from functools import lru_cache

import pandas as pd

from healthscore.engine.display import shown_change
from healthscore.errors import DataError, Problem
from healthscore.io.cite import cite_rows
from healthscore.io.dates import table_dates
from healthscore.io.tables import SOURCE_ATTR, as_text
from healthscore.render.context import Trend, TrendPoint

REQUIRED = ("customer_id", "as_of", "score", "tier")
MONTHS_SHOWN = 12
GREY = "#9ca3af"


def checked_history(history: pd.DataFrame) -> pd.DataFrame:
    """The history with ids as text, parsed dates and numeric scores; raises DataError listing
    every bad value (dates the one date rule refuses (io/dates.py: ISO 8601, or the formats the
    weight file declares when the table was read with them), blank dates, non-numeric or
    out-of-range scores, a customer twice on a date) instead of dropping or guessing."""
    file = (history.attrs.get(SOURCE_ATTR) or {}).get("file")
    h = history.loc[:, list(REQUIRED)].reset_index(drop=True)
    h.attrs = dict(history.attrs)
    h["customer_id"] = as_text(h["customer_id"])
    problems: list[Problem] = []
    when = pd.Series(table_dates(h, "as_of", problems=problems).to_numpy()).dt.normalize()
    blank = when.isna() & (h["as_of"].astype("string").str.strip().fillna("") == "")
    if blank.any():
        problems.append(Problem("expected a date in column `as_of`; found a blank on "
                                f"{cite_rows(h, blank, 'as_of')}", file=file, key="as_of"))
    score = pd.to_numeric(h["score"], errors="coerce")
    bad = (score.isna() & h["score"].notna() & (h["score"].astype("string").str.strip() != ""))
    bad |= (score < 0) | (score > 100)
    if bad.any():
        problems.append(Problem("expected scores from 0 to 100 (or blank for no score) in "
                                f"column `score`; found {cite_rows(h, bad, 'score')}", file=file,
                                key="score"))
    h["as_of"], h["score"] = when.dt.date.to_numpy(), score
    dup = h.duplicated(["customer_id", "as_of"], keep=False) & when.notna() \
        & h["customer_id"].notna()
    if dup.any():
        problems.append(Problem("a customer appears twice for one date: "
                                f"{cite_rows(h, dup, 'customer_id')}; keep one row per customer "
                                "and date", file=file, key="customer_id"))
    if problems:
        raise DataError(problems)
    return h


def past_points(history: pd.DataFrame | None, as_of: date,
                tier_colors: dict[str, str]) -> dict[str, list[TrendPoint]]:
    """Earlier points per customer id (as text), oldest first, within the shown window."""
    if history is None or len(history) == 0:
        return {}
    missing = [c for c in REQUIRED if c not in history.columns]
    if missing:
        raise DataError(Problem(
            f"history lacks column(s) {', '.join(missing)}; it needs {', '.join(REQUIRED)} "
            f"(found {', '.join(map(str, history.columns))})"))
    h = checked_history(history)
    start = (pd.Timestamp(as_of) - pd.DateOffset(months=MONTHS_SHOWN)).date()
    h = h[(h["as_of"] < as_of) & (h["as_of"] >= start)]
    h["customer_id"] = h["customer_id"].astype(str)
    h = h.sort_values(["customer_id", "as_of"]).drop_duplicates(
        ["customer_id", "as_of"], keep="last")
    out: dict[str, list[TrendPoint]] = {}
    ids, dates = h["customer_id"].tolist(), h["as_of"].tolist()
    scores, tiers = h["score"].tolist(), h["tier"].astype(str).tolist()
    for cid, d, s, t in zip(ids, dates, scores, tiers, strict=True):
        score = None if s is None or (isinstance(s, float) and math.isnan(s)) else float(s)
        out.setdefault(cid, []).append(
            TrendPoint(as_of=d, score=score, tier=t, tier_color=tier_colors.get(t, GREY)))
    return out


@lru_cache(maxsize=64)
def month_before(as_of: date) -> date:
    """Same day one calendar month earlier (31 March → 28/29 February)."""
    return (pd.Timestamp(as_of) - pd.DateOffset(months=1)).date()


def make_trend(past: list[TrendPoint], current: TrendPoint) -> Trend:
    """The trend of one customer: its past points plus today, and the changes."""
    previous = past[-1] if past else None
    cutoff = month_before(current.as_of)
    month_ago = next((p for p in reversed(past) if p.as_of <= cutoff), None)
    return Trend(points=[*past, current], previous=previous, month_ago=month_ago,
                 change_since_previous=_diff(current, previous),
                 change_month=_diff(current, month_ago))


def _diff(now: TrendPoint, then: TrendPoint | None) -> int | None:
    """The change a reader sees: the difference of the shown scores (engine/display.py)."""
    return None if then is None else shown_change(now.score, then.score)


def month_change(past: list[TrendPoint] | None, as_of: date, score: float | None) -> int | None:
    """Change since a month ago for the portfolio table, without building a Trend."""
    if not past or score is None:
        return None
    cutoff = month_before(as_of)
    then = next((p for p in reversed(past) if p.as_of <= cutoff), None)
    return None if then is None else shown_change(score, then.score)
