"""The one display rule for scores: whole points, truncated.

Every output that shows a score (the terminal, the pages, Markdown, the `reasons` text, the
charts) shows `shown_score(score)`: 49.9 shows as 49, never 50, so with whole-number tier
limits a shown score is never in a higher tier than the real one ("at risk with a score of
50" cannot occur). A change between two runs is the difference of the shown scores, so the
numbers a reader sees add up ("was 17, now 16: −1"). Points (a signal's contribution) are a
different quantity and keep one decimal. The tables (`scores.csv`, Parquet, the store) keep
the exact values.

The 1e-9 absorbs float noise: a score computed as 74.99999999999999 for an exact 75 shows 75.
"""

from __future__ import annotations

import math

import numpy as np

NOISE = 1e-9


def shown_score(score: float | None) -> int | None:
    """A score as shown: whole points, truncated; None when there is no score."""
    if score is None or score != score:
        return None
    return math.floor(score + NOISE)


def shown_scores(scores: np.ndarray) -> np.ndarray:
    """`shown_score` of every element (NaN stays NaN), vectorised."""
    return np.floor(np.asarray(scores, dtype="float64") + NOISE)


def shown_change(now: float | None, before: float | None) -> int | None:
    """The change a reader sees between two scores: the difference of the shown scores."""
    a, b = shown_score(now), shown_score(before)
    return None if a is None or b is None else a - b
