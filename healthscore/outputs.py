"""A run's output tables: scores, the outreach ranking and parent roll-ups."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from healthscore.engine.run import ScoreRun
from healthscore.engine.stream import RunSummary
from healthscore.io.atomic import atomic_dir
from healthscore.io.writers import write_whole

FORMATS = ("csv", "parquet")
RECORD = "run.json"
# every file a scoring run may write; one it did not write this time is removed
OWNED = (*(f"{stem}.{fmt}" for stem in ("scores", "outreach", "parents") for fmt in FORMATS),
         RECORD)


def run_record(*, weights, as_of, customers: int, tiers: pd.DataFrame, inputs: dict,
               methods: dict, warnings: list, run_id: str | None = None,
               created_at: datetime | None = None) -> dict:
    """What produced a run, as data: written as `run.json` next to the scores so a later run
    store, what-if diff or backtest knows the as-of date, the exact weights and the inputs."""
    from healthscore import __version__

    return {
        "run_id": run_id or uuid.uuid4().hex[:12],
        "created_at": (created_at or datetime.now(UTC)).isoformat(timespec="seconds"),
        "as_of": str(as_of),
        "healthscore": __version__,
        "weights": {"name": weights.name, "path": weights.path, "digest": weights.digest()},
        "inputs": {k: str(v) for k, v in inputs.items()},
        "customers": int(customers),
        "tiers": {str(k): int(v) for k, v in tiers["customers"].items()},
        "methods": dict(methods),
        "warnings": [str(w) for w in warnings],
        "resolved_weights": weights.model_dump(mode="json", exclude_none=True),
    }


def write_record(record: dict, folder: Path) -> None:
    (folder / RECORD).write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n",
                                 encoding="utf-8")
OUTREACH_COLUMNS = ["customer_id", "name", "segment", "owner", "arr", "profile", "score", "tier",
                    "coverage", "priority", "driver_1", "driver_2", "driver_3", "reasons"]


def rank_outreach(frame: pd.DataFrame, top: int | None = None) -> pd.DataFrame:
    """Customers with a score, highest priority first (ties: lower score first)."""
    ranked = frame[frame["priority"].notna()]
    if top is not None and len(ranked) > 4 * top:  # cheap pre-cut before the full sort
        ranked = ranked.nlargest(top, "priority", keep="all")
    ranked = ranked.sort_values(["priority", "score"], ascending=[False, True], kind="stable")
    if top is not None:
        ranked = ranked.head(top)
    return ranked.reset_index(drop=True)


def outreach(frame: pd.DataFrame, top: int | None = None) -> pd.DataFrame:
    cols = [c for c in OUTREACH_COLUMNS if c in frame.columns]
    out = rank_outreach(frame[cols], top)
    out.insert(0, "rank", range(1, len(out) + 1))
    return out


def summarize(run: ScoreRun, top: int | None = 100) -> RunSummary:
    """The terminal summary of an in-memory run."""
    frame = run.frame
    arr = frame["arr"] if "arr" in frame else pd.Series(0.0, index=frame.index)
    tiers = (pd.DataFrame({"tier": frame["tier"], "arr": arr}).groupby("tier", observed=False)
             ["arr"].agg(["size", "sum"]).rename(columns={"size": "customers", "sum": "arr"}))
    return RunSummary(weights=run.weights, as_of=run.as_of, customers=len(frame), tiers=tiers,
                      outreach=outreach(frame, top), rollups=run.rollups,
                      warnings=list(run.warnings))


def write_outputs(run: ScoreRun, out_dir: str | Path, formats: tuple[str, ...] = FORMATS,
                  outreach_top: int | None = 100) -> list[Path]:
    """Write `scores.*`, `outreach.*` and `parents.*` of an in-memory run, atomically."""
    tables = {"scores": run.frame, "outreach": outreach(run.frame, outreach_top)}
    if run.rollups is not None:
        tables["parents"] = run.rollups
    summary = summarize(run)
    record = run_record(weights=run.weights, as_of=run.as_of, customers=len(run.frame),
                        tiers=summary.tiers, inputs=run.inputs, methods=run.methods,
                        warnings=run.warnings, run_id=run.run_id, created_at=run.created_at)
    with atomic_dir(out_dir, owns=OWNED) as tmp:
        for stem, table in tables.items():
            write_whole(table, tmp, stem, formats)
        write_record(record, tmp)
    return [Path(out_dir) / f"{stem}.{fmt}" for stem in tables for fmt in formats] + [
        Path(out_dir) / RECORD]
