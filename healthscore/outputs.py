"""Write a run's tables: scores, outreach ranking and parent roll-ups, all or nothing."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from healthscore.engine.run import ScoreRun
from healthscore.io.atomic import atomic_dir
from healthscore.io.tables import write_table

FORMATS = ("csv", "parquet")
SUMMARY_COLUMNS = ["customer_id", "name", "segment", "owner", "arr", "profile", "score", "tier",
                   "coverage", "priority", "driver_1", "driver_2", "driver_3", "reasons"]


def outreach(frame: pd.DataFrame, top: int | None = None) -> pd.DataFrame:
    """Customers with a score, highest priority first (ties: lower score first)."""
    ranked = frame[frame["priority"].notna()].sort_values(
        ["priority", "score"], ascending=[False, True], kind="stable")
    if top is not None:
        ranked = ranked.head(top)
    cols = [c for c in SUMMARY_COLUMNS if c in ranked.columns]
    out = ranked[cols].reset_index(drop=True)
    out.insert(0, "rank", range(1, len(out) + 1))
    return out


def write_outputs(run: ScoreRun, out_dir: str | Path, formats: tuple[str, ...] = FORMATS,
                  columns: str = "full", outreach_top: int | None = None) -> list[Path]:
    """Write `scores.*`, `outreach.*` and `parents.*` into `out_dir`, atomically."""
    frame = run.frame
    if columns == "summary":
        frame = frame[[c for c in SUMMARY_COLUMNS if c in frame.columns]]
    tables = {"scores": frame, "outreach": outreach(run.frame, outreach_top)}
    if run.rollups is not None:
        tables["parents"] = run.rollups
    written = []
    with atomic_dir(out_dir) as tmp:
        for stem, table in tables.items():
            for fmt in formats:
                write_table(table, tmp / f"{stem}.{fmt}")
                written.append(Path(out_dir) / f"{stem}.{fmt}")
    return written
