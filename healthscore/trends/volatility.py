"""How jumpy the scores are from run to run: the median absolute change, and the share of
tier flips that revert at the next run (a customer going watch → at risk → watch reads as
noise to a CSM). Both are in the monthly run's summary so a smoothing change shows."""

from __future__ import annotations

import numpy as np
import pandas as pd


def volatility(history: pd.DataFrame) -> dict:
    """From `customer_id, as_of, score, tier` over several runs: `median_abs_change` (points,
    between a customer's consecutive runs, both scored), `changes` (how many such pairs),
    `flips` (tier changes followed by another run), `reverted` (of those, back to the
    earlier tier at the next run) and `revert_share`."""
    h = history.assign(customer_id=history["customer_id"].astype(str),
                       tier=history["tier"].astype(str)).sort_values(
        ["customer_id", "as_of"], kind="stable")
    same = h["customer_id"] == h["customer_id"].shift()
    diff = (h["score"].astype("float64") - h["score"].astype("float64").shift())[same]
    diff = diff.dropna()
    prev_tier = h["tier"].shift()
    next_tier = h["tier"].shift(-1)
    has_next = h["customer_id"] == h["customer_id"].shift(-1)
    flip = same & (h["tier"] != prev_tier) & has_next
    reverted = flip & (next_tier == prev_tier)
    flips, back = int(flip.sum()), int(reverted.sum())
    return {"median_abs_change": float(np.median(np.abs(diff))) if len(diff) else None,
            "changes": int(len(diff)), "flips": flips, "reverted": back,
            "revert_share": back / flips if flips else None}
