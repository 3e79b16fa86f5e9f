"""The files a scoring run writes: scores, the outreach ranking, parent roll-ups, run.json."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from healthscore.engine.outreach import outreach
from healthscore.engine.run import ScoreRun
from healthscore.engine.summary import tier_totals
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


def write_outputs(run: ScoreRun, out_dir: str | Path, formats: tuple[str, ...] = FORMATS,
                  outreach_top: int | None = 100) -> list[Path]:
    """Write `scores.*`, `outreach.*` and `parents.*` of an in-memory run, atomically."""
    tables = {"scores": run.frame, "outreach": outreach(run.frame, outreach_top)}
    if run.rollups is not None:
        tables["parents"] = run.rollups
    record = run_record(weights=run.weights, as_of=run.as_of, customers=len(run.frame),
                        tiers=tier_totals(run.frame), inputs=run.inputs, methods=run.methods,
                        warnings=run.warnings, run_id=run.run_id, created_at=run.created_at)
    with atomic_dir(out_dir, owns=OWNED) as tmp:
        for stem, table in tables.items():
            write_whole(table, tmp, stem, formats)
        write_record(record, tmp)
    return [Path(out_dir) / f"{stem}.{fmt}" for stem in tables for fmt in formats] + [
        Path(out_dir) / RECORD]
