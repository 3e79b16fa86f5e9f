"""Time in tier: how many consecutive runs (and since when) each customer has been in its
current tier, "at risk for 3 runs"."""

from __future__ import annotations

import pandas as pd


def time_in_tier(history: pd.DataFrame) -> pd.DataFrame:
    """From `customer_id, as_of, tier` (the current run included): per customer its latest
    `tier`, `runs_in_tier` (consecutive runs ending with the latest) and `tier_since` (the
    as-of date of the first of them). Vectorised: a streak id changes where the tier does."""
    h = history[["customer_id", "as_of", "tier"]].assign(
        customer_id=history["customer_id"].astype(str), tier=history["tier"].astype(str))
    h = h.sort_values(["customer_id", "as_of"], kind="stable")
    new = (h["customer_id"] != h["customer_id"].shift()) | (h["tier"] != h["tier"].shift())
    h["streak"] = new.cumsum()
    last = h.groupby("customer_id", sort=False)["streak"].transform("last")
    current = h[h["streak"] == last]
    out = current.groupby("customer_id", sort=True).agg(
        tier=("tier", "last"), runs_in_tier=("tier", "size"), tier_since=("as_of", "first"))
    return out.reset_index()
