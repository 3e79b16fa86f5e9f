"""Drivers: the signals that pull a customer's score down most, in points lost.

Points lost by a signal = its effective weight × (100 − its score): what the overall score
would gain if that signal were perfect. Ranking by it, not by the signal score alone, keeps a
low score on a signal that barely counts from hiding one that matters.

Their sentences (the `reasons` column) come from `engine/wording.py`, the one explanation
generator the pages use too.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass
class Drivers:
    order: np.ndarray     # (rows × k) column index into the signal list, most points lost first
    present: np.ndarray   # (rows × k) bool: that slot names a driver (it lost points)
    names: list[str]

    def column(self, j: int, dtype: pd.CategoricalDtype | None = None) -> pd.Categorical:
        """Slot j as signal names (missing where there is no driver); `dtype`, the
        categorical of `names`, saves validating the names again for every slot."""
        codes = np.where(self.present[:, j], self.order[:, j], -1)
        if dtype is None:
            return pd.Categorical.from_codes(codes, categories=self.names)
        return pd.Categorical.from_codes(codes, dtype=dtype)


def drivers(weights: dict[str, np.ndarray], scores: dict[str, np.ndarray], k: int,
            no_score: np.ndarray) -> Drivers:
    """Per-signal effective weights and scores in; the k signals losing most points out.

    Customers without a score have no drivers. Points lost are quantised to a millionth of
    a point and packed with the signal's position into one key per signal (an integer held
    exactly in a float64), so on ties the signal listed first in the weight file comes first.
    The k largest keys per row are kept by a running insertion over the signals: a few
    element-wise min/max passes per signal, no per-row sort and no signals × rows matrix.
    """
    names = list(weights)
    n = no_score.size
    k = min(k, len(names))
    slots = 1 << max(1, (len(names) - 1).bit_length())  # room for the signal position
    top = [np.full(n, -np.inf) for _ in range(k)]  # top[0] is the largest key so far
    key, scratch = np.empty(n), np.empty(n)
    for i, name in enumerate(names):
        _packed_key(weights[name], scores[name], slots, slots - 1 - i, out=key)
        for j in range(k - 1, 0, -1):  # top[j] = max(top[j], min(key, top[j-1]))
            np.minimum(key, top[j - 1], out=scratch)
            np.maximum(top[j], scratch, out=top[j])
        np.maximum(top[0], key, out=top[0])
    order = np.empty((n, k), dtype=np.intp)
    present = np.empty((n, k), dtype=bool)
    for j, best in enumerate(top):
        packed = best.astype(np.int64)  # keys are whole and non-negative: & is the cheap %
        order[:, j] = slots - 1 - (packed & (slots - 1))
        present[:, j] = packed >= slots  # lost at least a millionth of a point
    present[no_score] = False
    return Drivers(order, present, names)


def _packed_key(weight: np.ndarray, score: np.ndarray, slots: int, position: int,
                out: np.ndarray) -> np.ndarray:
    """rint(points lost × 1e6) × slots + position, computed in place into `out`.

    Points lost = weight × (100 − score) is never negative (scores are at most 100);
    missing (NaN) loses nothing: `fmax(lost, 0)` turns it into 0 without a masked pass.
    Every step is exact in float64 for keys below 2**53 (100 points × 1e6 × slots is far
    below).
    """
    np.subtract(100.0, score, out=out)
    with np.errstate(invalid="ignore"):
        out *= weight
    np.fmax(out, 0.0, out=out)
    out *= 1e6
    np.rint(out, out=out)
    out *= slots
    out += position
    return out
