"""Write tables chunk by chunk to CSV and Parquet with one schema; the one CSV rule.

Arrow's writers append batches without holding the whole table; categorical columns stay
dictionary-encoded in Parquet and are written as plain text in CSV.

Every CSV healthscore writes goes through this module, so one rule holds for all of them:
a text cell that a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, a tab
or a carriage return: `=HYPERLINK(…)`, `+cmd|…`, `@SUM(…)`) gets a leading `'` and opens as
text. Numbers are written as numbers. Parquet keeps values as they are.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

UNIQUE_COLUMNS = {"customer_id", "name"}  # one value per customer: no dictionary
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_SET = pa.array(list(FORMULA_STARTS))


def safe_cell(value: object) -> object:
    """One cell for a CSV: text a spreadsheet would run as a formula gets a leading `'`."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_text(header: Iterable[object], rows: Iterable[Iterable[object]]) -> str:
    """Rows as CSV text (the CSV module's quoting), every cell through `safe_cell`."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([safe_cell(v) for v in header])
    writer.writerows([safe_cell(v) for v in row] for row in rows)
    return buf.getvalue()


def safe_table(table: pa.Table) -> pa.Table:
    """`safe_cell` over every text column of an Arrow table, vectorised: a comparison of the
    first character; a categorical column's few distinct values are fixed in its dictionary,
    not row by row. A column with nothing risky is passed on untouched."""
    columns = []
    for col in table.columns:
        if pa.types.is_dictionary(col.type) and _is_text(col.type.value_type):
            col = pa.chunked_array(
                [pa.DictionaryArray.from_arrays(chunk.indices, _safe_text(chunk.dictionary))
                 for chunk in col.chunks], type=col.type)
        elif _is_text(col.type):
            col = _safe_text(col)
        columns.append(col)
    return pa.table(columns, names=table.column_names)


def _is_text(kind: pa.DataType) -> bool:
    return pa.types.is_string(kind) or pa.types.is_large_string(kind)


def _safe_text(values):
    risky = pc.is_in(pc.utf8_slice_codeunits(values, 0, 1), value_set=_FORMULA_SET)
    if not pc.any(risky).as_py():
        return values
    quote, empty = pa.scalar("'", values.type), pa.scalar("", values.type)
    return pc.if_else(risky, pc.binary_join_element_wise(quote, values, empty), values)


def write_csv(frame: pd.DataFrame, path: str | Path) -> None:
    """A whole DataFrame as one CSV file, by the one rule."""
    table = undictionary(pa.Table.from_pandas(frame, preserve_index=False))
    table = table.cast(pa.schema([f.with_type(pa.string()) if pa.types.is_null(f.type) else f
                                  for f in table.schema]))
    pacsv.write_csv(safe_table(table), str(path))


class TableWriter:
    """Append chunks to CSV and Parquet files with one schema fixed by the first chunk."""

    def __init__(self, folder: Path, stem: str, formats: tuple[str, ...]):
        self.paths = {fmt: folder / f"{stem}.{fmt}" for fmt in formats}
        self.schema: pa.Schema | None = None
        self.parquet: pq.ParquetWriter | None = None
        self.csv: pacsv.CSVWriter | None = None

    def write(self, frame: pd.DataFrame) -> None:
        table = pa.Table.from_pandas(frame, preserve_index=False)
        if self.schema is None:
            self.schema = pa.schema([f.with_type(pa.string()) if pa.types.is_null(f.type)
                                     else f for f in table.schema])
            if "parquet" in self.paths:
                self.parquet = pq.ParquetWriter(self.paths["parquet"], self.schema,
                                                use_dictionary=_dictionary_columns(self.schema))
            if "csv" in self.paths:
                plain = pa.schema([f.with_type(f.type.value_type)
                                   if pa.types.is_dictionary(f.type) else f
                                   for f in self.schema])
                self.csv = pacsv.CSVWriter(self.paths["csv"], plain)
        table = table.cast(self.schema)
        if self.parquet:
            self.parquet.write_table(table)
        if self.csv:
            self.csv.write_table(undictionary(safe_table(table)))

    def close(self) -> None:
        if self.parquet:
            self.parquet.close()
        if self.csv:
            self.csv.close()


def _dictionary_columns(schema: pa.Schema) -> list[str]:
    """Columns worth Parquet dictionary encoding: categories and text, but not the ids.
    Scores, weights and ids (text, like every id) are nearly all distinct, so trying a
    dictionary on them only costs time before the writer falls back to plain encoding
    (about a third of the write time for scores)."""
    return [f.name for f in schema if f.name not in UNIQUE_COLUMNS and (
            pa.types.is_dictionary(f.type) or pa.types.is_string(f.type)
            or pa.types.is_large_string(f.type) or pa.types.is_string_view(f.type))]


def undictionary(table: pa.Table) -> pa.Table:
    return pa.table({name: (col.cast(col.type.value_type) if pa.types.is_dictionary(col.type)
                            else col) for name, col in zip(table.column_names, table.columns,
                                                          strict=True)})


def write_whole(frame: pd.DataFrame, folder: Path, stem: str, formats: tuple[str, ...]
                 ) -> None:
    writers = TableWriter(folder, stem, formats)
    writers.write(frame)
    writers.close()
