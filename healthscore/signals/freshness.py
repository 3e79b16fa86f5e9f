"""Is an export fresh enough to score as of a date? Checked before any signal is trusted.

An export that ends before the as-of date does not say "no activity": it says nothing. Scored
anyway, every customer's usage in the missing days reads as zero, with status `ok` (a month
scored after the exports ended moved 226 customers' tiers at once). So each source with a
`time:` column is compared with the as-of date: its latest row dated before the as-of instant
must be at most `fresh_within` (default 3 days) before it, else the run refuses and names the
source and its last date; `--allow-stale` turns that into a warning the run records.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from healthscore.errors import Problem
from healthscore.signals.asof import AsOf, sql_ts
from healthscore.signals.sources import Table, q
from healthscore.spec.durations import parse_duration

KEY = "fresh_within"


def freshness(con: duckdb.DuckDBPyConnection, table: Table, asof: AsOf,
              allow_stale: bool) -> list[Problem]:
    """The problem with `table`'s freshness as of `asof` (an error, or a warning when
    `allow_stale`); none when it is fresh or not checked."""
    spec = table.spec
    if spec.time is None or spec.fresh_within is None or spec.time not in table.types:
        return []
    ts = q(spec.time)
    (latest,) = con.execute(f"SELECT max({ts}) FILTER (WHERE {ts} < {sql_ts(asof.end)}) "
                            f"FROM {q(table.view)}").fetchall()[0]
    limit = asof.end - parse_duration(spec.fresh_within)
    if latest is not None and pd.Timestamp(latest) >= limit:
        return []
    day = asof.day.isoformat()
    if latest is None:
        found = f"has no rows dated up to {day}"
    else:
        last = pd.Timestamp(latest)
        gap = (asof.day - last.date()).days
        found = f"ends on {last:%Y-%m-%d}, {gap} days before the as-of date {day}"
    advice = ("scored anyway (--allow-stale): its signals may read as zero activity"
              if allow_stale else
              "export data up to the as-of date, set "
              f"`sources.{table.name}.fresh_within:` to the gap this export really has "
              "(e.g. 35d for monthly invoices), or pass --allow-stale to score anyway")
    return [Problem(f"source `{table.name}` {found}; a source must reach within "
                    f"{spec.fresh_within} of the as-of date; {advice}", file=table.where,
                    key=f"sources.{table.name}.{KEY}",
                    severity="warning" if allow_stale else "error")]
