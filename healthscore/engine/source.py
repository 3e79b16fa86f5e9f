"""Where a run's customers come from: checked chunks, whatever the input.

A run scores chunks; this module turns what the user gave into them, each checked once:

- a DataFrame, a CSV or an Excel file is in memory anyway: it is checked whole (every problem
  at once, duplicate ids included) and then sliced, with no second check of any row;
- a Parquet file or folder is read by batches of only the columns the weight file needs;
  whole-table facts (duplicate ids, percentile peers, parent ids) come from a narrow pre-pass
  over a few columns, and each batch is checked as it arrives. A batch with problems does not
  stop the reading: the problems of every batch are collected and raised together.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from healthscore.engine.frame import CARRIED
from healthscore.engine.prepare import check_table, column_of, text_columns
from healthscore.errors import DataError, Problem
from healthscore.io.cite import duplicate_ids
from healthscore.io.tables import SOURCE_ATTR, as_text, read_table, table_format
from healthscore.weights.model import WeightFile
from healthscore.weights.resolved import ResolvedWeights

CHUNK_ROWS = 250_000


def needed_columns(weights: ResolvedWeights, available: list[str]) -> list[str]:
    """The input columns a run reads: id, carried attributes, signals, dates, segment keys."""
    wf = weights.wf
    wanted = [wf.id_column, *CARRIED]
    if wf.rollup:
        wanted.append(wf.rollup.parent)
    for name, spec in weights.signals.items():
        wanted.append(column_of(name, spec))
        if spec.measured_at:
            wanted.append(spec.measured_at)
    for seg in wf.segments.values():
        wanted += list(seg.match)
    # keep columns that are missing too: check_table reports them with the full listing
    return list(dict.fromkeys(c for c in wanted if c in available or c not in CARRIED))


@dataclass
class Customers:
    """The checked chunks of one customer table and what the plan needs of the whole."""

    reference: pd.DataFrame      # whole-table columns for percentile peers and parent ids
    total: int                   # rows in the table
    columns: list[str]           # the table's column names
    file: str | None             # for messages
    _chunks: Iterator[pd.DataFrame] = field(repr=False, default=iter(()))
    problems: list[Problem] = field(default_factory=list)

    def __iter__(self) -> Iterator[pd.DataFrame]:
        return self._chunks

    def release(self) -> None:
        """Drop the pre-pass columns once the plan is made: they need not stay in memory."""
        self.reference = self.reference.iloc[:0]

    def raise_problems(self) -> None:
        if self.problems:
            raise DataError(self.problems)

    def close(self) -> None:
        """Stop reading: the reader thread and the open file go now, not when the last
        reference to a failed run's traceback does."""
        close = getattr(self._chunks, "close", None)
        if close is not None:
            close()


def open_customers(source: pd.DataFrame | str | Path, weights: ResolvedWeights,
                   chunk_rows: int = CHUNK_ROWS) -> Customers:
    """Checked chunks of `source` (a DataFrame, or a CSV/Excel/Parquet path), every one
    checked against the same resolved weights."""
    if isinstance(source, pd.DataFrame) or table_format(Path(source)) != "parquet":
        return _in_memory(source, weights, chunk_rows)
    return _parquet(Path(source), weights, chunk_rows)


def _in_memory(source: pd.DataFrame | str | Path, weights: ResolvedWeights, rows: int
               ) -> Customers:
    table = source if isinstance(source, pd.DataFrame) else read_table(
        source, text=text_columns(weights.wf))
    file = (table.attrs.get(SOURCE_ATTR) or {}).get("file")
    checked = check_table(table, weights)  # the whole table: every problem at once

    def slices() -> Iterator[pd.DataFrame]:
        for start in range(0, len(checked), rows):
            yield checked.iloc[start:start + rows]

    return Customers(reference=checked, total=len(checked), columns=list(table.columns),
                     file=file, _chunks=slices())


def _parquet(path: Path, weights: ResolvedWeights, rows: int) -> Customers:
    wf = weights.wf
    try:
        # a folder: every Parquet file in it, hive partitions (`segment=ent/`) as columns
        dataset = ds.dataset(path, format="parquet", partitioning="hive") \
            if path.is_dir() else None
        # pre-buffering keeps every row group's column chunks cached until the file is
        # closed: +150 MiB over 10M customers; reading page by page is as fast here
        file = pq.ParquetFile(path, pre_buffer=False) if dataset is None else None
        names = (dataset.schema if dataset else file.schema_arrow).names
    except (OSError, pa.ArrowException) as exc:  # corrupt, or not Parquet at all
        raise DataError(Problem(f"cannot read it as parquet: {exc}", file=str(path))) from None
    needed = needed_columns(weights, names)
    if any(c not in names for c in needed):  # check_table words the error, with the listing
        probe = pd.DataFrame({c: [None] for c in names})
        probe.attrs[SOURCE_ATTR] = {"file": str(path)}
        check_table(probe, weights)
    columns = [c for c in needed if c in names]
    signals = weights.signals
    narrow_cols = [wf.id_column] + [column_of(n, s) for n, s in signals.items()
                                    if s.score.kind == "percentile"]
    narrow_cols += [s.measured_at for s in signals.values() if s.measured_at]
    narrow_cols += [c for seg in wf.segments.values() for c in seg.match]
    narrow_cols += [wf.rollup.parent] if wf.rollup else []
    narrow_cols = list(dict.fromkeys(c for c in narrow_cols if c in names))
    try:
        if dataset is not None:
            narrow = dataset.to_table(columns=narrow_cols).to_pandas()
            total = len(narrow)
            batches = dataset.to_batches(columns=columns, batch_size=rows)
        else:
            narrow = file.read(columns=narrow_cols).to_pandas()
            total = file.metadata.num_rows
            batches = file.iter_batches(batch_size=rows, columns=columns)
    except (OSError, pa.ArrowException) as exc:  # a damaged page, a truncated file
        raise DataError(Problem(f"cannot read it as parquet: {exc}", file=str(path))) from None
    # duplicates found on the ids as stored: numbers and their text are one to one, and a
    # sorted integer column needs no hash table at all (10M ids: no check, no copy)
    _check_ids(narrow, wf, str(path))
    narrow = _ids_as_text(narrow, wf)
    narrow.attrs[SOURCE_ATTR] = {"file": str(path)}
    reference = check_table(narrow, weights, partial=True, check_ids=False)
    customers = Customers(reference=reference, total=total, columns=list(names),
                          file=str(path))
    customers._chunks = _checked_batches(batches, weights, path, customers.problems)
    return customers


def _checked_batches(batches, weights: ResolvedWeights, path: Path, problems: list[Problem]
                     ) -> Iterator[pd.DataFrame]:
    """Each batch as a checked frame. The next batch is read and made a pandas frame on a
    thread while the current one is scored (Arrow releases the GIL). After the first bad
    batch the rest are still checked, for their problems, not yielded."""

    def frames() -> Iterator[pd.DataFrame]:  # runs on the reader thread
        start = 0
        for batch in batches:
            part = _ids_as_text(batch.to_pandas(), weights.wf)
            part.index = pd.RangeIndex(start, start + len(part))
            part.attrs[SOURCE_ATTR] = {"file": str(path), "row_offset": start}
            start += len(part)
            del batch  # the Arrow copy need not live while the chunk is scored
            yield part

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="healthscore-read") as pool:
        for part in _prefetch(frames(), pool, str(path)):
            try:
                checked = check_table(part, weights, check_ids=False)
            except DataError as exc:  # keep checking the rest: report everything at once
                problems.extend(exc.problems)
                continue
            if not problems:
                yield checked
            _release_arrow_memory()


def _prefetch(items, pool: ThreadPoolExecutor, path: str) -> Iterator:
    """Read the next batch while the current one is scored."""
    items = iter(items)
    ahead = pool.submit(next, items, None)
    while True:
        try:
            item = ahead.result()
        except (OSError, pa.ArrowException) as exc:  # a damaged page, a truncated file
            raise DataError(Problem(f"cannot read it as parquet: {exc}", file=path)) from None
        if item is None:
            return
        ahead = pool.submit(next, items, None)
        box, item = [item], None
        yield box.pop()  # no local keeps the batch alive while the caller works on it


def _release_arrow_memory() -> None:
    """Give Arrow's freed buffers back to the system after each batch.

    Arrow's allocator (mimalloc) keeps what the reader thread allocated and the main thread
    freed; over a run that adds up to more than Arrow ever had in use at once (about 200 MiB
    kept for 130 MiB used, 1M customers). Releasing per batch costs a few milliseconds.
    """
    pa.default_memory_pool().release_unused()


def _ids_as_text(frame: pd.DataFrame, wf: WeightFile) -> pd.DataFrame:
    """Parquet ids stored as numbers become text, as every reader gives them."""
    for column in text_columns(wf):
        if column in frame:
            frame[column] = as_text(frame[column])
    return frame


def _check_ids(narrow: pd.DataFrame, wf: WeightFile, file: str | None) -> None:
    """Duplicate ids over the whole table, from the narrow pre-pass."""
    if wf.id_column not in narrow:
        return
    ids = narrow[wf.id_column]
    if pd.api.types.is_integer_dtype(ids):  # a sort needs far less memory than a hash table
        ordered = ids.to_numpy()
        if (ordered[1:] > ordered[:-1]).all():  # already strictly increasing (exports often
            return                              # are): no duplicates, no sort, no copy
        ordered = np.sort(ordered)
        values = np.unique(ordered[1:][ordered[1:] == ordered[:-1]])
    else:
        values = pd.unique(ids[ids.duplicated(keep=False) & ids.notna()])
    if len(values):
        raise DataError(duplicate_ids(values, file, wf.id_column))
