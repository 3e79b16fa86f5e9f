"""Raw values → 0–100 scores, one vectorised function per rule kind.

Higher is always healthier: a "lower is better" signal is a linear rule whose bounds run
downwards, so no rule needs a direction flag (percentile ranks excepted).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from healthscore.engine.bands import band_index
from healthscore.weights.model import ScoreRule


def linear(x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """`lo` scores 0, `hi` scores 100, clipped; works for hi < lo too (computed in one
    new array, in place: the same steps as `clip((x - lo) / (hi - lo), 0, 1) * 100`)."""
    with np.errstate(invalid="ignore"):
        out = np.subtract(x, lo)
        out /= hi - lo
        np.clip(out, 0.0, 1.0, out=out)
        out *= 100.0
        return out


def bands(x: np.ndarray, rule: ScoreRule) -> np.ndarray:
    """Step function: a value scores the first band whose `below` it is under (exclusive;
    `engine/bands.py`); a missing value takes the NaN slot after the last band."""
    scores = np.array([b.score for b in rule.bands] + [np.nan], dtype="float64")
    return scores[band_index(x, [b.below for b in rule.bands[:-1]], missing=len(scores) - 1)]


def mapping(raw: pd.Series, rule: ScoreRule) -> np.ndarray:
    """Categories → scores; unlisted categories score `default` (missing when none)."""
    table = {map_key(k): float(v) for k, v in rule.map.items()}
    default = np.nan if rule.default is None else float(rule.default)
    keys = raw.map(map_key, na_action="ignore")
    out = keys.map(table).astype("float64").to_numpy(copy=True)
    unlisted = np.isnan(out) & raw.notna().to_numpy()
    out[unlisted] = default
    return out


def map_key(value: object) -> object:
    """Match map keys loosely: `yes`/`on`/True, 1/1.0 and ' Gold ' / 'gold' are the same
    (YAML 1.1 reads unquoted yes/no/on/off keys as booleans, so the data's words must too)."""
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | float | np.integer | np.floating):
        return float(value)
    text = str(value).strip().lower()
    return {"true": True, "false": False, "yes": True, "no": False, "on": True,
            "off": False}.get(text, text)


def percentile(x: np.ndarray, reference: np.ndarray, lower_is_better: bool) -> np.ndarray:
    """Mid-rank percentile of `x` among the sorted, NaN-free `reference` values.

    score = 100 × (values below + (ties − 1) / 2) / (n − 1): the lowest scores 0, the highest
    100, ties share the mean of their ranks; a peer set of one scores 50.
    """
    n = reference.size
    if n <= 1:
        out = np.full(x.shape, 50.0)
    else:
        below = np.searchsorted(reference, x, side="left")
        upto = np.searchsorted(reference, x, side="right")
        ties = np.maximum(upto - below, 1)
        out = 100.0 * (below + (ties - 1) / 2.0) / (n - 1)
    if lower_is_better:
        out = 100.0 - out
    out[np.isnan(x)] = np.nan
    return out


def score_values(raw: pd.Series, rule: ScoreRule, reference: np.ndarray | None = None
                 ) -> np.ndarray:
    """Dispatch on the rule kind. `reference` is the sorted peer values for percentiles."""
    kind = rule.kind
    if kind == "map":
        return mapping(raw, rule)
    x = raw.to_numpy(dtype="float64", na_value=np.nan)
    if kind == "linear":
        return linear(x, *rule.linear)
    if kind == "bands":
        return bands(x, rule)
    return percentile(x, reference if reference is not None else np.sort(x[~np.isnan(x)]),
                      rule.lower_is_better)
