"""Which runs a backtest may judge, and what happened after each.

A row (customer, as-of date) is labelled 1 when the customer has the event (by default
`churned`) in the horizon after the as-of date: later than the as-of date, at most the
horizon after it. Rows are left out, never guessed:

- a customer whose churn date is on or before the as-of date is gone: not scored after it;
- an as-of date whose horizon ends after the outcomes are known (`observed_until`, by default
  the last outcome date) cannot be judged yet: nothing happening there is not "no churn".

The scores themselves were made with data up to their as-of date (see `runs`), and the label
looks only at the horizon after it, so nothing a row is judged on leaks into its score.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from healthscore.errors import DataError, Problem
from healthscore.evidence.outcomes import check_known, churn_dates
from healthscore.spec.durations import parse_duration


@dataclass
class Labelled:
    rows: pd.DataFrame            # panel rows that can be judged, with `y` (0/1)
    horizon: str
    event: tuple[str, ...]
    observed_until: pd.Timestamp
    gone: int                     # rows left out: the customer had already churned
    pending_dates: list[pd.Timestamp]  # as-of dates whose horizon is not over yet


def horizon_offset(horizon: str) -> pd.DateOffset:
    try:
        return parse_duration(horizon)
    except ValueError as exc:
        raise DataError(Problem(str(exc), key="--horizon")) from None


def label(panel: pd.DataFrame, outcomes: pd.DataFrame, horizon: str = "90d",
          event: tuple[str, ...] = ("churned",),
          observed_until: pd.Timestamp | None = None) -> Labelled:
    """Attach `y` to the panel rows a backtest can judge; see the module docstring."""
    offset = horizon_offset(horizon)
    check_known(outcomes, panel["customer_id"])
    file = outcomes.attrs.get("file")
    first, last = panel["as_of"].min(), panel["as_of"].max()
    if outcomes.empty or outcomes["date"].max() <= first:
        latest = "none" if outcomes.empty else f"{outcomes['date'].max():%Y-%m-%d}"
        raise DataError(Problem(
            f"every outcome is dated on or before the first as-of date {first:%Y-%m-%d} "
            f"(latest outcome: {latest}), so no run can have predicted any of them; give "
            "outcomes that happened after the runs, or runs from before the outcomes",
            file=file, key="date"))
    until = pd.Timestamp(observed_until) if observed_until is not None else \
        outcomes["date"].max()
    ends = {d: d + offset for d in panel["as_of"].unique()}
    judged = [d for d, end in ends.items() if end <= until]
    pending = sorted(d for d in ends if d not in judged)
    if not judged:
        raise DataError(Problem(
            f"the outcomes are known until {until:%Y-%m-%d}, but the {horizon} horizon after "
            f"the first as-of date {first:%Y-%m-%d} ends {ends[first]:%Y-%m-%d}: no run can be "
            f"judged yet (latest run {last:%Y-%m-%d}); use a shorter --horizon or earlier runs",
            file=file, key="date"))
    rows = panel[panel["as_of"].isin(judged)]
    churn = churn_dates(outcomes, ("churned",)).reindex(rows["customer_id"]).to_numpy()
    gone = churn <= rows["as_of"].to_numpy()  # NaT (never churned) compares False
    rows = rows[~gone].reset_index(drop=True)
    rows["y"] = _hits(rows, outcomes[outcomes["outcome"].isin(event)], ends)
    return Labelled(rows.reset_index(drop=True), horizon, tuple(event), until,
                    int(gone.sum()), pending)


def _hits(rows: pd.DataFrame, events: pd.DataFrame, ends: dict) -> np.ndarray:
    """1 where the customer has an event in (as_of, as_of + horizon]."""
    pairs = pd.DataFrame({"row": np.arange(len(rows)), "customer_id": rows["customer_id"],
                          "as_of": rows["as_of"]}).merge(events[["customer_id", "date"]],
                                                          on="customer_id")
    inside = (pairs["date"] > pairs["as_of"]) & (pairs["date"] <= pairs["as_of"].map(ends))
    y = np.zeros(len(rows), dtype=np.int8)
    y[pairs.loc[inside, "row"].to_numpy()] = 1
    return y
