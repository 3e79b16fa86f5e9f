"""Runs as of past dates, as one long frame: the input of backtests and of `tune`.

A *panel* has one row per customer per as-of date: `customer_id`, `as_of`, `score`, `tier`,
`arr` (when known) and per signal `<signal>.score` (0–100) and, when the run kept them,
`<signal>.raw` and `<signal>.points`. It comes from one of three places, all ending in the same
frame so the backtest cannot tell them apart:

- `backfill_runs`: recomputed from the raw exports with the public API
  (`compute_signals(wf, as_of)` then `score`), one as-of date at a time. Signals never read
  data dated after their as-of date, so this is what those runs would have said;
- `score_history`: a customer table with an `as_of` column (one row per customer per date);
- `from_store`: a frame of stored runs (`customer_id, as_of, score, tier` and per-signal
  scores); `stored_runs` reads it from a run store: the scores those runs really gave, as
  recorded, one run per as-of date.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path

import pandas as pd

from healthscore.engine import frame as scored_frame
from healthscore.engine.run import Run, score_run
from healthscore.errors import DataError, Problem
from healthscore.io.cite import cite_rows
from healthscore.io.dates import table_dates
from healthscore.io.tables import SOURCE_ATTR
from healthscore.store import Store, latest_runs, load_run
from healthscore.weights.model import WeightFile

KEYS = ["customer_id", "as_of", "score", "tier"]
PARTS = ("score", "raw", "points")  # the parts of each signal a panel keeps


def _panel_part(frame: pd.DataFrame, wf: WeightFile, day) -> pd.DataFrame:
    keep = ["customer_id", "score", "tier"] + [c for c in ("arr",) if c in frame.columns]
    names = _signal_names(wf)
    keep += [c for c in frame.columns if (parsed := scored_frame.split(c)) is not None
             and parsed[1] in PARTS and parsed[0] in names]
    part = frame[keep].copy()
    part.insert(1, "as_of", pd.Timestamp(day))
    part["customer_id"] = part["customer_id"].astype(str)
    part["tier"] = part["tier"].astype(str)
    return part


def _signal_names(wf: WeightFile) -> set[str]:
    return set(wf.all_signals())


def backfill_runs(wf: WeightFile, dates: Iterable[date],
                  data_dir: str | Path | None = None) -> pd.DataFrame:
    """Score each date from the raw exports the weight file's `sources:` declare, in order,
    each against the one before for the tier hysteresis, as the monthly runs would have."""
    from healthscore.signals import compute_signals  # loads DuckDB: only when recomputing

    if not wf.sources:
        raise DataError(Problem(
            "this weight file has no `sources:`, so past runs cannot be recomputed from raw "
            "exports; pass a customer table with an `as_of` column instead (--customers)",
            file=wf.path, key="sources"))
    parts = []
    previous = None
    for day in sorted(set(dates)):
        table = compute_signals(wf, day, base_dir=data_dir)
        run = Run(table.frame, wf, as_of=day, explain=False, previous=previous).execute()
        parts.append(_panel_part(run.frame, wf, day))
        previous = pd.DataFrame({"tier": run.frame["tier"].astype(str).to_numpy(),
                                 "score": run.frame["score"].to_numpy(dtype="float64")},
                                index=run.frame["customer_id"].astype(str).to_numpy())
    return pd.concat(parts, ignore_index=True)


def score_history(table: pd.DataFrame, wf: WeightFile, as_of_column: str = "as_of"
                  ) -> pd.DataFrame:
    """Score a customer table holding several dates (`as_of` column), each date as of itself."""
    if as_of_column not in table.columns:
        raise DataError(Problem(
            f"a backtest needs scores at several dates: the customer table needs an "
            f"`{as_of_column}` column (one row per customer per date)", key=as_of_column))
    when = pd.Series(table_dates(table, as_of_column, wf.formats).to_numpy(), index=table.index)
    if when.isna().any():
        raise DataError(Problem(f"expected a date in column `{as_of_column}`; found a blank on "
                                f"{cite_rows(table, when.isna(), as_of_column)}",
                                file=(table.attrs.get(SOURCE_ATTR) or {}).get("file"),
                                key=as_of_column))
    parts = []
    for day, rows in table.groupby(when.dt.normalize(), sort=True):
        run = score_run(rows.drop(columns=[as_of_column]).reset_index(drop=True), wf,
                        as_of=day.date(), explain=False)
        parts.append(_panel_part(run.frame, wf, day))
    return pd.concat(parts, ignore_index=True)


def from_store(frame: pd.DataFrame) -> pd.DataFrame:
    """Stored runs as a panel: checks the columns and normalises their types."""
    missing = [c for c in KEYS if c not in frame.columns]
    if missing:
        raise DataError(Problem(f"stored runs need the columns {', '.join(KEYS)}; missing "
                                f"{', '.join(missing)}"))
    out = frame.copy()
    out["customer_id"] = out["customer_id"].astype(str)
    out["as_of"] = pd.to_datetime(out["as_of"]).dt.normalize()
    out["tier"] = out["tier"].astype(str)
    return out.reset_index(drop=True)


def stored_runs(store: Store, wf: WeightFile) -> pd.DataFrame:
    """The panel of the runs recorded with weight file `wf` (by its name), one per as-of date
    (the latest recorded), read back exactly as stored: no re-scoring."""
    chosen = latest_runs(store, label=wf.name)
    if chosen.empty:
        raise DataError(Problem(
            f"the run store holds no run of weight file `{wf.name}`; record runs with "
            "`healthscore run`, or backtest from the exports (--data) or a table (--customers)",
            file=str(store.where)))
    parts = [_panel_part(load_run(store, rid).frame, wf, day)
             for rid, day in zip(chosen["run_id"], chosen["as_of"], strict=True)]
    return from_store(pd.concat(parts, ignore_index=True))


def signal_columns(panel: pd.DataFrame, part: str = "score") -> list[str]:
    """Signal names with a `<signal>.<part>` column, in panel order."""
    return [parsed[0] for parsed in map(scored_frame.split, panel.columns)
            if parsed is not None and parsed[1] == part]
