"""Priority in money: the ARR a customer is expected to take with them within the horizon.

`priority: {expected_loss: {horizon: 90d, bands: [...]}}` stores, per score band, the
probability of the outcome that a backtest measured (`healthscore backtest` prints the bands,
`healthscore tune --expected-loss` writes them). Priority is then probability × ARR, so a large
healthy account is no longer ranked above a smaller one that is about to leave merely for its
size, as (100 − score) × ARR does.
"""

from __future__ import annotations

import numpy as np

from healthscore.engine.bands import band_index
from healthscore.weights.model import ExpectedLoss


def band_probability(total: np.ndarray, spec: ExpectedLoss) -> np.ndarray:
    """P(outcome) of each score's band: the first band whose `below` the score is under."""
    p = np.array([b.p for b in spec.bands] + [np.nan], dtype="float64")
    return p[band_index(total, [b.below for b in spec.bands[:-1]], missing=len(p) - 1)]


def expected_loss(total: np.ndarray, arr: np.ndarray, spec: ExpectedLoss) -> np.ndarray:
    """Probability of the score's band × ARR; NaN for customers without a score."""
    return band_probability(total, spec) * arr
