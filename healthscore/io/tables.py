"""Customer tables from the formats teams really have: CSV, Parquet, Excel.

What a reader may and may not do to the data, whatever the format:

- Ids are text. `007`, `0042` and `1e3` are three customers, not 7, 42 and 1000; a column
  named `customer_id` and the columns named in `text` (the id column and the parent column)
  are read as written, numbers stored
  in Parquet or Excel become their shortest text (`42`, never `42.0`), and a blank id is
  missing, never an id of its own.
- A trailing delimiter on every line (`A1,Acme,80,10,`) is ignored; a data line with more
  values than the header has columns is an error naming the line, never a silent shift of
  every column.
- An Excel formula without a saved result is an error naming the cell (it would read as
  blank: the customer would silently have no data).
- Text that is not UTF-8 is an error naming the line (a BOM is fine).
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from healthscore.errors import DataError, Problem
from healthscore.io.writers import write_csv

SOURCE_ATTR = "healthscore.source"  # df.attrs key: {"file": str, "first_line": int | None}
FORMATS = {".csv": "csv", ".txt": "csv", ".parquet": "parquet", ".pq": "parquet",
           ".xlsx": "excel", ".xlsm": "excel"}
# the only cells a CSV or Excel reader takes as blank (docs/cli.md), not pandas' longer list
NA_VALUES = ["", "NA", "N/A", "n/a", "#N/A", "null", "NULL", "-"]
ID_COLUMN = "customer_id"  # read as text in every table, whoever reads it
_EXTRA = "\x00extra"  # the slot a trailing delimiter fills; never a real header
MAX_COLUMNS = 50_000  # a wider table is not a customer table or an export; it would take
#                       gigabytes to read (pandas keeps a column object per header name)


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
               sheet: str | int = 0, text: Iterable[str] = ()) -> pd.DataFrame:
    """Read a table; remembers the file and where data rows start so errors can cite lines.

    `text`: columns read as text whatever they look like (ids: see the module docstring);
    `customer_id` always is.
    """
    path = Path(path)
    if not path.exists():
        raise DataError(Problem("file not found", file=str(path)))
    fmt = table_format(path)
    text = [c for c in dict.fromkeys([ID_COLUMN, *text]) if c]
    try:
        if fmt == "csv":
            df = _read_csv(path, columns, text)
            first_line = 2
        elif fmt == "parquet":
            df = pd.read_parquet(path, columns=columns)
            first_line = None
        else:
            df = _read_excel(path, sheet, columns, text)
            first_line = 2
    except DataError:
        raise
    except UnicodeDecodeError as exc:
        raise DataError(_not_utf8(path, exc)) from None
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
    if fmt == "parquet":
        _unique(list(map(str, df.columns)), path)
    df.columns = [str(c).strip() for c in df.columns]
    for column in text:
        if column in df.columns:
            df[column] = as_text(df[column])
    df.attrs[SOURCE_ATTR] = {"file": str(path), "first_line": first_line}
    return df


def _unique(header: list[str], path: Path) -> None:
    """pandas would rename a second `a` to `a.1` and score the wrong one. One pass over the
    header (a header of a million columns is checked in well under a second)."""
    counts = Counter(header)
    twice = sorted(h for h, n in counts.items() if n > 1 and h)
    if twice:
        raise DataError(Problem(f"columns named more than once in the header: "
                                f"{', '.join(twice)}; give each column one name",
                                file=str(path), line=1))


def check_width(header: list, path: str | Path, line: int | None = 1) -> None:
    """At most `MAX_COLUMNS` columns, checked on the header before the table is read."""
    if len(header) > MAX_COLUMNS:
        raise DataError(Problem(
            f"the header has {len(header):,} columns; a table may have at most "
            f"{MAX_COLUMNS:,} (is this the right file, and its delimiter?)", file=str(path),
            line=line))


def csv_header(path: Path, delimiter: str = ",") -> list[str]:
    """The header line's names, read by the csv module (a million names take well under a
    second and little memory) and bounded by `check_width`."""
    with open(path, newline="", encoding="utf-8-sig") as fh:
        header = [h.strip() for h in next(csv.reader(fh, delimiter=delimiter), [])]
    check_width(header, path)
    return header


def _read_csv(path: Path, columns: list[str] | None, text: list[str]) -> pd.DataFrame:
    header = csv_header(path)
    if not header:
        raise pd.errors.EmptyDataError("No columns to parse from file")
    _unique(header, path)
    names = [h or f"Unnamed: {i}" for i, h in enumerate(header)]
    if columns is not None:
        missing = [c for c in columns if c not in set(names)]
        if missing:
            raise ValueError(f"usecols: columns not in the header: {', '.join(missing)}")
    df = pd.read_csv(path, header=None, skiprows=1, names=[*names, _EXTRA],
                     index_col=False, skipinitialspace=True, na_values=NA_VALUES,
                     keep_default_na=False, dtype={c: str for c in text if c in names},
                     encoding="utf-8-sig")
    extra = df[_EXTRA]
    df = df.drop(columns=_EXTRA)
    filled = np.flatnonzero(extra.notna().to_numpy())
    if filled.size:
        lines = ", ".join(f"line {i + 2}" for i in filled[:5])
        more = f" and {filled.size - 5} more" if filled.size > 5 else ""
        raise DataError(Problem(
            f"{filled.size} line(s) have more values than the header has columns "
            f"({len(header)}): {lines}{more}; every value would shift by one column. Fix "
            "those lines or add the missing header", file=str(path), line=int(filled[0]) + 2))
    # usecols would make pandas refuse a file where no line fills the trailing slot
    return df if columns is None else df[columns]


def _read_excel(path: Path, sheet: str | int, columns: list[str] | None, text: list[str]
                ) -> pd.DataFrame:
    first = pd.read_excel(path, sheet_name=sheet, header=None, nrows=1, engine="openpyxl")
    header = [str(h).strip() for h in first.iloc[0].tolist()] if len(first) else []
    _unique(header, path)
    df = pd.read_excel(path, sheet_name=sheet, usecols=columns, engine="openpyxl",
                       dtype={c: object for c in text if c in header},
                       na_values=NA_VALUES, keep_default_na=False)  # the CSV rule: not `nan`
    if df.isna().to_numpy().any():
        uncalculated_formulas(path, sheet)
    return df


def uncalculated_formulas(path: Path, sheet: str | int, where: str | None = None) -> None:
    """A formula cell whose file holds no result reads as blank: say so, by sheet and cell.
    (Files written by scripts rather than Excel often hold formulas without results.) Called
    by every Excel reader (customer tables here, raw exports in signals/sources.py) when the
    sheet read has blanks. `where`: the file as the message names it (default: `path`)."""
    import openpyxl

    formulas = openpyxl.load_workbook(path, read_only=True, data_only=False)
    values = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        name = sheet if isinstance(sheet, str) else formulas.sheetnames[sheet]
        cells = []
        for f_row, v_row in zip(formulas[name].iter_rows(), values[name].iter_rows(),
                                strict=False):
            for f_cell, v_cell in zip(f_row, v_row, strict=False):
                if (v_cell.value is None and isinstance(f_cell.value, str)
                        and f_cell.value.startswith("=")):
                    cells.append(f_cell.coordinate)
    finally:
        formulas.close()
        values.close()
    if cells:
        shown = ", ".join(cells[:5]) + (f" and {len(cells) - 5} more" if len(cells) > 5 else "")
        raise DataError(Problem(
            f"sheet `{name}`: {len(cells)} cell(s) hold a formula without a saved result "
            f"({shown}); they would read as blank. Open and save the file in Excel (or "
            "LibreOffice) so the results are stored, or export the sheet to CSV",
            file=where or str(path)))


def _not_utf8(path: Path, exc: UnicodeDecodeError) -> Problem:
    """Which line is not UTF-8: found by reading the file again, line by line (error path)."""
    line = None
    with open(path, "rb") as fh:
        for number, raw in enumerate(fh, start=1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                line = number
                break
    return Problem(f"not UTF-8 text ({exc.reason}, byte 0x{exc.object[exc.start]:02x}); "
                   "save the file as UTF-8 (in Excel: CSV UTF-8)", file=str(path), line=line)


def as_text(values: pd.Series) -> pd.Series:
    """Ids as text: numbers as their shortest text (42.0 → `42`), blanks as missing."""
    if pd.api.types.is_integer_dtype(values) and not values.hasnans:
        return values.astype("str")  # digits only: nothing to strip, never blank
    if pd.api.types.is_bool_dtype(values) or pd.api.types.is_integer_dtype(values):
        out = values.astype("string")
    elif pd.api.types.is_float_dtype(values):
        x = values.to_numpy(dtype="float64", na_value=np.nan)
        whole = np.isfinite(x) & (np.floor(x) == x) & (np.abs(x) < 2**53)
        ints = pd.Series(np.where(whole, x, 0).astype("int64"), index=values.index)
        out = ints.astype("string").where(whole, values.astype("string"))
        out = out.mask(np.isnan(x))
    else:
        if values.dtype == object:
            values = values.map(_cell_text, na_action="ignore")
        out = values.astype("string")
    stripped = out.str.strip()
    return stripped.mask(stripped == "").astype("str")


def _cell_text(value: object) -> object:
    """One cell of a mixed column (Excel): 7.0 → `7`."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value if isinstance(value, str) else str(value)


def write_table(df: pd.DataFrame, path: Path) -> None:
    """Write by extension (CSV or Parquet); call inside `atomic_file`/`atomic_dir`."""
    fmt = table_format(path)
    if fmt == "csv":
        write_csv(df, path)
    elif fmt == "parquet":
        df.to_parquet(path, index=False)
    else:
        df.to_excel(path, index=False)
