"""Assembling a run: the customer table (given, or computed from the raw exports as of a
date) and what it read (`run_inputs`: resolved and fingerprinted once, the run's id).

`prepare_run` gives a `Run` for the CLI's `score` and `render` and for a notebook user; the
monthly run (healthscore/monthly.py) builds its one `Run` from the same pieces.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from healthscore import signals
from healthscore.engine.inputs import RunInputs
from healthscore.engine.run import Run, RunResult
from healthscore.errors import HealthscoreError, Problem
from healthscore.signals.placed import place_sources
from healthscore.spec.reach import sql_target
from healthscore.weights.model import WeightFile


def customer_table(wf: WeightFile, customers: pd.DataFrame | str | Path | None, as_of: date,
                   data_dir: str | Path | None = None, *, allow_stale: bool = False
                   ) -> tuple[pd.DataFrame | Path, list[Problem], dict[str, str]]:
    """The one-row-per-customer table to score: given, or computed from the raw exports the
    weight file's `sources:` declare. A given table wins over `sources:`, so a stored signals
    table can be re-scored (e.g. with changed weights) without the exports. Returns (table,
    data warnings, signal methods). Computed signals refuse exports that end too long before
    the as-of date unless `allow_stale` (then the gap is a warning)."""
    if customers is not None:
        return (customers if isinstance(customers, pd.DataFrame) else Path(customers)), [], {}
    if not wf.sources:
        raise HealthscoreError(Problem(
            "no customer table: pass --customers, or use a weight file that declares "
            "`sources:` to compute the signals from raw exports (see docs/signals.md)",
            file=wf.path, key="sources"))
    table = signals.compute_signals(wf, as_of, base_dir=data_dir,  # DuckDB loads here
                                    allow_stale=allow_stale)
    return table.frame, list(table.warnings), dict(table.methods)


def source_roles(wf: WeightFile, data_dir: str | Path | None) -> dict[str, str]:
    """Each declared source's file, folder or URL, placed and checked as `compute_signals`
    reads it (signals/placed.py: relative paths from `data_dir`, else from the folder of the
    file that declared them; nothing outside what the operator allowed is hashed or read). A
    URL is recorded with its password masked: it goes into run.json and the store."""
    out = {}
    for name, spec in place_sources(wf, data_dir).items():
        if spec.path:
            out[f"source:{name}"] = spec.path
        elif spec.url:
            shown = sql_target(spec.url).shown
            out[f"source:{name}"] = f"{shown} {spec.table or spec.query or ''}".strip()
    return out


def run_inputs(wf: WeightFile, customers: pd.DataFrame | str | Path | None,
               data_dir: str | Path | None = None,
               outcomes: pd.DataFrame | str | Path | None = None) -> RunInputs:
    """What a run reads, resolved and fingerprinted once (engine/inputs.py): the weight
    file, the customer table or each raw export, and the outcomes file that decides who has
    churned. Built before any data is read, so its run id can skip a stored month."""
    roles: dict = {"weights": wf.path or "<in memory>"}
    if customers is not None:
        roles["customers"] = customers
    else:
        roles |= source_roles(wf, data_dir)
    roles["outcomes"] = outcomes
    return RunInputs.of(roles)


def prepare_run(wf: WeightFile, customers: pd.DataFrame | str | Path | None, as_of: date,
                data_dir: str | Path | None = None, *, allow_stale: bool = False,
                **options) -> Run:
    """The run of one as-of date: its customer table (given, or computed from the sources),
    with the data's warnings, the signals' methods and the inputs kept on it. The caller adds
    sinks (`run.sinks`) and executes it. `options` go to `Run` (collect, outreach_top,
    explain, columns, chunk_rows, progress)."""
    inputs = run_inputs(wf, customers, data_dir)
    table, warnings, methods = customer_table(wf, customers, as_of, data_dir,
                                              allow_stale=allow_stale)
    return Run(table, wf, as_of=as_of, warnings=warnings, methods=methods, inputs=inputs,
               **options)


def score_customers(wf: WeightFile, customers: pd.DataFrame | str | Path | None, as_of: date,
                    data_dir: str | Path | None = None, *,
                    allow_stale: bool = False) -> RunResult:
    """`prepare_run` executed in memory: the result's frame has every customer."""
    return prepare_run(wf, customers, as_of, data_dir, allow_stale=allow_stale).execute()


def month_ends_before(as_of: date, months: int) -> list[date]:
    """The last days of the `months` calendar months before `as_of`'s month, oldest first."""
    first = pd.Timestamp(as_of).to_period("M").to_timestamp()
    return [(first - pd.DateOffset(months=m) + pd.offsets.MonthEnd(0)).date()
            for m in range(months, 0, -1)]
