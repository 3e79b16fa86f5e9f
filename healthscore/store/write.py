"""Recording a run: every table of the run written in ONE transaction, as a bulk load.

PostgreSQL gets `COPY … FROM STDIN` (psycopg 3's `cursor.copy`), SQLite batched
`executemany`. The run's old rows (same run id: same as-of, weights and inputs) are deleted in
the same transaction, so a re-run replaces and never duplicates, and a failure or a kill at any
point leaves the store exactly as it was.
"""

from __future__ import annotations

import copy
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
import sqlalchemy as sa

from healthscore.engine import frame as scored_frame
from healthscore.engine.inputs import RunInputs
from healthscore.errors import DataError, Problem
from healthscore.store import frames
from healthscore.store.connect import Store
from healthscore.store.schema import RUN_TABLES, account_fields, results, runs, signal_values

BATCH = 20_000  # customers per batch: bounded memory, few round trips
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Recorded:
    run_id: str
    record: dict        # the run.json written, its run_id set to the store's
    replaced: bool      # a run with this id was there and has been replaced


def _bulk(conn: sa.Connection, table: sa.Table, cols: frames.Columns) -> None:
    """Insert one batch: COPY (CSV) on PostgreSQL, executemany on SQLite."""
    names = list(cols)
    if not len(cols[names[0]]):
        return
    if conn.dialect.name == "postgresql":
        # Arrow writes the CSV in C++: floats in their shortest exact form, NULL unquoted
        # and every text quoted (so an empty text stays empty), which is COPY's CSV dialect
        batch = pa.table({name: pa.array(cols[name], type=_arrow_type(table.c[name]),
                                         from_pandas=True) for name in names})
        buffer = io.BytesIO()
        pa_csv.write_csv(batch, buffer, pa_csv.WriteOptions(include_header=False,
                                                            quoting_style="all_valid"))
        raw = conn.connection.driver_connection
        with raw.cursor() as cur, cur.copy(
                f"COPY {table.name} ({', '.join(names)}) FROM STDIN (FORMAT csv)") as copier:
            copier.write(buffer.getbuffer())
    else:
        marks = ", ".join("?" * len(names))
        conn.exec_driver_sql(f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({marks})",
                             list(zip(*cols.values(), strict=True)))


def _arrow_type(column: sa.Column) -> pa.DataType:
    if isinstance(column.type, sa.Double):
        return pa.float64()
    if isinstance(column.type, sa.Integer):
        return pa.int64()
    return pa.string()


def _checked(frame: pd.DataFrame, record: dict) -> None:
    """The frame is a scored frame (`engine/frame.py`: ids present and unique, every signal
    and group whole, dtypes as declared) and the record says what produced it."""
    problems = scored_frame.validate(frame)
    for key in ("as_of", "created_at", "weights", "resolved_weights"):
        if key not in record:
            problems.append(Problem(f"the run record lacks `{key}` (build it with "
                                    "RunResult.record())", key=key))
    if problems:
        raise DataError(problems)


def record_run(store: Store, frame: pd.DataFrame, record: dict, *,
               inputs: RunInputs | dict[str, Path | str],
               progress: Progress | None = None) -> Recorded:
    """Store a scored run (`frame` as in docs/architecture.md, `record` the run.json dict from
    `RunResult.record()`). `inputs`: the run's `RunInputs` (a run's own: its id is the
    run's), or role → file or folder, fingerprinted here."""
    _checked(frame, record)
    inputs = inputs if isinstance(inputs, RunInputs) else RunInputs.of(inputs)
    prints = inputs.prints
    digest = record["weights"]["digest"]
    rid = inputs.run_id(str(record["as_of"])[:10], digest)
    written = copy.deepcopy(record)
    written["run_id"] = rid
    parent = ((record.get("resolved_weights") or {}).get("rollup") or {}).get("parent")
    placed, fields = frames.layout(frame, parent)
    kinds = frames.items(frame.columns)
    ids = frame["customer_id"].astype(str).to_numpy(dtype=object)
    n = len(frame)
    total = n * (1 + len(kinds) + len(fields))
    run_row = {
        "run_id": rid, "as_of": date.fromisoformat(str(record["as_of"])[:10]),
        "created_at": str(record["created_at"]), "healthscore": str(record.get("healthscore")),
        "label": str(record["weights"].get("name") or ""), "weights_digest": digest,
        "weights_json": frames.dumps(record["resolved_weights"]),
        "inputs_json": frames.dumps(prints), "record_json": frames.dumps(written),
        "columns_json": frames.dumps({"columns": frames.describe(frame), "placed": placed}),
        "customers": n}
    with store.writing() as conn:
        replaced = conn.execute(sa.select(runs.c.run_id).where(runs.c.run_id == rid)).first()
        for table in (*RUN_TABLES, runs):
            conn.execute(table.delete().where(table.c.run_id == rid))
        conn.execute(runs.insert(), run_row)
        done = 0
        for start in range(0, max(n, 1), BATCH):
            stop = min(n, start + BATCH)
            _bulk(conn, results, frames.result_columns(frame, rid, placed, ids, start, stop))
            _bulk(conn, signal_values, frames.value_columns(frame, rid, kinds, ids, start,
                                                            stop))
            for cols in frames.field_columns(frame, rid, fields, ids, start, stop):
                _bulk(conn, account_fields, cols)
            done += (stop - start) * (1 + len(kinds) + len(fields))
            if progress is not None:
                progress(done, total)
    return Recorded(run_id=rid, record=written, replaced=replaced is not None)


__all__ = ["BATCH", "Recorded", "record_run"]
