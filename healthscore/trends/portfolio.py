"""The portfolio run by run: customers, share and ARR per tier, for the "portfolio over
time" chart and for anyone who wants the numbers."""

from __future__ import annotations

import pandas as pd


def portfolio_over_time(history: pd.DataFrame, tiers: list[str] | None = None) -> pd.DataFrame:
    """From rows `as_of, tier, arr` (one per customer and run, e.g. the store's
    `history_frame(..., with_arr=True)`): one row per run and tier with `customers`, `share`
    (of the run's customers), `arr` and `arr_share`. Tiers in `tiers` order when given."""
    h = history.assign(tier=history["tier"].astype(str),
                       arr=pd.to_numeric(history.get("arr", 0.0)).fillna(0.0))
    out = (h.groupby(["as_of", "tier"], sort=True, observed=True)
           .agg(customers=("tier", "size"), arr=("arr", "sum")).reset_index())
    totals = out.groupby("as_of")[["customers", "arr"]].transform("sum")
    out["share"] = out["customers"] / totals["customers"]
    out["arr_share"] = (out["arr"] / totals["arr"]).where(totals["arr"] > 0, 0.0)
    if tiers is not None:
        order = {t: i for i, t in enumerate(tiers)}
        out = out.sort_values(["as_of", "tier"], key=lambda s: s.map(order).fillna(len(order))
                              if s.name == "tier" else s, kind="stable")
    return out[["as_of", "tier", "customers", "share", "arr", "arr_share"]].reset_index(
        drop=True)
