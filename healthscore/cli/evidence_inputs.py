"""Inputs shared by `backtest` and `tune`: where the past runs come from, and the outcomes."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from healthscore.errors import HealthscoreError, Problem

HistoryOpt = Annotated[Path | None, typer.Option(
    "--customers", "-c", help="customer table with an `as_of` column (one row per customer per "
                              "date); omit it to recompute past runs from the raw exports")]
DataOpt = Annotated[Path | None, typer.Option(
    "--data", help="folder the weight file's source paths are relative to, for recomputing "
                   "past runs (default: the weight file's folder)")]
LastOpt = Annotated[datetime | None, typer.Option(
    "--as-of", formats=["%Y-%m-%d"], help="the latest run to recompute (default: today)")]
MonthsOpt = Annotated[int, typer.Option(
    help="how many month-ends to recompute, ending with --as-of's month")]
OutcomesOpt = Annotated[str, typer.Option(
    "--outcomes", help="outcomes table (customer_id, date, outcome): CSV, Parquet, Excel, or "
                       "a database URL such as sqlite:///crm.db")]
OutcomesTableOpt = Annotated[str, typer.Option(
    help="table name when --outcomes is a database URL")]
HorizonOpt = Annotated[str, typer.Option(help="how long after each as-of date an outcome "
                                              "counts, e.g. 90d or 3M")]
EventOpt = Annotated[str, typer.Option(
    help="the outcome to predict; several comma-separated, e.g. churned,contracted")]
UntilOpt = Annotated[datetime | None, typer.Option(
    "--observed-until", formats=["%Y-%m-%d"],
    help="the outcomes are complete up to this date (default: the latest outcome)")]


def events(text: str) -> tuple[str, ...]:
    from healthscore.evidence.outcomes import OUTCOMES

    chosen = tuple(e.strip().lower() for e in text.split(",") if e.strip())
    bad = [e for e in chosen if e not in OUTCOMES]
    if bad or not chosen:
        raise HealthscoreError(Problem(
            f"unknown outcome {', '.join(bad) or '(none)'}; choose from {', '.join(OUTCOMES)}",
            key="--event"))
    return chosen


def panel_source(customers: Path | None, data: Path | None, as_of: datetime | None,
                 months: int, store: str | None = None):
    """A function weight file → panel: from stored runs (`--store`), a dated customer table,
    or recomputed exports."""
    from healthscore.engine.prepare import text_columns
    from healthscore.engine.run import as_date
    from healthscore.evidence.runs import backfill_runs, score_history
    from healthscore.io.keyed import read_ids_table
    from healthscore.pipeline import month_ends_before

    if store is not None:
        from healthscore.evidence.runs import stored_runs
        from healthscore.store import open_store

        opened = open_store(store, read_only=True)
        return lambda wf: stored_runs(opened, wf)
    if customers is not None:  # ids as text, `as_of` by the one date rule (io/keyed.py)
        return lambda wf: score_history(read_ids_table(
            customers, ids=text_columns(wf), dates=("as_of",), formats=wf.formats), wf)
    if months < 1:
        raise HealthscoreError(Problem("must be at least 1", key="--months"))
    last = as_date(as_of)
    dates = [*month_ends_before(last, months - 1), last]
    return lambda wf: backfill_runs(wf, dates, data)
