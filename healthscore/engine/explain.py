"""Drivers: the signals that pull a customer's score down most, in points lost.

Points lost by a signal = its effective weight × (100 − its score): what the overall score
would gain if that signal were perfect. Ranking by it, not by the signal score alone, keeps a
low score on a signal that barely counts from hiding one that matters.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from healthscore.weights.model import WeightFile


def drivers(weights: np.ndarray, scores: np.ndarray, names: list[str], k: int
            ) -> list[np.ndarray]:
    """`weights`, `scores`: (rows × signals). Returns k arrays of signal names (None if none)."""
    with np.errstate(invalid="ignore"):
        lost = np.where(weights > 0, weights * (100.0 - np.nan_to_num(scores, nan=100.0)), 0.0)
    k = min(k, len(names))
    if k == 0:
        return []
    order = np.argsort(-lost, axis=1, kind="stable")[:, :k]
    taken = np.take_along_axis(lost, order, axis=1)
    labels = np.array(names, dtype=object)[order]
    labels[taken <= 1e-9] = None
    return [labels[:, j] for j in range(k)]


def _fmt(values: pd.Series) -> pd.Series:
    """Numbers as people write them: 42, 0.35, -20 (not 42.0 or 0.35000001)."""
    if not pd.api.types.is_numeric_dtype(values):
        return values.astype(str)
    rounded = values.round(2)
    whole = rounded == rounded.round(0)
    text = rounded.astype(str)
    return text.where(~whole, rounded.round(0).astype("Int64").astype(str))


def reasons(frame: pd.DataFrame, wf: WeightFile, k: int) -> pd.Series:
    """Plain words for the drivers: `NPS of -20 scores 0/100; CSAT of 62 % scores 6/100`."""
    out = pd.Series("", index=frame.index, dtype=object)
    for j in range(1, k + 1):
        col = frame.get(f"driver_{j}")
        if col is None:
            break
        part = pd.Series("", index=frame.index, dtype=object)
        for name, spec in wf.signals.items():
            mask = (col == name).to_numpy()
            if not mask.any():
                continue
            raw = _fmt(frame.loc[mask, f"{name}.raw"])
            unit = f" {spec.unit}" if spec.unit and spec.unit != "ratio" else ""
            score = frame.loc[mask, f"{name}.score"].round(0).astype("Int64").astype(str)
            part[mask] = (wf.signal_label(name) + " of " + raw + unit + " scores " + score
                          + "/100")
        sep = np.where((out != "") & (part != ""), "; ", "")
        out = out + sep + part
    return out
