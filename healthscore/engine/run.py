"""The public scoring entry points and the `ScoreRun` record a run leaves behind.

A run keeps its inputs, its resolved weights and its per-signal results as data, so the run
store, what-if diffs and backtests (later stages) can work from it without re-scoring.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd

from healthscore.engine.checks import Observed
from healthscore.engine.kernel import make_plan, score_frame
from healthscore.engine.prepare import SOURCE_ATTR, check_table, table_warnings, text_columns
from healthscore.engine.rollup import rollup
from healthscore.errors import Problem
from healthscore.io.tables import read_table
from healthscore.weights.load import load_weights
from healthscore.weights.model import WeightFile


@dataclass
class ScoreRun:
    """One scoring run: the scored frame plus what produced it."""

    frame: pd.DataFrame
    weights: WeightFile
    as_of: date
    rollups: pd.DataFrame | None = None
    inputs: dict[str, str] = field(default_factory=dict)   # role → path or description
    warnings: list[Problem] = field(default_factory=list)
    methods: dict[str, str] = field(default_factory=dict)  # signal → how it was computed
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))


def as_date(as_of) -> date:
    if as_of is None:
        return date.today()
    if isinstance(as_of, datetime):
        return as_of.date()
    if isinstance(as_of, date):
        return as_of
    return pd.Timestamp(as_of).date()


def score_run(customers: pd.DataFrame | str | Path, weights: WeightFile | str | Path, *,
              as_of: date | str | None = None, explain: bool = True) -> ScoreRun:
    """Score a customer table (a DataFrame or a CSV/Parquet/Excel path) with a weight file."""
    wf = load_weights(weights)
    inputs = {"weights": wf.path or "<in memory>"}
    if not isinstance(customers, pd.DataFrame):
        inputs["customers"] = str(customers)
        customers = read_table(customers, text=text_columns(wf))
    else:
        inputs["customers"] = "<DataFrame>"
    day = as_date(as_of)
    table = check_table(customers, wf)
    plan = make_plan(wf, pd.Timestamp(day), table, explain=explain)
    frame = score_frame(table, plan).reset_index(drop=True)
    file = (customers.attrs.get(SOURCE_ATTR) or {}).get("file")
    observed = Observed()
    observed.add(frame, wf)
    family = frame if wf.rollup and wf.rollup.parent in frame else None
    warnings = [*table_warnings(list(customers.columns), wf, file),
                *observed.warnings(wf, family, file)]
    return ScoreRun(frame=frame, weights=wf, as_of=day, rollups=rollup(frame, wf),
                    inputs=inputs, warnings=warnings)


def score(customers: pd.DataFrame | str | Path, weights: WeightFile | str | Path, *,
          as_of: date | str | None = None, explain: bool = True) -> pd.DataFrame:
    """Score every customer; one row per customer, columns as in docs/architecture.md."""
    return score_run(customers, weights, as_of=as_of, explain=explain).frame
