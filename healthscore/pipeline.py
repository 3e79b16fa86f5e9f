"""The whole monthly job as one function: signals → score → outputs → scorecards.

The CLI's `demo` (and later the scheduled monthly run with backfill) call this; a notebook
user can too. Each stage writes atomically into its own folder, so a failure leaves the
previous month's files as they were.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from healthscore.engine.run import ScoreRun, score_run
from healthscore.errors import HealthscoreError, Problem
from healthscore.weights.model import WeightFile


@dataclass
class JobResult:
    run: ScoreRun                                 # its warnings include the data's
    signals: Path | None = None
    scores: list[Path] = field(default_factory=list)
    reports: object | None = None                 # render.RenderResult


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
    from healthscore.signals import compute_signals

    table = compute_signals(wf, as_of, base_dir=data_dir)
    return table.frame, list(table.warnings), dict(table.methods)


def score_customers(wf: WeightFile, customers: pd.DataFrame | str | Path | None, as_of: date,
                    data_dir: str | Path | None = None) -> ScoreRun:
    """`customer_table` then `score_run`, with the signals' methods, the inputs and every
    warning (the data's and the scoring's) kept on the run."""
    table, warnings, methods = customer_table(wf, customers, as_of, data_dir)
    return _scored(table, wf, as_of, warnings, methods,
                   None if customers is not None else data_dir or wf.base_dir)


def _scored(table, wf: WeightFile, as_of: date, warnings: list[Problem],
            methods: dict[str, str], data_dir) -> ScoreRun:
    run = score_run(table, wf, as_of=as_of)
    run.methods = methods
    run.warnings = [*warnings, *run.warnings]
    if data_dir is not None:
        run.inputs["data"] = str(data_dir)
    return run


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
    """Compute signals (when the weight file has sources), score, write tables, render."""
    from healthscore.io.atomic import atomic_file
    from healthscore.io.writers import write_csv
    from healthscore.outputs import write_outputs

    out = Path(out)
    table, warnings, methods = customer_table(wf, customers, as_of, data_dir)
    result_signals = None
    if isinstance(table, pd.DataFrame) and wf.sources and customers is None:
        result_signals = out / "signals" / "customers.csv"
        with atomic_file(result_signals) as tmp:
            write_csv(table, tmp)
    run = _scored(table, wf, as_of, warnings, methods,
                  None if customers is not None else data_dir or wf.base_dir)
    result = JobResult(run=run, signals=result_signals)
    result.scores = write_outputs(run, out / "scores")
    if render:
        from healthscore.render import render_run

        result.reports = render_run(run, out / "reports", template_dir=template_dir,
                                    history=history, progress=progress)
    return result
