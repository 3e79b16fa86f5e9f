"""Tier changes as events: one JSON object per customer whose tier changed between two runs,
written as JSON lines (and POSTed by `trends/webhook.py`).

An event says what every page says: the tiers (held at the edges by the weight file's
`trend.tier_margin`, so a score jittering around an edge is no event), the shown scores and
their change, and the causes in whole points adding up to that change, each with its label.
Events are strict JSON: no NaN or Infinity ever reaches a receiver (`json.dumps(...,
allow_nan=False)` would refuse them).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from healthscore.engine.display import shown_score
from healthscore.io.atomic import atomic_file
from healthscore.trends.attribution import whole_parts


def _plain(value):
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    return value.item() if isinstance(value, np.generic) else value


def tier_events(before: pd.DataFrame, after: pd.DataFrame, parts: pd.DataFrame, *,
                run_id: str, as_of, labels: dict[str, str] | None = None,
                top: int = 3) -> list[dict]:
    """Events for customers in both scored frames whose tier differs. `parts` is
    `trends.attribute(before, after)` (or the month's split with a `formula` item): its
    items become the causes, in whole points adding up to the shown change, largest first,
    zero moves left out."""
    labels = labels or {}
    b = before.assign(customer_id=before["customer_id"].astype(str)).set_index("customer_id")
    a = after.assign(customer_id=after["customer_id"].astype(str)).set_index("customer_id")
    both = a.index[a.index.isin(b.index)]
    was, now = b.loc[both, "tier"].astype(str), a.loc[both, "tier"].astype(str)
    moved = both[(was != now).to_numpy()]
    whole = whole_parts(parts.loc[parts.index.isin(moved)]) if len(moved) else None
    exact = parts.drop(columns=["score_before", "score_after", "change"], errors="ignore")
    events = []
    for cid in moved:  # one per changed customer: a handful, not the portfolio
        causes = []
        if whole is not None and cid in whole.index:
            row, size = whole.loc[cid], exact.loc[cid].abs().fillna(0.0)
            row = row[row.notna() & (row != 0)]
            key = row.abs() * 1000.0 + size.reindex(row.index).clip(upper=999.0)
            for item in key.sort_values(ascending=False, kind="stable").index[:top]:
                causes.append({"item": item, "label": labels.get(item, item),
                               "points": int(row[item])})
        old, new = shown_score(_plain(b.at[cid, "score"])), shown_score(_plain(a.at[cid,
                                                                                    "score"]))
        events.append({
            "event": "tier_change", "run_id": run_id, "as_of": str(as_of),
            "customer_id": cid, "name": _plain(a.at[cid, "name"]) if "name" in a else None,
            "owner": _plain(a.at[cid, "owner"]) if "owner" in a else None,
            "arr": _plain(a.at[cid, "arr"]) if "arr" in a else None,
            "from": was[cid], "to": now[cid],
            "score_before": old, "score_after": new,
            "change": None if old is None or new is None else new - old,
            "causes": causes})
    return events


def event_line(event: dict) -> str:
    """One event as strict JSON (no NaN, no Infinity: a strict receiver accepts it)."""
    return json.dumps(event, ensure_ascii=False, allow_nan=False)


def write_events(events: list[dict], path: str | Path) -> Path:
    """The events as JSON lines, written atomically (an empty file when nothing changed)."""
    with atomic_file(path) as tmp:
        Path(tmp).write_text("".join(event_line(e) + "\n" for e in events), encoding="utf-8")
    return Path(path)
