"""The one date reader: every table's dates (outcomes, history, churn, `as_of` columns, and the
shapes the raw-export reader accepts in DuckDB) read by one rule.

A date written as text is read when it is

- ISO 8601 (year first): a date (`2026-03-31`, also `2026/3/31`), optionally a time of day
  (`14:00`, `14:00:00`, `14:00:00.123456`, after a space or `T`), and, only after a time of
  day, optionally a zone: an offset (`Z`, `+05:00`, `-0500`, `+05`) or an IANA name after a
  space (`Europe/Berlin`, `UTC`, `GMT`). A value with a zone is converted to UTC and then
  made naive, so every date of a table is naive wall time in UTC (or as written when no zone
  is given);
- or written in one of the formats the weight file declares (`date_formats:`, strptime codes
  such as `%d/%m/%Y`).

Anything else is an error naming the file, the line, the column, what was expected and what
was found; never a guess. A value that two readings take to different dates
(`03/04/2026` with both `%d/%m/%Y` and `%m/%d/%Y` declared) is refused as ambiguous, with
both readings. Stored dates (Parquet, Excel and SQL date or timestamp columns) are taken as
they are, converted to naive UTC when they carry a zone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from healthscore.errors import DataError, Problem
from healthscore.io.cite import cite_rows
from healthscore.io.tables import SOURCE_ATTR

# The shapes, shared with the raw-export reader (signals/sources.py, where DuckDB checks the
# numbers and the zone name): these patterns only make sure that nothing else follows.
DATE_RE = r"\d{4}[-/]\d{1,2}[-/]\d{1,2}"
TIME_RE = r"\d{1,2}:\d\d(:\d\d(\.\d*)?)?"
ZONE_NAME_RE = r"[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)+|[Uu][Tt][Cc]|[Gg][Mm][Tt]"
ZONED_RE = rf"^{DATE_RE}[Tt ] *{TIME_RE}( *(Z|z|[+-]\d\d(:?\d\d)?)| +({ZONE_NAME_RE}))$"
NAIVE_RE = rf"^{DATE_RE}([Tt ] *{TIME_RE})?$"

# the same shapes, with the parts named for reading them in pandas
_PARTS = re.compile(
    r"^(?P<year>\d{4})[-/](?P<month>\d{1,2})[-/](?P<day>\d{1,2})"
    r"(?:[Tt ] *(?P<hour>\d{1,2}):(?P<minute>\d\d)(?::(?P<second>\d\d)(?:\.(?P<frac>\d*))?)?"
    r"(?: *(?P<utc>[Zz])| *(?P<sign>[+-])(?P<oh>\d\d)(?::?(?P<om>\d\d))?"
    rf"| +(?P<zone>{ZONE_NAME_RE}))?)?$")

# the common shapes pandas' own ISO 8601 parser reads exactly as the rule does: taken by it
# (fast); the other shapes (2026/3/1, a zone name, `+05`) by the parts above
_COMMON = (r"^\d{4}-\d\d-\d\d([T ]\d\d:\d\d(:\d\d(\.\d{1,6})?)?(Z|[+-]\d\d:\d\d)?)?$")

ISO_EXAMPLE = "2026-10-31, 2026-10-31 14:00 or 2026-10-31T14:00:00+02:00"
# strptime codes a declared format may use: the ones Python, pandas and DuckDB read alike
FORMAT_CODES = frozenset("dmYyHMSbB%")
_CODE = re.compile(r"%(.)")
# the dates a pandas timestamp holds (nanoseconds since 1970): beyond them, an error
EARLIEST, LATEST = pd.Timestamp("1678-01-01"), pd.Timestamp("2261-12-31 23:59:59")


def check_format(fmt: str) -> str | None:
    """Why `fmt` cannot be a declared date format, or None when it can."""
    codes = _CODE.findall(fmt)
    unknown = sorted({c for c in codes if c not in FORMAT_CODES})
    if unknown:
        return (f"`{fmt}` uses {', '.join('%' + c for c in unknown)}; a date format may use "
                "%d %m %b %B %Y %y (and %H %M %S for a time of day)")
    have = set(codes)
    if not ({"d"} <= have and have & {"m", "b", "B"} and have & {"Y", "y"}):
        return f"`{fmt}` does not name a day, a month and a year (e.g. %d/%m/%Y)"
    if len(codes) != len(set(codes)):
        return f"`{fmt}` names a part of the date twice"
    return None


def parse_dates(values: pd.Series, *, column: str, file: str | None = None,
                first_line: int | None = None, formats: Sequence[str] = (),
                row_offset: int = 0, problems: list[Problem] | None = None) -> pd.Series:
    """`values` as naive `datetime64[ns]` (blank: NaT), read by the rule of the module docstring.

    `first_line`: the line of the first value in the file (2 below a header), or None where
    lines mean nothing (rows are then cited from 1). Raises `DataError` listing the values
    that are not dates and those that are ambiguous; with a `problems` list, adds them to it
    instead and gives NaT for those values, so a caller reports every problem of its table
    at once.
    """
    collect, problems = problems, []
    values = values.reset_index(drop=True)
    if pd.api.types.is_datetime64_any_dtype(values):
        text = values.astype("string")
        readings = [("stored", _naive_utc(values).astype("datetime64[us]"))]
    else:
        text = values.astype("string").str.strip()
        text = text.mask(text == "")
        readings = [("ISO 8601", _iso(text))]
        for fmt in dict.fromkeys(formats):
            readings.append((f"`{fmt}`", pd.to_datetime(text, format=fmt, errors="coerce")
                             .astype("datetime64[us]")))
    when = readings[0][1]
    for _, reading in readings[1:]:
        when = when.fillna(reading)
    cite = pd.DataFrame({column: values})
    cite.attrs[SOURCE_ATTR] = {"file": file, "first_line": first_line, "row_offset": row_offset}
    bad = (text.notna() & when.isna()).to_numpy(dtype=bool, na_value=False)
    if bad.any():
        declared = (" or as declared in the weight file's `date_formats:` ("
                    + ", ".join(f"`{f}`" for f in dict.fromkeys(formats)) + ")"
                    if formats else
                    " (another format, such as 31/12/2026, only when the weight file declares "
                    "it under `date_formats:`)")
        problems.append(Problem(
            f"expected dates in column `{column}` written as ISO 8601 ({ISO_EXAMPLE}){declared};"
            f" found {cite_rows(cite, bad, column)}", file=file,
            line=_line(bad, first_line, row_offset), key=column))
    ambiguous = np.zeros(len(when), dtype=bool)
    if len(readings) > 1:
        ambiguous = _ambiguous(readings)
        if ambiguous.any():
            first = int(np.flatnonzero(ambiguous)[0])
            shown = "; ".join(f"{name} reads {reading.iloc[first]:%Y-%m-%d %H:%M}"
                              for name, reading in readings if pd.notna(reading.iloc[first]))
            problems.append(Problem(
                f"ambiguous dates in column `{column}`, read differently by two of the formats "
                f"({shown} for the first); found {cite_rows(cite, ambiguous, column)}. Declare "
                "only the format the file is written in", file=file,
                line=_line(ambiguous, first_line, row_offset), key=column))
    far = (when.notna() & ((when < EARLIEST) | (when > LATEST))).to_numpy(dtype=bool)
    if far.any():
        problems.append(Problem(
            f"expected dates in column `{column}` from {EARLIEST:%Y-%m-%d} to {LATEST:%Y-%m-%d}; "
            f"found {cite_rows(cite, far, column)}", file=file,
            line=_line(far, first_line, row_offset), key=column))
    if problems and collect is None:
        raise DataError(problems)
    if problems:
        collect += problems
        when = when.mask(bad | far | ambiguous)
    return when.astype("datetime64[ns]")


def table_dates(df: pd.DataFrame, column: str, formats: Sequence[str] = (),
                problems: list[Problem] | None = None) -> pd.Series:
    """`parse_dates` of `df[column]`, citing the file and lines `read_table` remembered."""
    src = df.attrs.get(SOURCE_ATTR) or {}
    return parse_dates(df[column], column=column, file=src.get("file"),
                       first_line=src.get("first_line"), formats=formats,
                       row_offset=src.get("row_offset", 0), problems=problems)


def _line(mask: np.ndarray, first_line: int | None, row_offset: int) -> int | None:
    return None if first_line is None else int(np.flatnonzero(mask)[0]) + first_line + row_offset


def _ambiguous(readings: list[tuple[str, pd.Series]]) -> np.ndarray:
    """Rows two readings take to different instants."""
    stack = np.column_stack([r.to_numpy(dtype="datetime64[ns]").astype("int64")
                             for _, r in readings])
    nat = np.iinfo("int64").min
    present = stack != nat
    high = np.where(present, stack, nat).max(axis=1)
    low = np.where(present, stack, np.iinfo("int64").max).min(axis=1)
    return (present.sum(axis=1) > 1) & (high != low)


def _naive_utc(values: pd.Series) -> pd.Series:
    if getattr(values.dt, "tz", None) is not None:
        return values.dt.tz_convert("UTC").dt.tz_localize(None)
    return values


def _iso(text: pd.Series) -> pd.Series:
    """The ISO 8601 shapes, vectorised; NaT for anything else (including impossible dates
    such as 2026-02-30). The common shapes go to pandas' ISO parser, the rest (few, in files
    that have them) to `_iso_parts`."""
    text = text.astype("string[pyarrow]")  # regular expressions run in Arrow, not per row
    common = text.str.fullmatch(_COMMON).fillna(False).to_numpy(dtype=bool)
    shaped = (text.str.fullmatch(ZONED_RE) | text.str.fullmatch(NAIVE_RE)).fillna(False
                                                                            ).to_numpy(dtype=bool)
    when = pd.Series(pd.NaT, index=text.index, dtype="datetime64[us]")
    if common.any():
        parsed = pd.to_datetime(text[common], format="ISO8601", utc=True, errors="coerce")
        when[common] = parsed.dt.tz_localize(None).astype("datetime64[us]")
    rest = shaped & ~common
    if rest.any():
        when[rest] = _iso_parts(text[rest])
    return when


def _iso_parts(text: pd.Series) -> pd.Series:
    """Parts extracted, assembled, offsets and zone names applied."""
    parts = text.str.extract(_PARTS)
    numbers = pd.DataFrame({k: pd.to_numeric(parts[k], errors="coerce")
                            for k in ("year", "month", "day", "hour", "minute", "second")})
    numbers[["hour", "minute", "second"]] = numbers[["hour", "minute", "second"]].fillna(0)
    shaped = numbers["year"].notna().to_numpy()
    when = pd.Series(pd.NaT, index=text.index, dtype="datetime64[us]")
    if not shaped.any():
        return when
    ok = shaped & (numbers["hour"] < 24).to_numpy() & (numbers["minute"] < 60).to_numpy() \
        & (numbers["second"] < 60).to_numpy()
    when[ok] = pd.to_datetime(numbers.loc[ok, ["year", "month", "day", "hour", "minute",
                                                "second"]], errors="coerce"
                              ).astype("datetime64[us]")
    frac = parts["frac"].fillna("").str.slice(0, 9).str.pad(9, side="right", fillchar="0")
    when = when + pd.to_timedelta(pd.to_numeric(frac, errors="coerce").fillna(0) // 1000,
                                  unit="us")
    sign = parts["sign"].map({"+": 1, "-": -1})
    offset = (pd.to_numeric(parts["oh"], errors="coerce") * 60
              + pd.to_numeric(parts["om"], errors="coerce").fillna(0))
    bad_offset = sign.notna() & ((offset > 18 * 60) | (pd.to_numeric(
        parts["om"], errors="coerce").fillna(0) >= 60))
    when = when - pd.to_timedelta((sign * offset).fillna(0), unit="min")
    when = when.mask(bad_offset)
    zones = parts["zone"]
    for zone in zones.dropna().unique():  # a few distinct zone names, not one per row
        rows = (zones == zone).to_numpy(dtype=bool, na_value=False)
        when[rows] = _from_zone(when[rows], str(zone))
    return when


def _from_zone(local: pd.Series, zone: str) -> pd.Series:
    """Wall times in an IANA zone → naive UTC; NaT for an unknown zone, or a wall time the
    clock change skips or repeats (which of the two instants is meant cannot be known)."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    name = "UTC" if zone.upper() in ("UTC", "GMT") else zone
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return pd.Series(pd.NaT, index=local.index, dtype="datetime64[us]")
    aware = local.dt.tz_localize(name, ambiguous="NaT", nonexistent="NaT")
    return aware.dt.tz_convert("UTC").dt.tz_localize(None)

