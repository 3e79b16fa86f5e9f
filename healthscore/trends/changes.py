"""Change since the previous run and over a window, read through the weight file's dead-band.

One change rule for every output: a change is the difference of the shown scores
(`engine/display.py`: whole points, truncated), so the headline, the arrow, `history`, the
events and the outreach list all show the same number, and a move smaller than
`trend.dead_band` points is "steady" (no arrow, no up or down) everywhere; a move of exactly
the dead-band counts."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from healthscore.engine.display import shown_scores
from healthscore.spec.durations import parse_duration
from healthscore.weights.model import TrendSpec, WeightFile

DEFAULT = TrendSpec()


def trend_spec(weights: WeightFile | None) -> TrendSpec:
    return weights.trend_settings() if weights is not None else DEFAULT


def shown_changes(now, before) -> np.ndarray:
    """The change a reader sees, vectorised: shown score now − shown score before (NaN where
    either is unknown)."""
    return shown_scores(now) - shown_scores(before)


def direction(change: pd.Series | np.ndarray, dead_band: float) -> np.ndarray:
    """`up`, `down` or `steady` per (shown) change; empty text where it is unknown. A change
    smaller than `dead_band` is steady; one of exactly the dead-band is a move."""
    values = np.asarray(change, dtype="float64")
    return np.select([np.isnan(values), np.abs(values) < dead_band, values > 0],
                     ["", "steady", "up"], "down").astype(object)


def _score_at(history: pd.DataFrame, day: date) -> pd.Series:
    """Each customer's score in the latest run on or before `day`."""
    h = history[history["as_of"] <= day].sort_values("as_of", kind="stable")
    return h.drop_duplicates("customer_id", keep="last").set_index("customer_id")["score"]


def changes(current: pd.DataFrame, history: pd.DataFrame, as_of: date,
            weights: WeightFile | None = None) -> pd.DataFrame:
    """Per customer of `current` (a scored frame): `previous` score (latest earlier run),
    `change` (of the shown scores), `direction`, and the same over the window
    (`window_score`, `window_change`, `window_direction`). `history` is `customer_id, as_of,
    score, tier` of earlier runs."""
    spec = trend_spec(weights)
    ids = current["customer_id"].astype(str)
    h = history.assign(customer_id=history["customer_id"].astype(str))
    h = h[h["as_of"] < as_of]
    start = (pd.Timestamp(as_of) - parse_duration(spec.window)).date()
    previous = _score_at(h, as_of).reindex(ids).to_numpy(dtype="float64")
    window = _score_at(h, start).reindex(ids).to_numpy(dtype="float64")
    score = current["score"].to_numpy(dtype="float64")
    out = pd.DataFrame({"customer_id": ids.to_numpy(), "score": score, "previous": previous,
                        "change": shown_changes(score, previous), "window_score": window,
                        "window_change": shown_changes(score, window)})
    out["direction"] = direction(out["change"], spec.dead_band)
    out["window_direction"] = direction(out["window_change"], spec.dead_band)
    return out
