"""The as-of instant and windows: the one place that decides which timestamps count.

Every timestamp is compared in UTC. An as-of *date* D means "everything up to the end of D":
rows with a timestamp before D+1 00:00:00 UTC count, later ones do not exist yet. An as-of
*datetime* T means "everything up to and including T" (naive T is read as UTC). A window of
length L ends where as-of ends and starts L earlier, start included: `30d` as of 2026-03-31
covers 2026-03-02 00:00:00 up to 2026-04-01 00:00:00 (exclusive), i.e. 30 whole days. Months
are calendar months (`6M` as of 2026-06-30 starts 2026-01-01).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pandas as pd

from healthscore.errors import DataError, Problem
from healthscore.spec.durations import parse_duration


@dataclass(frozen=True)
class AsOf:
    """The cut-off of one computation, in UTC without a zone (as DuckDB compares them)."""

    end: pd.Timestamp  # exclusive: rows with a timestamp >= end are in the future
    day: date  # calendar day of the as-of instant, for day counts (days since / until)

    def start(self, window: str | None) -> pd.Timestamp | None:
        """First instant (inclusive) of a window ending at `end`; None = all history."""
        if window is None:
            return None
        return self.end - parse_duration(window)

    def previous(self, window: str) -> tuple[pd.Timestamp, pd.Timestamp]:
        """The window of the same length just before this one: [start, end)."""
        offset = parse_duration(window)
        this_start = self.end - offset
        return this_start - offset, this_start


EARLIEST, LATEST = date(1900, 1, 1), date(2199, 12, 31)  # windows reach years back; pandas
# timestamps end in 2262, so a date outside this range is a typo, not a scoring date


def as_of_instant(as_of: date | datetime | str | pd.Timestamp) -> AsOf:
    """Normalise what a user passes (a date, a datetime, `2026-03-31`) to an `AsOf`."""
    try:
        instant = _instant(as_of)
    except (OverflowError, pd.errors.OutOfBoundsDatetime):
        instant = None
    if instant is None or not EARLIEST <= instant.day <= LATEST:
        shown = instant.day.isoformat() if instant else str(as_of)
        raise DataError(Problem(f"as-of date {shown} is out of range; give a date between "
                                f"{EARLIEST} and {LATEST}", key="as_of"))
    return instant


def _instant(as_of: date | datetime | str | pd.Timestamp) -> AsOf:
    if isinstance(as_of, str):
        text = as_of.strip()
        as_of = date.fromisoformat(text) if len(text) == 10 else pd.Timestamp(text)
    if isinstance(as_of, pd.Timestamp):
        as_of = as_of.to_pydatetime()
    if isinstance(as_of, datetime):
        if as_of.tzinfo is not None:
            as_of = as_of.astimezone(UTC).replace(tzinfo=None)
        end = pd.Timestamp(as_of) + pd.Timedelta(microseconds=1)
        return AsOf(end=end, day=as_of.date())
    if isinstance(as_of, date):
        return AsOf(end=pd.Timestamp(as_of + timedelta(days=1)), day=as_of)
    raise TypeError(f"as_of must be a date or datetime; got {type(as_of).__name__}")


def sql_ts(ts: pd.Timestamp) -> str:
    """A timestamp literal for DuckDB, microsecond precision."""
    return f"TIMESTAMP '{ts.strftime('%Y-%m-%d %H:%M:%S.%f')}'"
