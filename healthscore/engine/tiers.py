"""Scores → tier names. A score belongs to the first tier whose `below` it is under:
`below` is exclusive, so with tiers below 50 and below 75, 50 is in the second tier."""

from __future__ import annotations

import numpy as np
import pandas as pd

from healthscore.weights.model import WeightFile


def tier_names(wf: WeightFile) -> list[str]:
    """Every tier name in display order, worst first, then the no-score tier."""
    return [t.name for t in wf.tiers] + [wf.insufficient.name]


def assign(score: np.ndarray, wf: WeightFile) -> pd.Categorical:
    limits = np.array([t.below for t in wf.tiers[:-1]], dtype="float64")
    codes = np.searchsorted(limits, np.nan_to_num(score, nan=0.0), side="right")
    codes[np.isnan(score)] = len(wf.tiers)
    return pd.Categorical.from_codes(codes, categories=tier_names(wf))
