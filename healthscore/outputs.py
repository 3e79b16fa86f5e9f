"""A run's output tables: scores, the outreach ranking and parent roll-ups."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from healthscore.engine.run import ScoreRun
from healthscore.engine.stream import RunSummary
from healthscore.io.atomic import atomic_dir
from healthscore.io.writers import write_whole

FORMATS = ("csv", "parquet")
# every file a scoring run may write; one it did not write this time is removed
OWNED = tuple(f"{stem}.{fmt}" for stem in ("scores", "outreach", "parents") for fmt in FORMATS)
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
    with atomic_dir(out_dir, owns=OWNED) as tmp:
        for stem, table in tables.items():
            write_whole(table, tmp, stem, formats)
    return [Path(out_dir) / f"{stem}.{fmt}" for stem in tables for fmt in formats]
