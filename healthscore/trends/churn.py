"""Churned accounts leave the active portfolio with their last score frozen, instead of being
scored on ever staler data and decaying into noise. A churned account is named by a status
column of the accounts table (e.g. `status: churned`) or by an outcomes table
(`customer_id, churned_at`), counting only churn dated on or before the as-of date."""

from __future__ import annotations

from datetime import date

import pandas as pd

CHURNED = ("churned", "cancelled", "canceled", "closed", "lost")


def churned_ids(accounts: pd.DataFrame | None = None, *, status_column: str = "status",
                outcomes: pd.DataFrame | None = None, as_of: date | None = None) -> set[str]:
    """Ids of customers churned as of `as_of`."""
    out: set[str] = set()
    if accounts is not None and status_column in accounts.columns:
        status = accounts[status_column].astype("string").str.strip().str.lower()
        out |= set(accounts.loc[status.isin(CHURNED).fillna(False).to_numpy(),
                                "customer_id"].astype(str))
    if outcomes is not None and len(outcomes):
        when = pd.to_datetime(outcomes["churned_at"], errors="coerce")
        keep = when.notna() & ((when.dt.date <= as_of) if as_of is not None else True)
        out |= set(outcomes.loc[keep, "customer_id"].astype(str))
    return out


def split_churned(frame: pd.DataFrame, churned: set[str],
                  last: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(active, churned): the scored frame without churned customers, and the churned ones
    with their last stored `score`, `tier` and `as_of` (from `last`, the store's history
    frame), not today's."""
    ids = frame["customer_id"].astype(str)
    gone = ids.isin(churned)
    active = frame.loc[~gone.to_numpy()].reset_index(drop=True)
    columns = ["customer_id", "name", "owner", "arr"]
    left = frame.loc[gone.to_numpy(), [c for c in columns if c in frame.columns]].copy()
    left["customer_id"] = left["customer_id"].astype(str)
    if last is not None and len(last):
        latest = (last.assign(customer_id=last["customer_id"].astype(str))
                  .sort_values("as_of", kind="stable")
                  .drop_duplicates("customer_id", keep="last")
                  .set_index("customer_id")[["as_of", "score", "tier"]])
        left = left.join(latest, on="customer_id")
    else:
        left = left.assign(as_of=None, score=float("nan"), tier=None)
    return active, left.reset_index(drop=True)
