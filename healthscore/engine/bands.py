"""The one band rule: a value falls in the first band whose `below` it is under.

Tiers, the steps of a `bands` score rule, the score bands of `expected_loss`, the sentence
that says where a value fell and the backtest's calibration bands all ask the same question;
they all ask it here, so `below` is exclusive everywhere (with bands below 50 and below 75,
50 is in the second band) and a change to the rule is made once.

The band of a value is the number of limits at or below it. Limits ascend (the weight-file
rules check that); a None limit is the open end of the last band and is left out. Values are
clipped to the finite range first, so ±inf fall in the outermost bands even against an
infinite limit.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence

import numpy as np

MISSING = -1  # the band of a missing value (None or NaN), unless the caller names another
_FINITE = float(np.finfo("float64").max)


def _limits(limits: Sequence[float | None] | np.ndarray) -> list[float]:
    return [float(b) for b in limits if b is not None]


def band_index(values: np.ndarray | Sequence[float | None] | float | None,
               limits: Sequence[float | None] | np.ndarray, missing: int = MISSING
               ) -> np.ndarray:
    """Index of the band each value falls in (`missing` for None/NaN), in the input's shape.

    One comparison per limit instead of `np.searchsorted`: bands are a handful of limits and
    values come unsorted, where a binary search per value is about ten times slower.
    """
    x = np.asarray(values, dtype="float64")  # None → NaN
    clipped = np.clip(x, -_FINITE, _FINITE)
    idx = np.array(np.isnan(x), dtype=np.intp)
    idx *= missing
    for limit in _limits(limits):
        idx += clipped >= limit  # NaN compares False: a missing value stays `missing`
    return idx


def band_at(value: float | None, limits: Sequence[float | None]) -> int:
    """`band_index` of one value, without NumPy (a page asks this dozens of times)."""
    if value is None or value != value:
        return MISSING
    return bisect_right(_limits(limits), min(max(float(value), -_FINITE), _FINITE))
