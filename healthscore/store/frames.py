"""A scored frame ↔ the store's tables, column by column (vectorised, no per-row Python).

The frame's column order and dtypes (with category levels) are kept next to the run, so the
frame read back is the frame written: `assert_frame_equal` holds. Which columns are signals
and groups is the scored frame's schema (`engine/frame.py`; `items` is re-exported here).
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import numpy as np
import pandas as pd

from healthscore.engine.frame import column as frame_column
from healthscore.engine.frame import item_columns, items

NUMERIC_RESULTS = ("arr", "score", "coverage", "priority")
TEXT_RESULTS = ("name", "segment", "owner", "profile", "tier", "driver_1", "driver_2",
                "driver_3", "reasons")
PARENT = "parent"
VALUE_COLUMNS = ("run_id", "customer_id", "item", "kind", "raw", "raw_text", "score", "weight",
                 "points", "status")
FIELD_COLUMNS = ("run_id", "customer_id", "field", "num", "text")


def describe(frame: pd.DataFrame) -> list[dict]:
    """Each column's name and dtype (category levels included), to rebuild it exactly."""
    out = []
    for name, dtype in frame.dtypes.items():
        entry = {"name": str(name), "dtype": str(dtype)}
        if isinstance(dtype, pd.CategoricalDtype):
            entry["categories"] = [_plain(c) for c in dtype.categories]
            entry["ordered"] = bool(dtype.ordered)
        out.append(entry)
    return out


def _plain(value):
    return value.item() if isinstance(value, np.generic) else value


def restore(series: pd.Series, entry: dict) -> pd.Series:
    dtype = entry["dtype"]
    if dtype == "category":
        return pd.Series(pd.Categorical(series, categories=entry["categories"],
                                        ordered=entry["ordered"]), index=series.index)
    if dtype.startswith("datetime64"):
        return pd.to_datetime(series).astype(dtype)
    if dtype == "object":
        return series.astype(object)
    return series.astype(dtype)


def as_numbers(series: pd.Series) -> np.ndarray:
    """Floats as an object array with None for missing, the form every DB driver binds."""
    values = pd.to_numeric(series, errors="raise").to_numpy(dtype="float64", na_value=np.nan)
    out = values.astype(object)
    out[np.isnan(values)] = None
    return out


def as_text(series: pd.Series) -> np.ndarray:
    if pd.api.types.is_datetime64_any_dtype(series):
        text = series.map(lambda t: t.isoformat(), na_action="ignore")  # one per distinct
        return text.astype(object).where(series.notna(), None).to_numpy(dtype=object)
    return series.astype("string").to_numpy(dtype=object, na_value=None)


def is_number(series: pd.Series) -> bool:
    return (pd.api.types.is_numeric_dtype(series) and not isinstance(
        series.dtype, pd.CategoricalDtype)) or pd.api.types.is_bool_dtype(series)


def layout(frame: pd.DataFrame, parent: str | None) -> tuple[dict[str, str], list[str]]:
    """Which frame column goes into which `results` column; the rest of the non-signal columns
    go into `account_fields`."""
    kinds = items(frame.columns)
    in_items = {col for name, kind in kinds.items() for col in item_columns(name, kind)}
    placed: dict[str, str] = {}
    fields: list[str] = []
    for col in frame.columns:
        if col == "customer_id" or col in in_items:
            continue
        if col in NUMERIC_RESULTS and is_number(frame[col]) or col in TEXT_RESULTS and not \
                is_number(frame[col]):
            placed[col] = col
        elif col == parent and not is_number(frame[col]) and PARENT not in placed.values():
            placed[col] = PARENT
        else:
            fields.append(col)
    return placed, fields


Columns = dict[str, np.ndarray]  # one batch of rows for one table, column by column


def result_columns(frame: pd.DataFrame, run_id: str, placed: dict[str, str], ids: np.ndarray,
                   start: int, stop: int) -> Columns:
    part = frame.iloc[start:stop]
    n = len(part)
    cols: Columns = {"run_id": np.full(n, run_id, dtype=object), "customer_id": ids[start:stop],
                     "position": np.arange(start, stop).astype(object)}  # Python ints
    for col, stored in placed.items():
        cols[stored] = as_numbers(part[col]) if col in NUMERIC_RESULTS else as_text(part[col])
    return cols


def value_columns(frame: pd.DataFrame, run_id: str, kinds: dict[str, str], ids: np.ndarray,
                  start: int, stop: int) -> Columns:
    """`signal_values` for customers start..stop, customer by customer (each customer's
    signals and groups together: the primary key and the customer index then grow in order
    instead of at random)."""
    part = frame.iloc[start:stop]
    n, k = len(part), len(kinds)
    none = np.full(n, None, dtype=object)
    cols: dict[str, list[np.ndarray]] = {c: [] for c in ("raw", "raw_text", "score", "weight",
                                                          "points", "status")}
    for name, kind in kinds.items():
        raw = raw_text = status = none
        if kind == "signal":
            column = part[frame_column(name, "raw")]
            if is_number(column):
                raw = as_numbers(column)
            else:
                raw_text = as_text(column)
            status = as_text(part[frame_column(name, "status")])
        for key, values in (("raw", raw), ("raw_text", raw_text), ("status", status)):
            cols[key].append(values)
        for key in ("score", "weight", "points"):
            cols[key].append(as_numbers(part[frame_column(name, key)]))
    if not k or not n:
        return {c: np.empty(0, dtype=object) for c in VALUE_COLUMNS}
    names = np.array(list(kinds), dtype=object)
    kind_of = np.array([kinds[x] for x in kinds], dtype=object)
    return {"run_id": np.full(n * k, run_id, dtype=object),
            "customer_id": np.repeat(ids[start:stop], k), "item": np.tile(names, n),
            "kind": np.tile(kind_of, n),
            **{key: np.stack(arrays).T.ravel() for key, arrays in cols.items()}}


def field_columns(frame: pd.DataFrame, run_id: str, fields: list[str], ids: np.ndarray,
                  start: int, stop: int) -> Iterator[Columns]:
    part = frame.iloc[start:stop]
    n = len(part)
    none = np.full(n, None, dtype=object)
    for col in fields:
        number = is_number(part[col])
        yield {"run_id": np.full(n, run_id, dtype=object), "customer_id": ids[start:stop],
               "field": np.full(n, col, dtype=object),
               "num": as_numbers(part[col]) if number else none,
               "text": none if number else as_text(part[col])}


def rebuild(results: pd.DataFrame, values: pd.DataFrame, fields: pd.DataFrame,
            columns: list[dict], placed: dict[str, str]) -> pd.DataFrame:
    """The scored frame from the run's rows (results ordered by position)."""
    results = results.sort_values("position", kind="stable").reset_index(drop=True)
    ids = results["customer_id"]
    parts: dict[str, pd.Series] = {"customer_id": ids}
    for col, stored in placed.items():
        parts[col] = results[stored]
    for (item, part), values_of in _scatter(values, ids, "item",
                                            ("raw", "raw_text", "score", "weight", "points",
                                             "status")):
        name = frame_column(item, "raw" if part == "raw_text" else part)
        if part in ("raw", "raw_text") and name in parts and values_of.isna().all():
            continue
        parts[name] = values_of
    for (field, _part), values_of in _scatter(fields, ids, "field", ("num", "text")):
        if field in parts and values_of.isna().all():
            continue
        parts[field] = values_of
    out = {}
    for entry in columns:
        name = entry["name"]
        series = parts.get(name)
        if series is None:
            series = pd.Series([None] * len(ids), dtype=object)
        out[name] = restore(series.reset_index(drop=True), entry)
    return pd.DataFrame(out)


def _scatter(long: pd.DataFrame, ids: pd.Series, key: str, measures: tuple[str, ...]):
    """Long rows → one array per (key value, measure) in the order of `ids`: each value is
    placed by hashed position (no pivot, no sort), one array per measure at a time."""
    if not len(long):
        return
    where = pd.Index(ids).get_indexer(long["customer_id"])
    codes, names = pd.factorize(long[key])
    for measure in measures:
        column = long[measure]
        numeric = pd.api.types.is_float_dtype(column)
        grid = np.full((len(names), len(ids)), np.nan if numeric else None,
                       dtype="float64" if numeric else object)
        grid[codes, where] = column.to_numpy(dtype="float64" if numeric else object)
        for i, name in enumerate(names):
            yield (name, measure), pd.Series(grid[i], dtype=grid.dtype)
        del grid


def dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)
