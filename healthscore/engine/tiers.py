"""Scores → tier names. A score belongs to the first tier whose `below` it is under:
`below` is exclusive, so with tiers below 50 and below 75, 50 is in the second tier.

The rule itself is the band rule of `engine/bands.py`; the reports colour a bar, a histogram
or a group score by calling `tier_index`/`tier_at` with the tiers' limits, never by comparing
limits themselves.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from healthscore.engine.bands import band_at, band_index
from healthscore.engine.display import shown_scores
from healthscore.weights.model import WeightFile


def tier_names(wf: WeightFile) -> list[str]:
    """Every tier name in display order, worst first, then the no-score tier."""
    return [t.name for t in wf.tiers] + [wf.insufficient.name]


def tier_index(score: np.ndarray | Sequence[float | None] | float | None,
               limits: Sequence[float | None]) -> np.ndarray:
    """Index of the tier each score falls in, given the `below` limits of every tier but the
    last, lowest first (`[t.below for t in tiers[:-1]]`); -1 where there is no score.

    Scores may be floats, None or NaN; the result always has the input's shape as an array.
    """
    return band_index(score, limits)


def tier_at(score: float | None, limits: Sequence[float | None]) -> int:
    """`tier_index` for one score, without NumPy (a report asks this ~60 times a page)."""
    return band_at(score, limits)


def held_index(score: np.ndarray, limits: Sequence[float | None], previous: np.ndarray,
               previous_score: np.ndarray, margin: float, jump: float) -> np.ndarray:
    """`tier_index` with hysteresis at the tier edges, against each customer's previous run
    (`previous`: its tier index there, -1 for none; `previous_score`: its score there).

    A customer leaves its previous tier when
    - its score is inside the new tier by at least `margin` points (moving down: below the
      edge by the margin; moving up: at or over it by the margin), or
    - the crossing held for two runs (the previous score was already in the new tier), or
    - the shown score moved by at least `jump` points (a real fall always counts).
    A score that only jitters around an edge keeps its tier: no event, no move on the
    outreach list. Vectorised."""
    values = np.asarray(score, dtype="float64")
    now = tier_index(values, limits)
    if margin <= 0:
        return now
    previous = np.asarray(previous)
    before = np.asarray(previous_score, dtype="float64")
    down = np.minimum(previous, tier_index(values + margin, limits))
    up = np.maximum(previous, tier_index(values - margin, limits))
    held = np.where(now < previous, down, np.where(now > previous, up, now))
    persisted = tier_index(before, limits) == now
    with np.errstate(invalid="ignore"):
        moved = np.abs(shown_scores(values) - shown_scores(before)) >= jump
    keep = (previous >= 0) & (now >= 0) & ~persisted & ~moved
    return np.where(keep, held, now)


def assign(score: np.ndarray, wf: WeightFile, previous: pd.DataFrame | None = None,
           ids=None) -> pd.Categorical:
    """Tier of each score; with `previous` (id → `tier`, `score` of the previous run) and the
    customers' `ids`, the tier edges have the weight file's hysteresis (`held_index`)."""
    limits = [t.below for t in wf.tiers[:-1]]
    if previous is None:
        codes = tier_index(score, limits)
    else:
        index, before = previous_of(ids, previous, wf)
        trend = wf.trend_settings()
        codes = held_index(score, limits, index, before, trend.tier_margin, trend.tier_jump)
    codes[codes < 0] = len(wf.tiers)
    return pd.Categorical.from_codes(codes, categories=tier_names(wf))


def previous_of(ids, previous: pd.DataFrame, wf: WeightFile) -> tuple[np.ndarray, np.ndarray]:
    """Each id's tier index (-1: none, or the no-score tier) and score (NaN: none) in
    `previous` (indexed by id as text, columns `tier` and `score`)."""
    order = {name: i for i, name in enumerate(t.name for t in wf.tiers)}
    prev = previous[~previous.index.duplicated()]
    keys = pd.Index(pd.Series(np.asarray(ids)).astype(str))
    codes = prev["tier"].astype(str).map(order).reindex(keys)
    scores = pd.to_numeric(prev["score"], errors="coerce").reindex(keys)
    return codes.fillna(-1).to_numpy(dtype="int64"), scores.to_numpy(dtype="float64")
