"""Write tables chunk by chunk to CSV and Parquet with one schema.

Arrow's writers append batches without holding the whole table; categorical columns stay
dictionary-encoded in Parquet and are written as plain text in CSV.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq


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
            self.csv.write_table(undictionary(table))

    def close(self) -> None:
        if self.parquet:
            self.parquet.close()
        if self.csv:
            self.csv.close()


def _dictionary_columns(schema: pa.Schema) -> list[str]:
    """Columns worth Parquet dictionary encoding: categories and text. Scores, weights and
    ids are nearly all distinct, so trying a dictionary on them only costs time before the
    writer falls back to plain encoding (about a third of the write time for scores)."""
    return [f.name for f in schema
            if pa.types.is_dictionary(f.type) or pa.types.is_string(f.type)
            or pa.types.is_large_string(f.type) or pa.types.is_string_view(f.type)]


def undictionary(table: pa.Table) -> pa.Table:
    return pa.table({name: (col.cast(col.type.value_type) if pa.types.is_dictionary(col.type)
                            else col) for name, col in zip(table.column_names, table.columns,
                                                          strict=True)})


def write_whole(frame: pd.DataFrame, folder: Path, stem: str, formats: tuple[str, ...]
                 ) -> None:
    writers = TableWriter(folder, stem, formats)
    writers.write(frame)
    writers.close()
