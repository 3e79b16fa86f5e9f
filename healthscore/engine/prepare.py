"""Check a customer table against a weight file before scoring, collecting every problem.

A missing column, text in a numeric column or a duplicate id is reported with the file, the
rows and what was found, all at once; blanks are missing data, never zero.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from healthscore.errors import DataError, Problem
from healthscore.io.cite import cite_rows, duplicate_ids
from healthscore.io.dates import table_dates
from healthscore.io.tables import SOURCE_ATTR
from healthscore.weights.model import SignalSpec, WeightFile
from healthscore.weights.resolved import ResolvedWeights


def text_columns(wf: WeightFile) -> list[str]:
    """Columns every reader keeps as text: the customer id and the parent id."""
    return [wf.id_column, *([wf.rollup.parent] if wf.rollup else [])]


def column_of(name: str, spec: SignalSpec) -> str:
    return spec.column or name


def _file(df: pd.DataFrame) -> str | None:
    return (df.attrs.get(SOURCE_ATTR) or {}).get("file")


def check_table(df: pd.DataFrame, weights: ResolvedWeights, *, check_ids: bool = True,
                partial: bool = False) -> pd.DataFrame:
    """Return the table with numeric columns converted; raise DataError listing all problems.

    `weights` is resolved once per run (every batch of a Parquet file is checked with the
    same). `check_ids=False` skips the duplicate-id check (done once over the whole table
    when scoring by chunks); `partial=True` checks only the columns the frame has (a narrow
    projection read for the whole-table pre-pass).
    """
    wf = weights.wf
    file = _file(df)
    problems: list[Problem] = []
    listing = ", ".join(map(str, df.columns)) or "none"
    twice = sorted(set(map(str, df.columns[df.columns.duplicated()])))
    if twice:  # every later lookup would be ambiguous
        raise DataError(Problem(f"columns named more than once: {', '.join(twice)}; give each "
                                "column one name", file=file))
    if len(df) == 0 and not partial:
        raise DataError(Problem("the customer table has no rows; nothing to score", file=file))
    if wf.id_column not in df.columns and not partial:
        problems.append(Problem(
            f"no customer id column `{wf.id_column}` (set `id_column:` in the weight file to "
            f"use another); columns found: {listing}", file=file, key=wf.id_column))
    signals = weights.signals
    wanted: dict[str, list[str]] = {}
    for name, spec in signals.items():
        wanted.setdefault(column_of(name, spec), []).append(name)
        if spec.measured_at:
            wanted.setdefault(spec.measured_at, []).append(f"{name} (measured_at)")
    for column, users in wanted.items():
        if column not in df.columns and not partial:
            problems.append(Problem(
                f"column `{column}` used by signal {', '.join(users)} is not in the table; "
                f"columns found: {listing}", file=file, key=column))
    for seg_name, seg in wf.segments.items():
        for column in seg.match:
            if column not in df.columns and not partial:
                problems.append(Problem(
                    f"segment `{seg_name}` matches on column `{column}`, which is not in the "
                    f"table; columns found: {listing}", file=file, key=column))
    out = df.copy(deep=False)
    numeric = {column_of(n, signals[n]) for n in weights.numeric}
    if "arr" in df.columns:
        numeric.add("arr")
    for column in sorted(numeric & set(df.columns)):
        if df[column].dtype == "float64":  # already numbers (Parquet): nothing to convert,
            converted, bad = df[column], np.array([], dtype=int)  # and no frame update
        else:
            converted, bad = _to_number(df[column])
            out[column] = converted
        if bad.size:
            problems.append(Problem(
                f"expected numbers in column `{column}`; found text in "
                f"{cite_rows(df, bad, column)}. Leave a cell blank for missing data.",
                file=file, key=column))
        infinite = np.isinf(converted.to_numpy())
        if infinite.any():
            problems.append(Problem(
                f"expected finite numbers in column `{column}`; found "
                f"{cite_rows(df, infinite, column)}", file=file,
                key=column))
    if wf.id_column in df.columns:
        ids = df[wf.id_column]
        blank = np.flatnonzero(ids.isna().to_numpy())
        if blank.size:
            problems.append(Problem(f"{blank.size} rows have no customer id: "
                                    f"{cite_rows(df, blank, wf.id_column)}",
                                    file=file, key=wf.id_column))
        dup = ids[ids.duplicated(keep=False) & ids.notna()] if check_ids else ids.iloc[:0]
        if len(dup):
            problems.append(duplicate_ids(pd.unique(dup), file, wf.id_column))
    for column in dict.fromkeys(s.measured_at for s in signals.values() if s.measured_at):
        if column in df.columns:  # the one date rule (io/dates.py), every problem at once
            out[column] = table_dates(df, column, wf.formats, problems=problems).to_numpy()
    if problems:
        raise DataError(problems)
    return out


def _to_number(values: pd.Series) -> tuple[pd.Series, np.ndarray]:
    if pd.api.types.is_bool_dtype(values):
        return values.astype("float64"), np.array([], dtype=int)
    if pd.api.types.is_numeric_dtype(values):
        return values.astype("float64"), np.array([], dtype=int)
    text = values.astype("string").str.strip()
    text = text.mask(text == "")
    converted = pd.to_numeric(text, errors="coerce").astype("float64")
    bad = np.flatnonzero((converted.isna() & text.notna()).to_numpy())
    return converted, bad


def table_warnings(columns: list[str], wf: WeightFile, file: str | None = None
                   ) -> list[Problem]:
    """Things that do not stop a run but change what it means."""
    warnings = []
    if wf.priority != "risk" and "arr" not in columns:
        warnings.append(Problem(
            f"no `arr` column, so the outreach priority `{wf.priority_kind}` falls back to risk "
            "(100 − score); add an `arr` column or set `priority: risk`", file=file,
            key="priority", severity="warning"))
    return warnings
