"""The one reader of tables keyed by customer id and dated: outcomes (`backtest`, `tune`),
churned accounts (`run --outcomes`), earlier runs (`render --history`) and dated customer tables
(`backtest -c`, `diff -c`).

Ids are text, never numbers: `007` stays `007` and is not customer `7`, and outcome `1` does not
match history `00001` (io/tables.py). Dates are read by the one date rule (io/dates.py): ISO
8601 and the formats the weight file declares, anything else or ambiguous an error with its
line.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from healthscore.errors import DataError
from healthscore.io.dates import table_dates
from healthscore.io.tables import ID_COLUMN, SOURCE_ATTR, as_text, read_table


def read_ids_table(source: pd.DataFrame | str | Path, *, ids: Sequence[str] = (ID_COLUMN,),
                   dates: Sequence[str] = (), formats: Sequence[str] = ()) -> pd.DataFrame:
    """A file (CSV, Parquet, Excel) or a DataFrame with the `ids` columns as text and the
    `dates` columns (those present) as naive `datetime64`; raises `DataError` naming the file,
    line, column, what was expected and what was found."""
    if isinstance(source, pd.DataFrame):
        return ids_table(source, ids=ids, dates=dates, formats=formats)
    return ids_table(read_table(source, text=ids), ids=ids, dates=dates, formats=formats)


def ids_table(df: pd.DataFrame, *, ids: Sequence[str] = (ID_COLUMN,), dates: Sequence[str] = (),
              formats: Sequence[str] = ()) -> pd.DataFrame:
    """`read_ids_table` of a table already read (its `read_table` origin is kept for messages).
    A number that is already a number (a DataFrame built in code, a SQL integer column)
    becomes its shortest text (`7.0` → `7`)."""
    out = df.copy()
    out.attrs = dict(df.attrs)
    problems = []
    for column in dict.fromkeys(ids):
        if column in out.columns:
            out[column] = as_text(out[column])
    for column in dict.fromkeys(dates):
        if column in out.columns:
            try:
                out[column] = table_dates(out, column, formats).to_numpy()
            except DataError as exc:
                problems += exc.problems
    if problems:
        raise DataError(problems)
    return out


def source_of(df: pd.DataFrame) -> tuple[str | None, int | None]:
    """The file and the line of the first row `read_table` remembered (None, None: in code)."""
    src = df.attrs.get(SOURCE_ATTR) or {}
    return src.get("file"), src.get("first_line")
