"""Drivers: the signals that pull a customer's score down most, in points lost.

Points lost by a signal = its effective weight × (100 − its score): what the overall score
would gain if that signal were perfect. Ranking by it, not by the signal score alone, keeps a
low score on a signal that barely counts from hiding one that matters.

The plain-words `reasons` are built with Arrow's string kernels, column-wise: formatting a
number per row in Python would cost more than all the scoring arithmetic together.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from healthscore.engine.prepare import all_signals
from healthscore.weights.model import SignalSpec, WeightFile


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


def _numbers(values: np.ndarray) -> pa.Array:
    """Numbers as people write them: 42, 0.35, -20 (Arrow drops a trailing .0). Huge values
    are not rounded: rounding multiplies by 100, and 1e308 would show as `inf`."""
    with np.errstate(over="ignore", invalid="ignore"):
        rounded = np.where(np.abs(values) < 1e15, np.round(values, 2), values)
    return pc.cast(pa.array(rounded, from_pandas=True), pa.string())


def reasons(found: Drivers, raw: dict[str, pd.Series], scores: dict[str, np.ndarray],
            wf: WeightFile) -> pd.Series:
    """`NPS of -20 scores 0/100; CSAT of 62 % scores 6/100` for each customer.

    Only the k chosen values per row are formatted: the raw values and scores are gathered
    into one array per driver slot first.
    """
    names = found.names
    rows = found.order.shape[0]
    numeric = {n: pd.api.types.is_numeric_dtype(raw[n]) and not pd.api.types.is_bool_dtype(
        raw[n]) for n in names}
    raw_matrix = np.column_stack([raw[n].to_numpy(dtype="float64", na_value=np.nan)
                                  if numeric[n] else np.full(rows, np.nan) for n in names])
    score_matrix = np.column_stack([scores[n] for n in names])
    specs = all_signals(wf)  # signals of segment `use:` files too
    label_of = [specs[n].label or n if n in specs else n for n in names]
    labels = pa.array([label + " of " for label in label_of])
    no_data = pa.array([label + " has no data, counted as " for label in label_of])
    units = pa.array([_unit(specs.get(n)) + " scores " for n in names])
    joined = pa.array([""] * rows, type=pa.string())
    for j in range(found.order.shape[1]):
        slot = found.order[:, j]
        raw_text = _numbers(raw_matrix[np.arange(rows), slot])
        for i, name in enumerate(names):
            if not numeric[name] and (slot == i).any():
                text = pa.array(raw[name].astype("string").to_numpy(na_value=None), pa.string())
                raw_text = pc.if_else(pa.array(slot == i), text, raw_text)
        idx = pa.array(slot.astype(np.int32))
        # whole points, truncated like every score on the pages (49.9 shows as 49)
        score_text = _numbers(np.floor(score_matrix[np.arange(rows), slot] + 1e-9))
        text = pc.binary_join_element_wise(
            pc.take(labels, idx), raw_text, pc.take(units, idx), score_text, "/100", "",
            null_handling="replace", null_replacement="?")
        # a missing value scored by the neutral/zero policy can be a driver too
        substituted = pc.binary_join_element_wise(pc.take(no_data, idx), score_text, "/100", "")
        text = pc.if_else(pc.is_null(raw_text), substituted, text)
        # append with "; " where this slot names a driver (Arrow's null_handling="skip"
        # drops rows whose inputs are all null, so the join is done pairwise)
        both = pc.binary_join_element_wise(joined, text, "; ")
        present = pa.array(found.present[:, j])
        joined = pc.if_else(present, pc.if_else(pc.equal(joined, ""), text, both), joined)
    return pd.Series(joined.to_numpy(zero_copy_only=False), dtype=object)


def _unit(spec: SignalSpec | None) -> str:
    unit = spec.unit if spec is not None else None
    return f" {unit}" if unit and unit != "ratio" else ""
