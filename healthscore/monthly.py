"""The monthly command: score a month (or replay several) into the run store and a folder.

For each month: the signals from the raw exports as of the month's last day, the score
(`pipeline.monthly_job`), churned accounts set aside with their last stored score, the trend
against the stored runs (change with a dead-band, attribution, the formula's share when the
weights changed, time in tier, the portfolio over time), the reports, the run recorded in one
transaction, and the tier changes written as events (and POSTed to a webhook when asked). A
month already stored with the same weights and inputs is skipped, so a backfill can be
re-run after an interruption.

    <out>/<YYYY-MM>/signals/ scores/ reports/ events/tier-changes.jsonl  churned.csv
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from healthscore.errors import DataError, Problem
from healthscore.io.atomic import atomic_file
from healthscore.io.tables import read_table
from healthscore.outputs import RECORD
from healthscore.pipeline import monthly_job
from healthscore.store import (
    Store,
    StoredRun,
    history_frame,
    latest_runs,
    list_runs,
    load_run,
    record_run,
)
from healthscore.store.fingerprint import fingerprints, run_id
from healthscore.store.read import result_from_frame
from healthscore.trends import (
    attribute,
    attribution_texts,
    changes,
    churned_ids,
    formula_split,
    portfolio_over_time,
    post_events,
    split_churned,
    tier_events,
    time_in_tier,
    volatility,
    write_events,
)
from healthscore.weights.model import WeightFile

EVENTS = Path("events") / "tier-changes.jsonl"


def month_end(month: str) -> date:
    """`2026-10` → 31 October 2026."""
    try:
        period = pd.Period(month.strip(), freq="M")
    except ValueError:
        raise DataError(Problem(f"expected a month written YYYY-MM; found `{month}`",
                                key="--month")) from None
    if len(month.strip()) != 7:
        raise DataError(Problem(f"expected a month written YYYY-MM; found `{month}`",
                                key="--month"))
    return period.end_time.date()


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


def source_inputs(wf: WeightFile, data_dir: str | Path | None) -> dict[str, str]:
    """Each declared source's file, folder or URL: what the run id fingerprints."""
    out = {}
    declared = getattr(wf, "_source_dirs", {}) or {}
    for name, spec in (wf.sources or {}).items():
        if spec.path:
            base = Path(data_dir) if data_dir else Path(declared.get(name) or wf.base_dir
                                                         or ".")
            path = Path(spec.path)
            out[name] = str(path if path.is_absolute() else base / path)
        elif spec.url:
            out[name] = f"{spec.url} {spec.table or spec.query or ''}".strip()
    return out


@dataclass
class TrendInputs:
    """What the store adds to a run's reports."""

    history: pd.DataFrame                 # customer_id, as_of, score, tier of earlier runs
    trends: pd.DataFrame                  # per customer: Trend fields from the store
    over_time: pd.DataFrame               # portfolio_over_time of earlier runs + this one
    previous: StoredRun | None = None
    parts: pd.DataFrame | None = None     # attribution against the previous run
    volatility: dict = field(default_factory=dict)


def trend_inputs(store: Store, frame: pd.DataFrame, weights: WeightFile, as_of: date,
                 label: str | None = None) -> TrendInputs:
    """The trend of a run (stored or not) against the store's earlier runs of the same
    weight file (`label`; any weight file when it has none yet)."""
    chosen = latest_runs(store, label=label, before=as_of)
    if chosen.empty:
        label, chosen = None, latest_runs(store, before=as_of)
    history = history_frame(store, label=label, before=as_of, with_arr=True)
    current = pd.DataFrame({"customer_id": frame["customer_id"].astype(str), "as_of": as_of,
                            "score": frame["score"], "tier": frame["tier"].astype(str),
                            "arr": frame.get("arr", 0.0)})
    everything = pd.concat([history.assign(customer_id=history["customer_id"].astype(str)),
                            current], ignore_index=True)
    trend = changes(frame, history, as_of, weights)
    out = pd.DataFrame({"customer_id": trend["customer_id"], "direction": trend["direction"],
                        "window_change": trend["window_change"]})
    tenure = time_in_tier(everything).set_index("customer_id")["runs_in_tier"]
    out["runs_in_tier"] = tenure.reindex(out["customer_id"]).to_numpy()
    previous = parts = None
    if not chosen.empty:
        previous = load_run(store, chosen["run_id"].iloc[-1])
        labels = {s: weights.signal_label(s) for s in weights.signals}
        if previous.weights.digest() == weights.digest():
            parts = attribute(previous.frame, frame)
            formula = None
        else:  # separate "the formula changed" from "the customer changed"
            split = formula_split(previous.frame, frame, weights, previous.as_of)
            formula = split["formula"]
            parts = split.drop(columns=["score_before", "change", "formula"]).rename(
                columns={"rescored_before": "score_before", "customer": "change"})
        out["attribution"] = out["customer_id"].map(attribution_texts(parts, labels))
        if formula is not None:
            out["formula_change"] = out["customer_id"].map(formula)
    tiers = [t.name for t in weights.tiers] + [weights.insufficient.name]
    return TrendInputs(history=history[["customer_id", "as_of", "score", "tier"]],
                       trends=out, over_time=portfolio_over_time(everything, tiers),
                       previous=previous, parts=parts,
                       volatility=volatility(everything))


def render_stored(store: Store, run: str, out: str | Path, **render_options):
    """Render a stored run with its stored trend, without re-scoring."""
    from healthscore.render import render_run

    stored = load_run(store, run)
    inputs = trend_inputs(store, stored.frame, stored.weights, stored.as_of, stored.label)
    return render_run(stored, out, history=inputs.history, trends=inputs.trends,
                      over_time=inputs.over_time, **render_options)


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
    reports: object | None = None
    run: object | None = None             # the ScoreRun (active accounts), when scored
    weights_changed: bool = False         # the previous stored run used other weights


def store_month(wf: WeightFile, store: Store, as_of: date, *,
                data_dir: str | Path | None = None) -> str:
    """Score a month from the raw exports and record it, writing no files (the demo's earlier
    months); returns the run id."""
    from healthscore.pipeline import score_customers

    run = score_customers(wf, None, as_of, data_dir)
    return record_run(store, run.frame, run.record(),
                      inputs=source_inputs(wf, data_dir)).run_id


def _churn(table, outcomes, as_of: date) -> set[str]:
    accounts = None
    if table is not None:
        accounts = table if isinstance(table, pd.DataFrame) else read_table(table)
    return churned_ids(accounts, outcomes=outcomes, as_of=as_of)


def run_month(wf: WeightFile, store: Store, out: str | Path, month: str, *,
              data_dir: str | Path | None = None, customers: str | Path | None = None,
              template_dir: str | Path | None = None, webhook: str | None = None,
              outcomes: pd.DataFrame | None = None, force: bool = False, render: bool = True,
              progress: Callable[[int, int], None] | None = None,
              folder: str | Path | None = None) -> MonthResult:
    """Score, store and render one month (see the module docstring) into `out/<month>/`
    (or `folder`)."""
    as_of = month_end(month)
    folder = Path(folder) if folder is not None else Path(out) / month
    inputs = ({"customers": str(customers)} if customers is not None
              else source_inputs(wf, data_dir))
    rid = run_id(str(as_of), wf.digest(), fingerprints(inputs))
    if not force and rid in set(list_runs(store)["run_id"]):
        return MonthResult(month=month, as_of=as_of, run_id=rid, folder=folder, skipped=True)
    job = monthly_job(wf, folder, as_of=as_of, customers=customers, data_dir=data_dir,
                      render=False)
    run = job.run
    gone = _churn(job.signals or customers, outcomes, as_of)
    earlier = history_frame(store, label=wf.name, before=as_of)
    active, left = split_churned(run.frame, gone, earlier)
    if len(active) == 0:
        raise DataError(Problem(f"every account of {month} has churned; nothing to score"))
    if len(left):  # the portfolio without them: tiers, outreach list, roll-ups again
        run = result_from_frame(active, run.weights, run.as_of, methods=run.methods,
                                inputs=run.inputs, warnings=run.warnings, run_id=run.run_id,
                                created_at=run.created_at)
    trend = trend_inputs(store, run.frame, wf, as_of, wf.name)
    if left is not None and len(left):
        with atomic_file(folder / "churned.csv") as tmp:
            left.to_csv(tmp, index=False)
    reports = None
    if render:
        from healthscore.render import render_run

        reports = render_run(run, folder / "reports", template_dir=template_dir,
                             history=trend.history, trends=trend.trends,
                             over_time=trend.over_time, progress=progress)
    record = run.record()
    record["volatility"] = trend.volatility
    record["churned"] = sorted(gone & set(left["customer_id"])) if len(left) else []
    recorded = record_run(store, run.frame, record, inputs=inputs)
    with atomic_file(folder / "scores" / RECORD) as tmp:  # run.json carries the store's id
        Path(tmp).write_text(json.dumps(recorded.record, indent=2, ensure_ascii=False) + "\n",
                             encoding="utf-8")
    events = []
    if trend.previous is not None and trend.parts is not None:
        events = tier_events(trend.previous.frame, run.frame, trend.parts,
                             run_id=recorded.run_id, as_of=as_of)
    write_events(events, folder / EVENTS)
    if webhook and events:
        post_events(events, webhook)
    return MonthResult(month=month, as_of=as_of, run_id=recorded.run_id, folder=folder,
                       customers=len(run.frame), churned=len(left), events=events,
                       volatility=trend.volatility, reports=reports, run=run,
                       weights_changed=trend.previous is not None
                       and trend.previous.weights.digest() != wf.digest())
