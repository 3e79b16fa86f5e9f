"""Open declared sources as DuckDB views with our column names and UTC timestamps.

Whatever the export looks like (CSV, a folder of Parquet files, an Excel sheet, a SQL table),
the rest of the signals stage sees one DuckDB view per source: columns renamed to our names
(`columns:` mapping), only the columns a signal needs, timestamps converted to UTC without a
zone. Parquet is scanned by DuckDB directly (no pandas copy: this is what keeps 44M events
under 1 GiB); CSV, Excel and SQL are read with pandas / SQLAlchemy and registered.

Time zones, per value: a timestamp carrying an offset (`2026-03-31T14:00:00+02:00`, `...Z`),
an IANA zone name (`2026-03-31 14:00 Europe/Berlin`, `... UTC`) or stored zone-aware
(Parquet/SQL) is converted to UTC exactly; one without (`2026-03-31 14:00`, a plain date, a
naive column) is read as wall time in the source's `timezone:` (default UTC) and then
converted. Anything else after the time of day (an abbreviation such as `PST`, `AM`, any other
text) makes the value unparseable, an error: DuckDB's own cast would drop it silently and
misdate the row, and an abbreviation names no single offset (`CST`, `IST`).

Header names: a column an export has twice (after stripping whitespace), or two export columns
that end up with one of our names after `columns:`, is an error when that column is read:
which one is meant cannot be guessed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from healthscore.errors import DataError, Problem
from healthscore.io.dates import NAIVE_RE, ZONED_RE
from healthscore.io.tables import csv_header, uncalculated_formulas
from healthscore.spec.reach import sql_target
from healthscore.spec.sources import SourceSpec

ROW = "__row"  # position of a row in a pandas-read export, for "line N" in messages
# What a timestamp written as text may look like: the one date rule's shapes (io/dates.py), so
# raw exports and every other table read dates alike. DuckDB checks the numbers and the zone
# name; these patterns only make sure that nothing else follows.
_ZONED_RE, _NAIVE_RE = ZONED_RE, NAIVE_RE
_NUMERIC = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
            "UINTEGER", "UBIGINT", "FLOAT", "DOUBLE", "REAL", "DECIMAL")


def q(name: str) -> str:
    """Quote an identifier for DuckDB."""
    return '"' + name.replace('"', '""') + '"'


def lit(value: str) -> str:
    """Quote a string literal for DuckDB."""
    return "'" + str(value).replace("'", "''") + "'"


def is_numeric(duck_type: str) -> bool:
    return duck_type.upper().startswith(_NUMERIC)


@dataclass
class Table:
    """A source opened as a DuckDB view named `view`."""

    name: str
    spec: SourceSpec
    view: str
    where: str  # the file, folder or URL, for messages
    types: dict[str, str] = field(default_factory=dict)  # our column → DuckDB type
    line_offset: int | None = None  # ROW + this = line in the file; None: not a file
    rows_known: bool = False  # ROW holds the position of each row in the export

    def line(self, row: int | None) -> int | None:
        """The line in the export file (CSV/Excel: the header is line 1)."""
        return None if row is None or self.line_offset is None else int(row) + self.line_offset

    def label(self, row: int | None) -> str:
        """`line 7: ` for a file, `row 5: ` (0-based) for an in-memory table, or nothing."""
        if row is None or not self.rows_known:
            return ""
        return f"line {self.line(row)}: " if self.line_offset is not None else f"row {row}: "


def open_table(con: duckdb.DuckDBPyConnection, name: str, spec: SourceSpec,
               needed: dict[str, list[str]],
               *, timestamps: set[str], numeric: set[str], base_dir: Path,
               frame: pd.DataFrame | None = None, all_columns: bool = False,
               text: frozenset[str] = frozenset()) -> Table:
    """Open one source as a view holding `needed` columns (all of them for the accounts table).

    `needed` maps each of our column names to the weight-file keys that use it (for messages).

    `timestamps` are normalised to UTC; `numeric` are cast to DOUBLE where the export holds
    text; `text` (our names, e.g. the parent id) are read as text like the id column.
    Raises `DataError` when the table cannot be read, lacks a column, or holds values
    that cannot be parsed (with the first offending lines).
    """
    raw = f"raw__{name}"
    text = frozenset({spec.id, *text})
    where, line_offset, header = _register_raw(con, raw, name, spec, needed, base_dir, frame,
                                               all_columns, text)
    raw_types = _types(con, f"SELECT * FROM {q(raw)}")
    export = {c: spec.export_name(c) for c in needed}
    if all_columns:
        renamed = {v: k for k, v in spec.columns.items()}
        for theirs in (c for c in raw_types if c != ROW):
            ours = renamed.get(theirs, theirs)
            mapped = spec.export_name(ours)
            if mapped != theirs:  # `columns:` gives the name `theirs` has to another header
                if mapped in raw_types:
                    raise DataError(_same_name(name, where, ours, mapped, theirs))
                continue  # that header is missing: reported below
            export[ours] = theirs
    missing = sorted(c for c, e in export.items() if e not in raw_types)
    if missing:
        have = ", ".join(str(c) for c in header)
        raise DataError([Problem(
            f"source `{name}` has no column `{export[c]}`"
            + (f" (our `{c}`, renamed in `columns:`)" if export[c] != c else "")
            + (f", needed by {', '.join(needed.get(c, []))}" if needed.get(c) else "")
            + f"; its columns are: {have}", file=where) for c in missing])
    table = Table(name, spec, f"src__{name}", where, line_offset=line_offset,
                  rows_known=ROW in raw_types)
    exprs = {}
    for ours, theirs in export.items():
        expr, kind = q(theirs), raw_types[theirs]
        if ours in text:
            expr = _id_text_expr(expr, kind)
        elif ours in timestamps:
            expr = _timestamp_expr(expr, kind, spec.timezone, table, ours)
        elif ours in numeric and not is_numeric(kind):
            expr = f"TRY_CAST({expr} AS DOUBLE)"
        exprs[ours] = expr
    _check_parsed(con, table, raw, export, exprs, raw_types, timestamps)
    selects = [f"{expr} AS {q(ours)}" for ours, expr in exprs.items()]
    if table.rows_known:
        selects.append(q(ROW))
    con.execute(f"CREATE OR REPLACE TEMP VIEW {q(table.view)} AS SELECT {', '.join(selects)} "
                f"FROM {q(raw)}").fetchall()
    table.types = _types(con, f"SELECT * FROM {q(table.view)}")
    return table


def _id_text_expr(expr: str, kind: str) -> str:
    """Ids are text in every source (`007` is not customer 7): numbers stored in Parquet or
    SQL become their shortest text (42.0 → `42`), blank text is a missing id."""
    kind = kind.upper()
    if kind == "VARCHAR":
        return f"NULLIF(trim({expr}), '')"
    if kind.startswith(("FLOAT", "DOUBLE", "REAL", "DECIMAL")):
        return (f"CASE WHEN {expr} = trunc({expr}) AND abs({expr}) < 9e15 "
                f"THEN CAST(CAST({expr} AS BIGINT) AS VARCHAR) ELSE CAST({expr} AS VARCHAR) END")
    return f"CAST({expr} AS VARCHAR)"


def _same_name(name: str, where: str, ours: str, mapped: str, other: str) -> Problem:
    """Two export columns would both become our `ours`: one renamed to it in `columns:`, the
    other already called so. Keeping either would be a guess."""
    return Problem(
        f"source `{name}` has a column `{other}` and a column `{mapped}` that `columns:` "
        f"renames to `{ours}`: both would be `{ours}` and which one is meant cannot be "
        f"guessed; rename or remove `{other}` in the export, or map it to another name in "
        "`columns:`", file=where, key=f"columns.{ours}")


def _types(con: duckdb.DuckDBPyConnection, sql: str) -> dict[str, str]:
    rel = con.sql(sql)
    return dict(zip(rel.columns, (str(t) for t in rel.types), strict=True))


def _timestamp_expr(expr: str, kind: str, zone: str, table: Table, column: str) -> str:
    def local(naive: str) -> str:
        return naive if zone == "UTC" else f"timezone('UTC', timezone({lit(zone)}, {naive}))"

    kind = kind.upper()
    if kind.startswith("TIMESTAMP WITH TIME ZONE"):
        return f"timezone('UTC', {expr})"
    if kind == "TIMESTAMP":  # as is: keeps DuckDB's filter pushdown into Parquet scans
        return local(expr)
    if kind.startswith(("TIMESTAMP", "DATE")):
        return local(f"CAST({expr} AS TIMESTAMP)")
    if kind == "VARCHAR":  # anything but the shapes is NULL: an error in _check_parsed
        text = f"trim({expr})"
        iso, *declared = _naive_readings(text, table.spec.date_formats)
        other = f" ELSE {local('COALESCE(' + ', '.join(declared) + ')')}" if declared else ""
        return (f"CASE WHEN regexp_matches({text}, '{_ZONED_RE}') "
                f"THEN timezone('UTC', TRY_CAST({text} AS TIMESTAMPTZ)) "
                f"WHEN regexp_matches({text}, '{_NAIVE_RE}') THEN {local(iso)}{other} END")
    raise DataError(Problem(f"source `{table.name}`: column `{column}` should hold dates or "
                            f"timestamps; it holds {kind}", file=table.where))


def _naive_readings(text: str, formats: list[str] | None) -> list[str]:
    """The readings of a value without a zone: ISO 8601 first, then each declared format (the
    one date rule, io/dates.py; DuckDB's strptime reads the codes it allows as Python does)."""
    return [f"CASE WHEN regexp_matches({text}, '{_NAIVE_RE}') "
            f"THEN TRY_CAST({text} AS TIMESTAMP) END",
            *(f"try_strptime({text}, {lit(f)})" for f in dict.fromkeys(formats or []))]


_NOT_A_TIMESTAMP = ("dates or timestamps (write ISO 8601: 2026-03-31, 2026-03-31 14:00 or "
                    "2026-03-31T14:00:00+02:00; a zone as an offset or an IANA name such as "
                    "America/Los_Angeles, never an abbreviation such as PST)")


def _check_parsed(con: duckdb.DuckDBPyConnection, table: Table, raw: str,
                  export: dict[str, str], exprs: dict[str, str],
                  raw_types: dict[str, str], timestamps: set[str]) -> None:
    """Text that should be a timestamp or a number and is not: an error with examples."""
    problems = []
    row = q(ROW) if table.rows_known else "NULL"
    for ours, theirs in export.items():
        if raw_types[theirs] != "VARCHAR" or exprs[ours] == q(theirs):
            continue  # typed in the export, or text we keep as text
        what = _NOT_A_TIMESTAMP if ours in timestamps else "numbers"
        if ours in timestamps and table.spec.date_formats:
            what = what[:-1] + ", or as declared in `date_formats:`: " + ", ".join(
                table.spec.date_formats) + ")"
        col = q(theirs)
        bad = (f"FROM {q(raw)} WHERE {col} IS NOT NULL AND trim({col}) <> '' "
               f"AND ({exprs[ours]}) IS NULL")
        (count,) = con.execute(f"SELECT count(*) {bad}").fetchall()[0]
        if count:
            order = f"ORDER BY {row} " if table.rows_known else ""  # DuckDB refuses ORDER BY NULL
            examples = con.execute(f"SELECT {row}, {col} {bad} {order}LIMIT 3").fetchall()
            problems.append(_bad_values(table, ours, count, examples, what))
        readings = _naive_readings(f"trim({col})", table.spec.date_formats)
        if ours in timestamps and len(readings) > 1:  # two readings, two dates: refused
            differ = " OR ".join(f"({a}) <> ({b})" for i, a in enumerate(readings)
                                 for b in readings[i + 1:])
            ambiguous = f"FROM {q(raw)} WHERE {col} IS NOT NULL AND ({differ})"
            (count,) = con.execute(f"SELECT count(*) {ambiguous}").fetchall()[0]
            if count:
                order = f"ORDER BY {row} " if table.rows_known else ""
                examples = con.execute(f"SELECT {row}, {col} {ambiguous} {order}LIMIT 3"
                                       ).fetchall()
                problems.append(_bad_values(
                    table, ours, count, examples, "unambiguous: two of the date formats read "
                    "them as different dates (declare only the one the export is written in)"))
    if problems:
        raise DataError(problems)


def _bad_values(table: Table, column: str, count: int, bad: list[tuple], what: str) -> Problem:
    shown = [f"{table.label(row)}`{value}`" for row, value in bad]
    first_line = table.line(bad[0][0])
    return Problem(f"{count} value(s) of column `{column}` in source `{table.name}` are not "
                   f"{what}: {', '.join(shown)}", file=table.where, line=first_line,
                   key=column)


# ------------------------------------------------------------------------ reading the export


def _register_raw(con: duckdb.DuckDBPyConnection, raw: str, name: str, spec: SourceSpec,
                  needed: set[str], base_dir: Path, frame: pd.DataFrame | None,
                  all_columns: bool, text: frozenset[str]
                  ) -> tuple[str, int | None, list[str]]:
    """Make `raw` name the export's rows (export column names); returns where it is (for
    messages), the line offset of its rows (None: not a file) and all its columns."""
    wanted = None if all_columns else sorted({spec.export_name(c) for c in needed})
    if frame is not None:
        where = f"table `{name}` (in memory)"
        _unique_header(name, where, list(frame.columns), wanted)
        _register_frame(con, raw, frame, wanted)
        return where, None, list(frame.columns)
    location = _display(spec, base_dir)
    try:
        if spec.kind == "parquet":
            header = _register_parquet(con, raw, name, spec, base_dir, wanted,
                                       ordered=all_columns)
            return location, None, header
        if spec.kind == "csv":
            path = _path(spec, base_dir)
            if path.is_file():
                csv_header(path, spec.delimiter)  # its width bounded before pandas reads it
            written = pd.read_csv(path, sep=spec.delimiter, header=None, nrows=1, dtype=str)
            _unique_header(name, location, written.iloc[0].tolist(), wanted, line=1)
            df = _read_csv(path, spec, wanted, text)
            offset = 2  # header is line 1
        elif spec.kind == "excel":
            path, sheet = _path(spec, base_dir), spec.sheet or 0
            written = pd.read_excel(path, sheet_name=sheet, header=None, nrows=1)
            _unique_header(name, location, written.iloc[0].tolist() if len(written) else [],
                           wanted, line=1, letters=True)
            df = pd.read_excel(path, sheet_name=sheet,
                               dtype={spec.export_name(c): str for c in text})
            if df.isna().to_numpy().any():  # a formula without a saved result reads as blank
                uncalculated_formulas(path, sheet, where=location)
            offset = 2
        else:
            df = _read_sql(spec, base_dir, wanted,
                           lambda written: _unique_header(name, location, written, wanted))
            offset = None  # a query result has rows, not lines
    except DataError:
        raise
    except FileNotFoundError:
        raise DataError(Problem(f"source `{name}`: file not found", file=location)) from None
    except Exception as exc:  # every reader has its own exceptions; all mean "cannot read"
        raise DataError(Problem(f"source `{name}` cannot be read: {_short(exc)}",
                                file=location)) from None
    _register_frame(con, raw, df.df if isinstance(df, _Read) else df, wanted)
    header = df.header if isinstance(df, _Read) else list(df.columns)
    return location, offset, header


def _unique_header(name: str, where: str, header: list, wanted: list[str] | None,
                   *, line: int | None = None, letters: bool = False) -> None:
    """A header written twice (after stripping whitespace) is an error when that column is
    read (`wanted`; None: all columns): pandas and DuckDB would silently keep one of them."""
    positions: dict[str, list[int]] = {}
    for i, cell in enumerate(header):
        text = "" if cell is None or (isinstance(cell, float) and cell != cell) else str(cell)
        if text.strip():
            positions.setdefault(text.strip(), []).append(i)
    read = None if wanted is None else {str(c).strip() for c in wanted}
    problems = []
    for column, where_in in positions.items():
        if len(where_in) < 2 or (read is not None and column not in read):
            continue
        shown = ", ".join(
            (_excel_column(i) if letters else str(i + 1))
            + (f" (`{header[i]}`)" if str(header[i]) != column else "") for i in where_in)
        problems.append(Problem(
            f"source `{name}` has {len(where_in)} columns headed `{column}` (columns {shown}); "
            "which one is meant cannot be guessed: rename or remove all but one",
            file=where, line=line, key=column))
    if problems:
        raise DataError(problems)


def _excel_column(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _register_frame(con: duckdb.DuckDBPyConnection, raw: str, df: pd.DataFrame,
                    wanted: list[str] | None) -> None:
    if wanted is not None:
        df = df[[c for c in wanted if c in df.columns]]
    df = df.assign(**{ROW: range(len(df))}) if ROW not in df.columns else df
    con.register(raw, df)


@dataclass
class _Read:
    """A subset of an export's columns, and the names of all of them (for messages)."""

    df: pd.DataFrame
    header: list[str]


def _read_csv(path: Path, spec: SourceSpec, wanted: list[str] | None,
              text_columns: frozenset[str]) -> _Read:
    header = list(pd.read_csv(path, sep=spec.delimiter, nrows=0).columns)
    cols = None if wanted is None else [c for c in wanted if c in header]
    # timestamps stay text: DuckDB parses them per value, offsets included (see module doc)
    stamps = {spec.export_name(c) for c in spec.timestamp_columns()}
    text = stamps | {spec.export_name(c) for c in text_columns}  # `007` is not customer 7
    df = pd.read_csv(path, sep=spec.delimiter, usecols=cols,
                     dtype={c: "string" for c in text if c in header})
    return _Read(_booleans(df), header)


_TRUE_FALSE = {"True": True, "False": False, "true": True, "false": False, "TRUE": True,
               "FALSE": False}


def _booleans(df: pd.DataFrame) -> pd.DataFrame:
    """pandas reads a True/False column with blanks as text; make it boolean (blank = NA)."""
    for col in df.columns:
        values = df[col]
        if values.dtype == object or pd.api.types.is_string_dtype(values):
            present = values.dropna()
            if len(present) and present.isin(list(_TRUE_FALSE)).all():
                df[col] = values.map(_TRUE_FALSE).astype("boolean")
    return df


def _register_parquet(con: duckdb.DuckDBPyConnection, raw: str, name: str, spec: SourceSpec,
                      base_dir: Path, wanted: list[str] | None, ordered: bool) -> list[str]:
    """A view over the Parquet scan (no copy). `ordered` adds ROW, the position of each row
    (files in name order), so the accounts table keeps its order."""
    path = _path(spec, base_dir)
    if path.is_dir():
        files = sorted(path.rglob("*.parquet"))
        if not files:
            raise DataError(Problem(f"source `{name}`: the folder holds no .parquet files",
                                    file=str(path)))
        glob = str(path / "**" / "*.parquet")
    elif path.exists():
        glob = str(path)
    else:
        raise FileNotFoundError(path)
    have = list(_types(con, f"SELECT * FROM read_parquet({lit(glob)}) LIMIT 0"))
    for file, header in _parquet_headers(con, glob).items():
        _unique_header(name, _shown(Path(file)), header, wanted)
    cols = ", ".join(q(c) for c in (have if wanted is None else wanted) if c in have) or "*"
    if ordered:
        scan = f"read_parquet({lit(glob)}, filename = true, file_row_number = true)"
        row = ("file_row_number" if path.is_file() else
               "row_number() OVER (ORDER BY filename, file_row_number) - 1")
        cols += f", {row} AS {q(ROW)}"
    else:
        scan = f"read_parquet({lit(glob)})"
    con.execute(f"CREATE OR REPLACE TEMP VIEW {q(raw)} AS SELECT {cols} FROM {scan}").fetchall()
    return have


def _parquet_headers(con: duckdb.DuckDBPyConnection, glob: str) -> dict[str, list[str]]:
    """The top-level column names of each file as written (DuckDB renames a second `x` to
    `x_1`). The schema lists every field depth first, nested ones included; `num_children`
    tells which are top level."""
    rows = con.execute(f"SELECT file_name, name, num_children FROM parquet_schema({lit(glob)})"
                       ).fetchall()
    by_file: dict[str, list[tuple[str, int | None]]] = {}
    for file, field_name, children in rows:
        by_file.setdefault(file, []).append((field_name, children))
    headers: dict[str, list[str]] = {}
    for file, ((_, top), *fields) in by_file.items():  # the first field is the root
        headers[file], pending = [], [top or 0]
        for field_name, children in fields:
            if len(pending) == 1:
                headers[file].append(field_name)
            pending[-1] -= 1
            if children:
                pending.append(children)
            while len(pending) > 1 and pending[-1] == 0:
                pending.pop()
    return headers


_SQLITE_RENAMED = re.compile(r":\d+$")


def _read_sql(spec: SourceSpec, base_dir: Path, wanted: list[str] | None,
              check_header: Callable[[list[str]], None]) -> _Read:
    """`check_header` sees the column names as the table or query returns them, before the
    data is read."""
    import sqlalchemy as sa

    engine = sa.create_engine(_sql_url(spec.url, base_dir))
    try:
        with engine.connect() as conn:
            quote = engine.dialect.identifier_preparer.quote
            inner = spec.query if spec.query else _qualified(spec.table, quote)
            if spec.query:
                inner = f"({inner.strip().rstrip(';')}) AS src"
            probe = conn.execute(sa.text(f"SELECT * FROM {inner} WHERE 1 = 0"))
            have = list(probe.keys())
            if engine.dialect.name == "sqlite":  # a subquery calls a second `x` `x:1`
                check_header([_SQLITE_RENAMED.sub("", c) if _SQLITE_RENAMED.sub("", c) in have
                              else c for c in have])
            else:
                check_header(have)
            cols = "*" if wanted is None else ", ".join(quote(c) for c in wanted if c in have)
            df = pd.read_sql_query(sa.text(f"SELECT {cols or '*'} FROM {inner}"), conn)
            return _Read(df, have)
    finally:
        engine.dispose()


def _qualified(table: str, quote) -> str:
    return ".".join(quote(part) for part in table.split("."))


def _sql_url(url: str, base_dir: Path) -> str:
    """SQLite paths in a weight file are relative to the weight file, like every other path,
    and the database is opened read-only: a URL naming a missing file is an error, never a
    new empty database (and a query cannot change the data)."""
    from urllib.parse import quote

    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        db = Path(parsed.database)
        if not db.is_absolute():
            db = base_dir / db
        if not db.is_file():
            raise FileNotFoundError(db)
        if parsed.query.get("uri") not in ("true", "1"):
            return parsed.set(database=f"file:{quote(str(db))}?mode=ro",
                              query={**parsed.query, "uri": "true"}
                              ).render_as_string(hide_password=False)
        return parsed.set(database=str(db)).render_as_string(hide_password=False)
    return url


def _path(spec: SourceSpec, base_dir: Path) -> Path:
    path = Path(spec.path)
    return path if path.is_absolute() else base_dir / path


def _display(spec: SourceSpec, base_dir: Path) -> str:
    if spec.kind == "sql":
        try:
            url = sql_target(spec.url).shown  # password and passfile masked
        except ValueError:  # not a URL: reported as such when it is opened
            url = spec.url
        return f"{url} ({spec.table or 'query'})"
    return _shown(_path(spec, base_dir))


def _shown(path: Path) -> str:
    """A path relative to the working directory when it is below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _short(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:300]
