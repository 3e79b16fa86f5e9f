"""Reading runs back: the list of runs, a whole run exactly as written, one customer's history,
and the `customer_id, as_of, score, tier` frame that rendering draws trends from."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import NoReturn

import pandas as pd
import sqlalchemy as sa
from pydantic import ValidationError

from healthscore.engine.run import RunResult, portfolio_sinks
from healthscore.engine.wording import Wording
from healthscore.errors import DataError, Problem
from healthscore.store import frames
from healthscore.store.connect import Store
from healthscore.store.schema import account_fields, results, runs, signal_values
from healthscore.weights.model import WeightFile
from healthscore.weights.profiles import build_profiles

# what a monthly run adds to run.json (RunResult.extra), kept when a run is read back
EXTRA = ("volatility", "churned", "stale")
RUN_LIST = ("run_id", "as_of", "created_at", "label", "weights_digest", "customers",
            "healthscore")


@dataclass
class StoredRun(RunResult):
    """A run read from the store: a `RunResult` (so `render_run` renders it as it was, without
    re-scoring) plus its `run.json` as recorded and the inputs' fingerprints."""

    run_json: dict = field(default_factory=dict)      # run.json as recorded
    fingerprints: dict = field(default_factory=dict)   # role → path, size, sha256

    @property
    def label(self) -> str:
        return self.run_json.get("weights", {}).get("name", "")


def result_from_frame(frame: pd.DataFrame, weights: WeightFile, as_of: date,
                      **fields) -> StoredRun:
    """A run's whole-portfolio pieces (tier totals, the outreach list, parent roll-ups, the
    data checks) from its scored frame, by the engine's own sink assembly
    (`portfolio_sinks`): the same decisions the run made, no re-scoring. `fields`: any other
    `StoredRun` field (run_json, run_id, methods, warnings, ...); recorded warnings, when
    given, stand for the checks' (the run recorded them all)."""
    profiles = build_profiles(weights)
    result = StoredRun(weights=weights, as_of=as_of, profiles=profiles,
                       wording=Wording(profiles, weights), customers=len(frame), **fields)
    recorded = list(result.warnings)
    for sink in portfolio_sinks(weights, frame, weights.outreach_top()):
        sink.add(frame)
        sink.close(result)
    if recorded:
        result.warnings = recorded
    result.frame = frame
    return result


def list_runs(store: Store) -> pd.DataFrame:
    """Every run, oldest as-of first (then by when it ran)."""
    query = sa.select(*(runs.c[c] for c in RUN_LIST)).order_by(runs.c.as_of, runs.c.created_at)
    with store.reading() as conn:
        out = pd.DataFrame(conn.execute(query).fetchall(), columns=list(RUN_LIST))
    out["as_of"] = pd.to_datetime(out["as_of"]).dt.date
    return out


def _run_row(conn: sa.Connection, store: Store, run_id: str):
    row = conn.execute(sa.select(runs).where(runs.c.run_id == run_id)).mappings().first()
    if row is None:
        known = conn.execute(sa.select(runs.c.run_id, runs.c.as_of).order_by(
            runs.c.as_of.desc()).limit(5)).fetchall()
        listed = ", ".join(f"{r.run_id} ({r.as_of})" for r in known) or "none yet"
        raise DataError(Problem(f"no run `{run_id}` in the store; latest runs: {listed}",
                                file=store.where))
    return row


def _read(conn: sa.Connection, query: sa.Select) -> pd.DataFrame:
    """Rows straight from the DB-API cursor (millions of rows: no per-row SQLAlchemy work)."""
    result = conn.execute(query)
    columns = list(result.keys())
    return pd.DataFrame.from_records(result.cursor.fetchall(), columns=columns)


def load_run(store: Store, run_id: str) -> StoredRun:
    """The run's frame and run.json exactly as recorded, its weights rebuilt, its tier
    totals, outreach list and roll-ups recomputed from the stored frame (no re-scoring).
    A run whose rows were changed or lost outside healthscore is a `DataError` naming what
    is wrong (`damaged`), not a traceback from deep inside."""
    with store.reading() as conn:
        row = _run_row(conn, store, run_id)
        res = _read(conn, sa.select(results).where(results.c.run_id == run_id))
        vals = _read(conn, sa.select(signal_values).where(signal_values.c.run_id == run_id))
        flds = _read(conn, sa.select(account_fields).where(account_fields.c.run_id == run_id))
    damaged = _Damage(store, run_id)
    layout = damaged.json(row, "columns_json", dict)
    record = damaged.json(row, "record_json", dict)
    prints = damaged.json(row, "inputs_json", dict)
    weights_data = damaged.json(row, "weights_json", dict)
    columns, placed = layout.get("columns"), layout.get("placed")
    if not isinstance(columns, list) or not all(
            isinstance(c, dict) and isinstance(c.get("name"), str)
            and isinstance(c.get("dtype"), str) for c in columns) \
            or not isinstance(placed, dict):
        damaged("runs.columns_json", "a list of columns (name, dtype) and the placed columns",
                "something else")
    if len(res) != row["customers"]:
        damaged("results", f"{row['customers']:,} customer rows (runs.customers)",
                f"{len(res):,}")
    known = set(res["customer_id"])
    for table, rows in (("signal_values", vals), ("account_fields", flds)):
        stray = set(rows["customer_id"]) - known
        if stray:
            damaged(table, "rows of the run's customers only",
                    f"{len(stray):,} customer(s) not in its results, e.g. {min(stray)!r}")
    for key in ("as_of", "created_at"):
        if not isinstance(record.get(key), str):
            damaged(f"runs.record_json {key}", "a date as text", repr(record.get(key)))
    try:
        weights = WeightFile.model_validate(weights_data)
        created_at = datetime.fromisoformat(record["created_at"])
        frame = frames.rebuild(res, vals, flds, columns, placed)
    except (ValidationError, ValueError, TypeError, KeyError) as exc:
        # the stored weights, dates or column types no longer read back: name the first
        damaged("runs", "the weights, dates and column types it was recorded with",
                f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}")
    as_of = row["as_of"] if isinstance(row["as_of"], date) else date.fromisoformat(
        str(row["as_of"]))
    return result_from_frame(
        frame, weights, as_of, run_id=run_id, run_json=record, fingerprints=prints,
        inputs=dict(record.get("inputs") or {}), methods=dict(record.get("methods") or {}),
        warnings=[Problem(text) for text in record.get("warnings") or []],
        extra={k: record[k] for k in EXTRA if k in record},
        created_at=created_at)


@dataclass
class _Damage:
    """Raises the one message for a run whose stored rows are not what was recorded."""

    store: Store
    run_id: str

    def __call__(self, where: str, expected: str, found: str) -> NoReturn:
        raise DataError(Problem(
            f"run `{self.run_id}` is damaged: expected {expected}, found {found}. Record the "
            "month again (healthscore run --force) or restore the store from a backup",
            file=self.store.where, key=where))

    def json(self, row, column: str, kind: type):
        try:
            value = json.loads(row[column])
        except (TypeError, json.JSONDecodeError) as exc:
            self(f"runs.{column}", "JSON", f"{type(exc).__name__}: {exc}")
        if not isinstance(value, kind):
            self(f"runs.{column}", f"a JSON {kind.__name__}", type(value).__name__)
        return value


def customer_history(store: Store, customer_id: str) -> pd.DataFrame:
    """One customer's rows across runs, oldest first (reads through `ix_results_customer`)."""
    query = (sa.select(runs.c.run_id, runs.c.as_of, runs.c.label, results.c.score,
                       results.c.tier, results.c.coverage, results.c.profile, results.c.owner,
                       results.c.arr, results.c.driver_1, results.c.driver_2,
                       results.c.driver_3)
             .join(runs, runs.c.run_id == results.c.run_id)
             .where(results.c.customer_id == str(customer_id))
             .order_by(runs.c.as_of, runs.c.created_at))
    with store.reading() as conn:
        out = pd.read_sql(query, conn)
    out["as_of"] = pd.to_datetime(out["as_of"]).dt.date
    return out


def run_labels(store: Store, run_ids: list[str]) -> dict[str, dict[str, str]]:
    """Per run, the label of every signal and group of its weights (what its pages showed)."""
    query = sa.select(runs.c.run_id, runs.c.weights_json).where(runs.c.run_id.in_(run_ids))
    with store.reading() as conn:
        rows = conn.execute(query).fetchall()
    out = {}
    for run_id, text in rows:
        wf = WeightFile.model_validate(json.loads(text))
        labels = {g: spec.label or g for g, spec in wf.groups.items()}
        out[run_id] = labels | {s: wf.signal_label(s) for s in wf.all_signals()}
    return out


def latest_runs(store: Store, *, label: str | None = None,
                before: date | None = None) -> pd.DataFrame:
    """One run per as-of date (the most recently recorded; only runs of weight file `label`
    when given), oldest first; only dates before `before` when given."""
    listed = list_runs(store)
    if label is not None:
        listed = listed[listed["label"] == label]
    if before is not None:
        listed = listed[listed["as_of"] < before]
    return listed.drop_duplicates("as_of", keep="last").reset_index(drop=True)


def history_frame(store: Store, *, label: str | None = None, before: date | None = None,
                  with_arr: bool = False) -> pd.DataFrame:
    """`customer_id, as_of, score, tier` (and `arr`) of the runs `latest_runs` picks: what
    `render_run(history=...)` draws trends from."""
    chosen = latest_runs(store, label=label, before=before)
    columns = ["customer_id", "as_of", "score", "tier", *(["arr"] if with_arr else [])]
    if chosen.empty:
        return pd.DataFrame(columns=columns)
    query = (sa.select(results.c.customer_id, runs.c.as_of, results.c.score, results.c.tier,
                       results.c.arr)
             .join(runs, runs.c.run_id == results.c.run_id)
             .where(results.c.run_id.in_(chosen["run_id"].tolist()))
             .order_by(runs.c.as_of, results.c.position))
    with store.reading() as conn:
        out = pd.read_sql(query, conn)
    out["as_of"] = pd.to_datetime(out["as_of"]).dt.date
    return out[columns]
