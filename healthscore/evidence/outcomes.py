"""The outcomes table: what happened to each customer, and when.

One row per event: `customer_id`, `date`, `outcome` (churned, renewed, contracted, expanded).
It is read like any other input (CSV, Parquet, Excel, or a table in a SQL database given by
URL) and checked before use, so a typo in one row is reported with its line instead of
silently counting as "nothing happened". Ids are text (`007` is not customer `7`) and dates
are read by the one date rule (healthscore/io/dates.py): ISO 8601 and the weight file's
`date_formats:`, nothing guessed.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from healthscore.errors import DataError, Problem
from healthscore.io.dates import parse_dates
from healthscore.io.tables import SOURCE_ATTR, as_text, read_table

OUTCOMES = ("churned", "renewed", "contracted", "expanded")
COLUMNS = ("customer_id", "date", "outcome")


def read_outcomes(source: pd.DataFrame | str | Path, *, table: str = "outcomes",
                  id_column: str = "customer_id", formats: Sequence[str] = ()
                  ) -> pd.DataFrame:
    """Read and check an outcomes table; returns `customer_id` (str), `date`, `outcome`.

    `source`: a DataFrame, a file (CSV/Parquet/Excel), or a SQLAlchemy URL
    (`sqlite:///crm.db`) whose `table` holds the outcomes. `formats`: the date formats the
    weight file declares (`WeightFile.date_formats`), besides ISO 8601.
    """
    if isinstance(source, pd.DataFrame):
        df, file, first = source, None, None
    elif "://" in str(source):
        df, file, first = _read_sql(str(source), table), f"{source} (table {table})", None
    else:
        df = read_table(source, text=[id_column])
        meta = df.attrs.get(SOURCE_ATTR) or {}
        file, first = meta.get("file"), meta.get("first_line")
    return check_outcomes(df, file=file, first_line=first, id_column=id_column, formats=formats)


def _read_sql(url: str, table: str) -> pd.DataFrame:
    """Read-only, as SQL sources are: a SQLite URL naming a missing file is an error, never a
    new empty database left behind."""
    import sqlalchemy as sa

    from healthscore.signals.sources import _sql_url

    try:
        engine = sa.create_engine(_sql_url(url, Path.cwd()))
        with engine.connect() as con:
            return pd.read_sql_table(table, con)
    except FileNotFoundError as exc:
        raise DataError(Problem(f"no such SQLite database ({exc}); the outcomes are read from "
                                "an existing database, never created", file=url)) from None
    except (sa.exc.SQLAlchemyError, ValueError) as exc:
        raise DataError(Problem(f"cannot read table `{table}`: {exc}".splitlines()[0],
                                file=url)) from None


def _lines(rows: pd.Index, first: int | None) -> str:
    shown = [str(int(r) + first) if first is not None else str(int(r) + 1) for r in rows[:5]]
    more = f" and {len(rows) - 5} more" if len(rows) > 5 else ""
    word = "lines" if first is not None else "rows"
    return f"{word} {', '.join(shown)}{more}"


def check_outcomes(df: pd.DataFrame, *, file: str | None = None, first_line: int | None = None,
                   id_column: str = "customer_id", formats: Sequence[str] = ()) -> pd.DataFrame:
    """Column names, ids as text, dates by the one date rule and known outcome words; every
    problem at once."""
    df = df.rename(columns={id_column: "customer_id"}).reset_index(drop=True)
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise DataError(Problem(
            f"the outcomes table needs the columns {', '.join(COLUMNS)}; missing "
            f"{', '.join(missing)} (found {', '.join(map(str, df.columns)) or 'none'})",
            file=file, line=1 if first_line else None))
    problems = []
    ids = as_text(df["customer_id"])
    no_id = df.index[ids.isna()]
    if len(no_id):
        problems.append(Problem(f"no customer id on {_lines(no_id, first_line)}",
                                file=file, key="customer_id"))
    when = parse_dates(df["date"], column="date", file=file, first_line=first_line,
                       formats=formats, problems=problems)
    blank = df.index[(when.isna() & (df["date"].astype("string").str.strip().fillna("") == "")
                      ).to_numpy(dtype=bool)]
    if len(blank):
        problems.append(Problem(
            f"expected a date like 2026-10-31; found a blank on {_lines(blank, first_line)}",
            file=file, key="date"))
    outcome = df["outcome"].astype("string").str.strip().str.lower()
    wrong = df.index[~outcome.isin(OUTCOMES).fillna(False).to_numpy(dtype=bool)]
    if len(wrong):
        problems.append(Problem(
            f"outcome must be one of {', '.join(OUTCOMES)}; found "
            f"`{df['outcome'].iloc[wrong[0]]}` on {_lines(wrong, first_line)}",
            file=file, key="outcome"))
    if problems:
        raise DataError(problems)
    out = pd.DataFrame({"customer_id": ids, "date": when.dt.normalize(),
                        "outcome": outcome.astype(str)})
    out.attrs["file"] = file
    return out


def check_known(outcomes: pd.DataFrame, customers: pd.Series) -> None:
    """Outcomes of customers no run has scored are a mistake (a wrong id column, a typo, a
    different system's ids), not something to ignore."""
    unknown = outcomes.loc[~outcomes["customer_id"].isin(set(customers.astype(str))),
                           "customer_id"]
    if len(unknown):
        names = ", ".join(unknown.drop_duplicates().head(5))
        more = unknown.nunique() - 5
        raise DataError(Problem(
            f"{unknown.nunique()} customer(s) in the outcomes were never scored: {names}"
            f"{f' and {more} more' if more > 0 else ''}; check that both tables use the same "
            "customer ids", file=outcomes.attrs.get("file"), key="customer_id"))


def churn_dates(outcomes: pd.DataFrame, event: tuple[str, ...] = ("churned",)) -> pd.Series:
    """First date of the event per customer (customer_id → date)."""
    hit = outcomes[outcomes["outcome"].isin(event)]
    return hit.groupby("customer_id")["date"].min()
