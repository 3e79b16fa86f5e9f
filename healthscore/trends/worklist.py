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


def _moved(before, now) -> str:
    if isinstance(now, int | float) and isinstance(before, int | float):
        return "up" if now > before else "down"
    return "was"


def what_changed(before: pd.DataFrame, after: pd.DataFrame, parts: pd.DataFrame,
                 weights: WeightFile, ids: pd.Series, top: int = CHANGED_SHOWN) -> pd.Series:
    """Per id of `ids`: "Days overdue 34, up from 3; CSAT 71%, down from 90%" for the signals
    that moved the score most since `before` (largest falls first, then rises), each whose
    raw value changed; empty when nothing did. A loop over the listed customers only."""
    ids = ids.astype(str)
    signals = weights.all_signals()
    names = [c for c in parts.columns if c in signals]
    listed = parts.loc[parts.index.isin(ids), names] if names else parts.iloc[:0]
    out = pd.Series("", index=ids.to_numpy(), dtype=object)
    if listed.empty:
        return out
    whole = whole_parts(pd.concat([parts.loc[listed.index,
                                             ["score_before", "score_after", "change"]],
                                   listed], axis=1))
    b = before.set_index(before["customer_id"].astype(str))
    a = after.set_index(after["customer_id"].astype(str))
    for cid in listed.index:
        row = whole.loc[cid].dropna()
        row = row[row != 0]
        # falls first (a CSM's reason to call), then rises; larger first within each
        order = row.index[np.lexsort((-row.abs().to_numpy(), (row > 0).to_numpy()))]
        words = []
        for name in order:
            column = f"{name}.raw"
            if column not in a.columns or column not in b.columns or cid not in b.index:
                continue
            now, then = a.at[cid, column], b.at[cid, column]
            if pd.isna(now) or pd.isna(then) or now == then:
                continue
            now, then = _plain(now), _plain(then)
            unit = signals[name].unit
            words.append(f"{display_label(weights, name)} {fmt_raw(now, unit)}, "
                         f"{_moved(then, now)} {'from ' if _moved(then, now) != 'was' else ''}"
                         f"{fmt_raw(then, unit)}")
            if len(words) == top:
                break
        out[cid] = "; ".join(words)
    return out


def _plain(value):
    return value.item() if isinstance(value, np.generic) else value


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
