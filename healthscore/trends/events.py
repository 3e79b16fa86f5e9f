"""Tier changes as events: one JSON object per customer whose tier changed between two runs,
written as JSON lines (and POSTed by `trends/webhook.py`)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from healthscore.io.atomic import atomic_file


def _plain(value):
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return value.item() if isinstance(value, np.generic) else value


def tier_events(before: pd.DataFrame, after: pd.DataFrame, parts: pd.DataFrame, *,
                run_id: str, as_of, top: int = 3) -> list[dict]:
    """Events for customers in both scored frames whose tier differs. `parts` is
    `trends.attribute(before, after)` (its item columns name the causes, largest move
    first)."""
    b = before.assign(customer_id=before["customer_id"].astype(str)).set_index("customer_id")
    a = after.assign(customer_id=after["customer_id"].astype(str)).set_index("customer_id")
    both = a.index[a.index.isin(b.index)]
    was, now = b.loc[both, "tier"].astype(str), a.loc[both, "tier"].astype(str)
    moved = both[(was != now).to_numpy()]
    items = parts.drop(columns=["score_before", "score_after", "change"], errors="ignore")
    events = []
    for cid in moved:  # one per changed customer: a handful, not the portfolio
        row = items.loc[cid] if cid in items.index else pd.Series(dtype="float64")
        causes = row.dropna()
        causes = causes[causes != 0].reindex(causes.abs().sort_values(
            ascending=False, kind="stable").index).iloc[:top]
        events.append({
            "event": "tier_change", "run_id": run_id, "as_of": str(as_of),
            "customer_id": cid, "name": _plain(a.at[cid, "name"]) if "name" in a else None,
            "owner": _plain(a.at[cid, "owner"]) if "owner" in a else None,
            "arr": _plain(a.at[cid, "arr"]) if "arr" in a else None,
            "from": was[cid], "to": now[cid],
            "score_before": _plain(b.at[cid, "score"]), "score_after": _plain(a.at[cid, "score"]),
            "causes": [{"item": k, "points": round(float(v), 2)} for k, v in causes.items()]})
    return events


def write_events(events: list[dict], path: str | Path) -> Path:
    """The events as JSON lines, written atomically (an empty file when nothing changed)."""
    with atomic_file(path) as tmp:
        Path(tmp).write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in events),
                             encoding="utf-8")
    return Path(path)
