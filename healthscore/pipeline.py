"""The monthly job as functions: signals → one run → outputs → scorecards.

`prepare_run` assembles a run (the customer table, given or computed from the sources, with
the data's warnings and the signals' methods); the CLI's `score`, `render` and `demo` and a
notebook user build on it. Each stage writes its own folder atomically (`signals/`,
`scores/`, `reports/`): a failure in one leaves that folder as it was, but a stage that
already finished keeps its new files, so after a failed render `scores/` can be newer than
`reports/` (the history store's one transaction per run covers the run as a whole).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from healthscore import signals
from healthscore.engine.run import Run, RunResult, score_run
from healthscore.errors import HealthscoreError, Problem
from healthscore.io.atomic import atomic_file
from healthscore.io.writers import write_csv
from healthscore.outputs import OutputFiles
from healthscore.weights.model import WeightFile

if TYPE_CHECKING:
    from healthscore.render import RenderResult


@dataclass
class JobResult:
    run: RunResult                                # its warnings include the data's
    signals: Path | None = None
    scores: list[Path] = field(default_factory=list)
    reports: RenderResult | None = None


def customer_table(wf: WeightFile, customers: pd.DataFrame | str | Path | None, as_of: date,
                   data_dir: str | Path | None = None
                   ) -> tuple[pd.DataFrame | Path, list[Problem], dict[str, str]]:
    """The one-row-per-customer table to score: given, or computed from the raw exports the
    weight file's `sources:` declare. A given table wins over `sources:`, so a stored signals
    table can be re-scored (e.g. with changed weights) without the exports. Returns (table,
    data warnings, signal methods)."""
    if customers is not None:
        return (customers if isinstance(customers, pd.DataFrame) else Path(customers)), [], {}
    if not wf.sources:
        raise HealthscoreError(Problem(
            "no customer table: pass --customers, or use a weight file that declares "
            "`sources:` to compute the signals from raw exports (see docs/signals.md)",
            file=wf.path, key="sources"))
    table = signals.compute_signals(wf, as_of, base_dir=data_dir)  # DuckDB loads here
    return table.frame, list(table.warnings), dict(table.methods)


def prepare_run(wf: WeightFile, customers: pd.DataFrame | str | Path | None, as_of: date,
                data_dir: str | Path | None = None, **options) -> Run:
    """The run of one as-of date: its customer table (given, or computed from the sources),
    with the data's warnings, the signals' methods and the inputs kept on it. The one place a
    run is assembled; the caller adds sinks (`run.sinks`) and executes it. `options` go to
    `Run` (collect, outreach_top, explain, columns, chunk_rows, progress)."""
    table, warnings, methods = customer_table(wf, customers, as_of, data_dir)
    if customers is not None:
        inputs = {"customers": "<DataFrame>" if isinstance(customers, pd.DataFrame)
                  else str(customers)}
    else:
        inputs = {"customers": "signals computed from `sources:`",
                  "data": str(data_dir or wf.base_dir)}
    return Run(table, wf, as_of=as_of, warnings=warnings, methods=methods, inputs=inputs,
               **options)


def score_customers(wf: WeightFile, customers: pd.DataFrame | str | Path | None, as_of: date,
                    data_dir: str | Path | None = None) -> RunResult:
    """`prepare_run` executed in memory: the result's frame has every customer."""
    return prepare_run(wf, customers, as_of, data_dir).execute()


def month_ends_before(as_of: date, months: int) -> list[date]:
    """The last days of the `months` calendar months before `as_of`'s month, oldest first."""
    first = pd.Timestamp(as_of).to_period("M").to_timestamp()
    return [(first - pd.DateOffset(months=m) + pd.offsets.MonthEnd(0)).date()
            for m in range(months, 0, -1)]


def backfill_history(wf: WeightFile, as_of: date, months: int,
                     data_dir: str | Path | None = None) -> pd.DataFrame:
    """Score earlier month-ends from the same raw exports: `customer_id, as_of, score, tier`.

    Reproducible because signals never read data dated after their as-of date, so the
    exports pulled today give the scores those months would have had.
    """
    frames = []
    for day in month_ends_before(as_of, months):
        table, _, _ = customer_table(wf, None, day, data_dir)
        run = score_run(table, wf, as_of=day, explain=False)
        frames.append(pd.DataFrame({"customer_id": run.frame["customer_id"], "as_of": day,
                                    "score": run.frame["score"],
                                    "tier": run.frame["tier"].astype(str)}))
    columns = ["customer_id", "as_of", "score", "tier"]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)


def monthly_job(wf: WeightFile, out: str | Path, *, as_of: date,
                customers: pd.DataFrame | str | Path | None = None,
                data_dir: str | Path | None = None, template_dir: str | Path | None = None,
                history: pd.DataFrame | None = None, render: bool = True,
                progress: Callable[[int, int], None] | None = None) -> JobResult:
    """Compute signals (when the weight file has sources), score into `scores/`, render the
    pages of that same run into `reports/`."""
    out = Path(out)
    run = prepare_run(wf, customers, as_of, data_dir)
    result_signals = None
    if customers is None and isinstance(run.customers, pd.DataFrame):
        result_signals = out / "signals" / "customers.csv"
        with atomic_file(result_signals) as tmp:
            write_csv(run.customers, tmp)
    run.sinks = [OutputFiles(out / "scores")]
    scored = run.execute()
    result = JobResult(run=scored, signals=result_signals, scores=list(scored.written))
    if render:
        # the render stage (Jinja) loads here: `healthscore score` never pays for it
        from healthscore.render import render_run

        result.reports = render_run(scored, out / "reports", template_dir=template_dir,
                                    history=history, progress=progress)
    return result
