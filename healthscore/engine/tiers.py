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


def assign(score: np.ndarray, wf: WeightFile) -> pd.Categorical:
    codes = tier_index(score, [t.below for t in wf.tiers[:-1]])
    codes[codes < 0] = len(wf.tiers)
    return pd.Categorical.from_codes(codes, categories=tier_names(wf))
