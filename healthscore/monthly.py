"""The monthly run: one `Run` per month, whose sinks are the files, the pages, the trend, the
events and the run store.

For a month: its inputs resolved and fingerprinted once (`pipeline.run_inputs`: the raw
exports or the customer table, and the outcomes file), which gives the run's one id, so a
month already stored with the same weights and inputs is skipped before anything is read;
the signals from the raw exports as of the month's last day (refused when an export ends too
long before it); churned accounts filtered out *before* scoring (so no output counts them);
then one `Run` with the previous run's tiers (edge hysteresis) and these sinks, in order:

    TrendSink    the change against the stored runs (dead-band, attribution, formula split)
    OutputFiles  scores/ (scores, outreach, parents, run.json)        ┐ staged: complete,
    PagesSink    reports/ (scorecards, portfolio, outreach lists)     │ but not yet in place
    EventsSink   events/tier-changes.jsonl                            ┘
    StoreSink    the run recorded in one transaction

and only when the store has committed do the staged folders replace the previous ones
(`signals/` and `churned.csv` too); then the events are POSTed. A failure anywhere leaves the
store and every folder as they were.

    <out>/<YYYY-MM>/signals/ scores/ reports/ events/tier-changes.jsonl  churned.csv
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from healthscore.engine.run import Run, RunResult
from healthscore.errors import DataError, Problem
from healthscore.io.atomic import atomic_file
from healthscore.io.tables import read_table
from healthscore.io.writers import write_csv
from healthscore.outputs import OutputFiles
from healthscore.pipeline import customer_table, run_inputs, score_customers
from healthscore.render import RenderResult, render_run
from healthscore.signals.freshness import KEY as FRESHNESS_KEY
from healthscore.store import Store, list_runs, load_run
from healthscore.store.sink import StoreSink
from healthscore.trends import churned_ids, split_churned
from healthscore.trends.churn import read_churned
from healthscore.trends.month import (
    compared_history,
    previous_run,
    recorded_digest,
    trend_inputs,
)
from healthscore.trends.sinks import EventsSink, TrendSink
from healthscore.trends.webhook import PENDING, deliver, redeliver
from healthscore.trends.worklist import add_to_list
from healthscore.weights.model import WeightFile

EVENTS = Path("events") / "tier-changes.jsonl"
_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


def month_end(month: str) -> date:
    """`2026-10` → 31 October 2026. Exactly `YYYY-MM`: a month names a folder under `--out`,
    so `../2026`, `2026/10` or a trailing space are refused."""
    if not isinstance(month, str) or not _MONTH.fullmatch(month):
        raise DataError(Problem(f"expected a month written YYYY-MM (e.g. 2026-10); found "
                                f"`{month}`", key="--month"))
    return pd.Period(month, freq="M").end_time.date()


def month_range(spec: str) -> list[str]:
    """`2026-01..2026-10` → every month from January to October 2026, in order."""
    first, sep, last = spec.partition("..")
    if not sep:
        raise DataError(Problem(f"expected FIRST..LAST months, e.g. 2026-01..2026-10; found "
                                f"`{spec}`", key="--backfill"))
    start, stop = month_end(first), month_end(last)
    if stop < start:
        raise DataError(Problem(f"`{spec}` ends before it starts", key="--backfill"))
    return [str(p) for p in pd.period_range(start, stop, freq="M")]


@dataclass
class MonthResult:
    month: str
    as_of: date
    run_id: str
    folder: Path
    skipped: bool = False
    customers: int = 0
    churned: int = 0
    events: list[dict] = field(default_factory=list)
    volatility: dict = field(default_factory=dict)
    reports: RenderResult | None = None
    run: RunResult | None = None          # the run (active accounts), when scored
    weights_changed: bool = False         # the previous stored run used other weights
    stale: list[str] = field(default_factory=list)  # sources scored stale (--allow-stale)


class PagesSink:
    """Sink: the run's pages (with its trend) rendered into a staged `reports/`."""

    def __init__(self, out_dir: Path, trend: TrendSink | None, stage: contextlib.ExitStack,
                 template_dir: str | Path | None = None,
                 progress: Callable[[int, int], None] | None = None):
        self.out_dir, self.trend, self.stage = out_dir, trend, stage
        self.template_dir, self.progress = template_dir, progress
        self.reports: RenderResult | None = None

    def add(self, scored: pd.DataFrame) -> None:
        """Nothing per chunk: the pages need the whole collected frame."""

    def close(self, result: RunResult) -> None:
        trend = self.trend.trend if self.trend is not None else None
        self.reports = render_run(
            result, self.out_dir, template_dir=self.template_dir,
            history=trend.history if trend else None, trends=trend.trends if trend else None,
            over_time=trend.over_time if trend else None, progress=self.progress,
            generated_at=result.created_at, stage=self.stage)

    def abort(self) -> None:
        """The staged folder is discarded by the stage's owner."""


def _table(customers: pd.DataFrame | Path) -> pd.DataFrame:
    return customers if isinstance(customers, pd.DataFrame) else read_table(customers)


def _outcomes(outcomes: pd.DataFrame | str | Path | None,
              wf: WeightFile) -> pd.DataFrame | None:
    """The churned accounts table: ids as text, dates by the one date rule."""
    if outcomes is None or isinstance(outcomes, pd.DataFrame):
        return outcomes
    return read_churned(outcomes, formats=wf.date_formats or ())


def run_month(wf: WeightFile, store: Store | None, out: str | Path, month: str, *,
              folder: str | Path | None = None, **options) -> MonthResult:
    """Score, store and render one month (see the module docstring) into `out/<month>/` (or
    `folder`), as of the month's last day. `options`: those of `run_as_of`."""
    as_of = month_end(month)
    folder = Path(folder) if folder is not None else Path(out) / month
    return run_as_of(wf, store, folder, as_of, **options)


def run_as_of(wf: WeightFile, store: Store | None, folder: str | Path, as_of: date, *,
              data_dir: str | Path | None = None,
              customers: pd.DataFrame | str | Path | None = None,
              template_dir: str | Path | None = None, webhook: str | None = None,
              outcomes: pd.DataFrame | str | Path | None = None, force: bool = False,
              render: bool = True, files: bool = True, allow_stale: bool = False,
              progress: Callable[[int, int], None] | None = None) -> MonthResult:
    """The run of one as-of date into `folder` (see the module docstring). `files=False`
    records the run in the store only (the demo's earlier months); `store=None` writes the
    folder only (no trend, no events)."""
    folder, month = Path(folder), f"{as_of:%Y-%m}"
    inputs = run_inputs(wf, customers, data_dir, outcomes)
    rid = inputs.run_id(as_of, wf.digest())
    pending = (folder / EVENTS).with_name(PENDING)
    if store is not None and not force and rid in set(list_runs(store)["run_id"]):
        if webhook:  # what an earlier run of this month could not deliver
            redeliver(pending, webhook)
        return MonthResult(month=month, as_of=as_of, run_id=rid, folder=folder, skipped=True)
    table, warnings, methods = customer_table(wf, customers, as_of, data_dir,
                                              allow_stale=allow_stale)
    table = _table(table)
    stale = [str(w) for w in warnings if (w.key or "").endswith(f".{FRESHNESS_KEY}")]
    # churned accounts leave before scoring: no output, count or list can include them
    gone = churned_ids(table.rename(columns={wf.id_column: "customer_id"}),
                       outcomes=_outcomes(outcomes, wf), as_of=as_of)
    ids = table[wf.id_column].astype(str)
    active = table.loc[~ids.isin(gone).to_numpy()].reset_index(drop=True)
    if len(active) == 0:
        raise DataError(Problem(f"every account of {month} has churned; nothing to score"))
    previous = previous_run(store, as_of, wf.name) if store is not None else None
    earlier = (compared_history(store, as_of, wf.name, previous) if store is not None
               else None)
    left = split_churned(table.rename(columns={wf.id_column: "customer_id"}),
                         gone, earlier)[1]
    rescored = None
    if (previous is not None and recorded_digest(previous) != wf.digest()
            and customers is None and wf.sources):
        # the previous month under the new weights, signals recomputed from the exports:
        # what the formula alone changes (a `compute:` window included)
        rescored = score_customers(wf, None, previous.as_of, data_dir,
                                   allow_stale=True).frame
    with contextlib.ExitStack() as stage:
        trend = (TrendSink(store, wf, as_of, previous, rescored, earlier)
                 if store is not None else None)
        sinks: list = [trend] if trend is not None else []
        pages = events = None
        if files:
            if customers is None:
                with_tmp = stage.enter_context(atomic_file(folder / "signals" / "customers.csv"))
                write_csv(active, with_tmp)
            if len(left):
                write_csv(left, stage.enter_context(atomic_file(folder / "churned.csv")))
            sinks.append(OutputFiles(folder / "scores", stage=stage))
            if render:
                pages = PagesSink(folder / "reports", trend, stage, template_dir, progress)
                sinks.append(pages)
            if trend is not None:
                events = EventsSink(trend, folder / EVENTS, stage)
                sinks.append(events)
        if store is not None:
            sinks.append(StoreSink(store, inputs))
        result = Run(active, wf, as_of=as_of, sinks=sinks, inputs=inputs, warnings=warnings,
                     methods=methods, previous=_previous(previous),
                     extra={"churned": sorted(left["customer_id"].astype(str)),
                            "stale": stale}).execute()
    # the store has the run and every staged folder is in place
    sent = events.events if events is not None else []
    if webhook:  # after the run is stored and in place; what fails waits in `pending`
        deliver(sent, webhook, pending)
    return MonthResult(month=month, as_of=as_of, run_id=result.run_id, folder=folder,
                       customers=len(result.frame), churned=len(left), events=sent,
                       volatility=result.extra.get("volatility", {}),
                       reports=pages.reports if pages is not None else None, run=result,
                       weights_changed=trend is not None and trend.trend.weights_changed,
                       stale=stale)


def _previous(previous) -> pd.DataFrame | None:
    """id → tier, score in the previous run, for the edge hysteresis; None without one."""
    if previous is None:
        return None
    frame = previous.frame
    return pd.DataFrame({"tier": frame["tier"].astype(str).to_numpy(),
                         "score": frame["score"].to_numpy(dtype="float64")},
                        index=frame["customer_id"].astype(str).to_numpy())


def monthly_job(wf: WeightFile, out: str | Path, *, as_of: date,
                customers: pd.DataFrame | str | Path | None = None,
                data_dir: str | Path | None = None, template_dir: str | Path | None = None,
                render: bool = True, allow_stale: bool = False,
                progress: Callable[[int, int], None] | None = None) -> MonthResult:
    """One month into `out` without a run store: signals, scores and pages of one run (the
    same staged run as `run_month`, without trend, events or store)."""
    return run_as_of(wf, None, out, as_of, customers=customers, data_dir=data_dir,
                     template_dir=template_dir, render=render, allow_stale=allow_stale,
                     progress=progress)


def store_month(wf: WeightFile, store: Store, as_of: date, *,
                data_dir: str | Path | None = None) -> str:
    """Score a month from the raw exports and record it, writing no files (the demo's
    earlier months): `run_month` with `files=False`. Returns the run id."""
    return run_as_of(wf, store, ".", as_of, data_dir=data_dir, files=False,
                     force=True).run_id


def render_stored(store: Store, run: str, out: str | Path, **render_options) -> RenderResult:
    """Render a stored run exactly as its month did: the same frame, the same trend against
    the runs before it, the same timestamp (byte-identical pages)."""
    stored = load_run(store, run)
    trend = trend_inputs(store, stored.frame, stored.weights, stored.as_of, stored.label)
    add_to_list(stored, trend, stored.weights)
    render_options.setdefault("generated_at", stored.created_at)
    return render_run(stored, out, history=trend.history, trends=trend.trends,
                      over_time=trend.over_time, **render_options)
