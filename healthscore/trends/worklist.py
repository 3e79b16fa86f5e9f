"""The outreach list as a worklist: what changed since the last run, in plain words with the
values, before the weakest signals.

A CSM calls a customer because something happened ("Days overdue 34, up from 3"), not because
its weakest signal is weak every month. For the customers on the run's outreach list, the
signals that moved its score most since the previous run (by the attribution's whole points,
falls first) are worded with their raw values then and now; the engine's reasons follow. The
list's order stays the engine's: this only adds the `change` (of the shown scores) and the
`why` every output of the list shows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from healthscore.engine.wording import display_label, fmt_raw
from healthscore.trends.attribution import whole_parts
from healthscore.weights.model import WeightFile

CHANGED_SHOWN = 2  # moves named per customer


def _words(values: pd.Series, unit: str | None) -> np.ndarray:
    """Raw values as the pages show them, each distinct value worded once."""
    distinct = pd.unique(values.to_numpy(dtype=object))
    shown = {v: fmt_raw(v.item() if isinstance(v, np.generic) else v, unit) for v in distinct}
    return values.map(shown).to_numpy(dtype=object)


def what_changed(before: pd.DataFrame, after: pd.DataFrame, parts: pd.DataFrame,
                 weights: WeightFile, ids: pd.Series, top: int = CHANGED_SHOWN) -> pd.Series:
    """Per id of `ids`: "Days overdue 34, up from 3; CSAT 71%, down from 90%" for the signals
    that moved the score most since `before` (by the attribution's whole points: falls
    first, larger first), each whose raw value changed; empty when none did. Vectorised: a
    loop over the signals, every listed customer at once."""
    ids = ids.astype(str)
    out = pd.Series("", index=ids.to_numpy(), dtype=object)
    signals = weights.all_signals()
    names = [c for c in parts.columns if c in signals]
    listed = pd.Index(ids[ids.isin(parts.index)].unique())
    if not names or listed.empty:
        return out
    whole = whole_parts(parts.loc[listed])[names].to_numpy(dtype="float64")
    b = before.set_index(before["customer_id"].astype(str))
    a = after.set_index(after["customer_id"].astype(str))
    texts = np.full(whole.shape, "", dtype=object)
    key = np.full(whole.shape, np.inf)
    for j, name in enumerate(names):
        column = f"{name}.raw"
        if column not in a.columns or column not in b.columns:
            continue
        now, then = a[column].reindex(listed), b[column].reindex(listed)
        moved = (now.notna() & then.notna()).to_numpy() & (np.nan_to_num(whole[:, j]) != 0)
        moved &= (now != then).fillna(False).to_numpy(dtype=bool)
        if not moved.any():
            continue
        now, then = now[moved], then[moved]
        unit = signals[name].unit
        if pd.api.types.is_numeric_dtype(now) and not pd.api.types.is_bool_dtype(now):
            how = np.where(now.to_numpy() > then.to_numpy(), ", up from ", ", down from ")
        else:
            how = ", was "
        texts[moved, j] = (display_label(weights, name) + " " + _words(now, unit) + how
                           + _words(then, unit))
        points = whole[moved, j]
        key[moved, j] = np.where(points < 0, 0.0, 1000.0) - np.abs(points)  # falls first
    order = np.argsort(key, axis=1, kind="stable")[:, :top]
    picked = np.take_along_axis(texts, order, axis=1)
    joined = picked[:, 0]
    for k in range(1, picked.shape[1]):
        joined = np.where((joined != "") & (picked[:, k] != ""), joined + "; " + picked[:, k],
                          joined + picked[:, k])
    found = pd.Series(joined, index=listed)
    return out.index.to_series().map(found).fillna("").set_axis(out.index).astype(object)


def add_to_list(result, trend, weights: WeightFile) -> None:
    """The trend's part of a run's outreach list (`result.outreach`, in place): the shown
    change since the previous run and what changed, first in `why`. The monthly run and
    `render --run` both call it, so the list reads the same either way."""
    if result.outreach is None or trend.parts is None or trend.previous is None:
        return
    change = trend.trends.set_index("customer_id")["change"]
    changed = what_changed(trend.previous.frame, result.frame, trend.parts, weights,
                           result.outreach["customer_id"])
    add_changes(result.outreach, change, changed)


def add_changes(outreach: pd.DataFrame, change: pd.Series, changed: pd.Series) -> None:
    """Put the shown `change` since the previous run and the changes' words first in `why`
    on the run's outreach list (in place: the list and its order stay the engine's)."""
    ids = outreach["customer_id"].astype(str)
    outreach["change"] = ids.map(change).to_numpy(dtype="float64")
    words = ids.map(changed).fillna("").to_numpy(dtype=object)
    why = outreach["why"].fillna("").to_numpy(dtype=object)
    joined = np.where((words != "") & (why != ""), words + "; " + why, words + why)
    outreach["why"] = joined
