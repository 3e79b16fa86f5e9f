"""Customer tables from the formats teams really have: CSV, Parquet, Excel."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from healthscore.errors import DataError, Problem

SOURCE_ATTR = "healthscore.source"  # df.attrs key: {"file": str, "first_line": int | None}
FORMATS = {".csv": "csv", ".txt": "csv", ".parquet": "parquet", ".pq": "parquet",
           ".xlsx": "excel", ".xlsm": "excel"}


def table_format(path: Path) -> str:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None and path.is_dir():
        return "parquet"
    if fmt is None:
        raise DataError(Problem(
            f"cannot tell the format from the extension `{path.suffix or '(none)'}`; use "
            f"one of {', '.join(sorted(FORMATS))} (or a folder of Parquet files)",
            file=str(path)))
    return fmt


def read_table(path: str | Path, columns: list[str] | None = None,
               sheet: str | int = 0) -> pd.DataFrame:
    """Read a table; remembers the file and where data rows start so errors can cite lines."""
    path = Path(path)
    if not path.exists():
        raise DataError(Problem("file not found", file=str(path)))
    fmt = table_format(path)
    try:
        if fmt == "csv":
            df = pd.read_csv(path, usecols=columns, skipinitialspace=True,
                             na_values=["", "NA", "N/A", "null", "NULL", "-"],
                             keep_default_na=True)
            first_line = 2
        elif fmt == "parquet":
            df = pd.read_parquet(path, columns=columns)
            first_line = None
        else:
            df = pd.read_excel(path, sheet_name=sheet, usecols=columns, engine="openpyxl")
            first_line = 2
    except ValueError as exc:
        if columns and "usecols" in str(exc) or "not in" in str(exc):
            raise DataError(Problem(f"cannot read the columns it needs: {exc}",
                                    file=str(path))) from None
        raise DataError(Problem(f"cannot read it as {fmt}: {exc}", file=str(path))) from None
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataError(Problem(f"cannot read it as {fmt}: {exc}", file=str(path))) from None
    except Exception as exc:  # pyarrow and openpyxl raise their own types for corrupt files
        raise DataError(Problem(f"cannot read it as {fmt}: {type(exc).__name__}: {exc}",
                                file=str(path))) from None
    header = _header(path, fmt, sheet) if fmt != "parquet" else list(map(str, df.columns))
    twice = sorted({h for h in header if header.count(h) > 1})
    if twice:  # pandas would rename the second `a` to `a.1` and score the wrong one
        raise DataError(Problem(f"columns named more than once in the header: "
                                f"{', '.join(twice)}; give each column one name",
                                file=str(path), line=1))
    df.columns = [str(c).strip() for c in df.columns]
    df.attrs[SOURCE_ATTR] = {"file": str(path), "first_line": first_line}
    return df


def _header(path: Path, fmt: str, sheet: str | int) -> list[str]:
    """The header as written (before pandas renames duplicates), stripped."""
    if fmt == "csv":
        import csv

        with open(path, newline="", encoding="utf-8", errors="replace") as fh:
            first = next(csv.reader(fh), [])
        return [h.strip() for h in first]
    first = pd.read_excel(path, sheet_name=sheet, header=None, nrows=1, engine="openpyxl")
    return [str(h).strip() for h in first.iloc[0].tolist()] if len(first) else []


def write_table(df: pd.DataFrame, path: Path) -> None:
    """Write by extension (CSV or Parquet); call inside `atomic_file`/`atomic_dir`."""
    fmt = table_format(path)
    if fmt == "csv":
        df.to_csv(path, index=False)
    elif fmt == "parquet":
        df.to_parquet(path, index=False)
    else:
        df.to_excel(path, index=False)
