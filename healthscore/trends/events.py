"""Tier changes as events: one JSON object per customer whose tier changed between two runs,
written as JSON lines and optionally POSTed to a webhook (retries with back-off, a timeout),
so a CRM or chat channel hears about "watch → at risk" the day the run lands."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pandas as pd

from healthscore.errors import HealthscoreError, Problem
from healthscore.io.atomic import atomic_file

RETRIES = 3
TIMEOUT = 10.0
BACKOFF = 0.5  # seconds before the first retry, doubled each time


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


def _post(url: str, body: bytes, timeout: float) -> None:
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
        response.read()


def post_events(events: list[dict], url: str, *, retries: int = RETRIES,
                timeout: float = TIMEOUT, backoff: float = BACKOFF) -> int:
    """POST each event as JSON to `url`. A timeout, a refused connection or a 5xx answer is
    retried `retries` times with doubling back-off; a 4xx is not (the hook rejects it).
    Returns how many were delivered; raises HealthscoreError naming what failed."""
    failed: list[str] = []
    delivered = 0
    for event in events:
        body = json.dumps(event, ensure_ascii=False).encode()
        for attempt in range(retries + 1):
            try:
                _post(url, body, timeout)
                delivered += 1
                break
            except urllib.error.HTTPError as exc:
                reason = f"HTTP {exc.code}"
                if exc.code < 500:
                    failed.append(f"{event['customer_id']}: {reason}")
                    break
            except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
                reason = str(getattr(exc, "reason", exc))
            if attempt == retries:
                failed.append(f"{event['customer_id']}: {reason} after {retries + 1} tries")
            else:
                time.sleep(backoff * 2 ** attempt)
    if failed:
        raise HealthscoreError(Problem(
            f"{len(failed)} of {len(events)} tier-change events were not delivered: "
            + "; ".join(failed[:5]), file=url, severity="error"))
    return delivered
