"""Churned accounts leave the active portfolio with their last score frozen, instead of being
scored on ever staler data and decaying into noise. A churned account is named by a status
column of the accounts table (e.g. `status: churned`) or by an outcomes table
(`customer_id, churned_at`), counting only churn dated on or before the as-of date.

The outcomes table is read like every table keyed by customer (io/keyed.py): ids as text
(churning `007` never removes customer `7`) and `churned_at` by the one date rule (ISO 8601 and
the weight file's `date_formats:`; anything else an error with its line, never skipped). A
blank `churned_at` is no churn yet."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

import pandas as pd

from healthscore.errors import DataError, Problem
from healthscore.io.keyed import ids_table
from healthscore.io.tables import SOURCE_ATTR, read_table

CHURNED = ("churned", "cancelled", "canceled", "closed", "lost")
COLUMNS = ("customer_id", "churned_at")


def read_churned(path: str | Path, formats: Sequence[str] = ()) -> pd.DataFrame:
    """The churned accounts table of `run --outcomes` (`customer_id`, `churned_at`): ids as
    text, dates parsed (`formats`: the weight file's `date_formats`); raises `DataError` for
    a missing column or a date the one date rule refuses, naming the file and the line."""
    table = read_table(path)  # `customer_id` is text in every table
    _columns(table)
    return ids_table(table, dates=("churned_at",), formats=formats)


def _columns(outcomes: pd.DataFrame) -> None:
    missing = [c for c in COLUMNS if c not in outcomes.columns]
    if missing:
        src = outcomes.attrs.get(SOURCE_ATTR) or {}
        raise DataError(Problem(
            f"the churned accounts table needs the columns {', '.join(COLUMNS)}; missing "
            f"{', '.join(missing)} (found {', '.join(map(str, outcomes.columns)) or 'none'})",
            file=src.get("file"), line=1 if src.get("first_line") else None))


def churned_ids(accounts: pd.DataFrame | None = None, *, status_column: str = "status",
                outcomes: pd.DataFrame | None = None, as_of: date | None = None) -> set[str]:
    """Ids of customers churned as of `as_of`. `outcomes`: a table from `read_churned` (dates
    already read with the weight file's formats), or as `read_table` gives it (`churned_at`
    then read as ISO 8601); a date the one rule refuses raises `DataError` with its line."""
    out: set[str] = set()
    if accounts is not None and status_column in accounts.columns:
        status = accounts[status_column].astype("string").str.strip().str.lower()
        out |= set(accounts.loc[status.isin(CHURNED).fillna(False).to_numpy(),
                                "customer_id"].astype(str))
    if outcomes is not None and len(outcomes):
        _columns(outcomes)
        read = ids_table(outcomes, dates=("churned_at",))  # already parsed: taken as they are
        when = read["churned_at"]
        keep = when.notna() & ((when.dt.date <= as_of) if as_of is not None else True)
        out |= set(read.loc[keep.to_numpy(dtype=bool), "customer_id"].dropna())
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
