"""What a run tells its user at the end: tier totals, the customers to call first, warnings.

Built from an in-memory run (`summarize`) or accumulated chunk by chunk (`tier_totals` per
chunk, added up), so the terminal shows the same thing either way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from healthscore.engine.outreach import outreach
from healthscore.engine.run import ScoreRun
from healthscore.errors import Problem
from healthscore.weights.model import WeightFile


@dataclass
class RunSummary:
    """What the terminal shows after a run, accumulated without keeping the scores."""

    weights: WeightFile
    as_of: date
    customers: int = 0
    tiers: pd.DataFrame = field(default_factory=pd.DataFrame)   # tier → customers, arr
    outreach: pd.DataFrame = field(default_factory=pd.DataFrame)
    rollups: pd.DataFrame | None = None
    written: list[Path] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


def tier_totals(scored: pd.DataFrame) -> pd.DataFrame:
    """Customers and ARR per tier (every tier, also empty ones); chunk totals add up."""
    arr = scored["arr"] if "arr" in scored else pd.Series(0.0, index=scored.index)
    return (pd.DataFrame({"tier": scored["tier"], "arr": arr})
            .groupby("tier", observed=False)["arr"].agg(["size", "sum"])
            .rename(columns={"size": "customers", "sum": "arr"}))


def summarize(run: ScoreRun, top: int | None = 100) -> RunSummary:
    """The terminal summary of an in-memory run."""
    return RunSummary(weights=run.weights, as_of=run.as_of, customers=len(run.frame),
                      tiers=tier_totals(run.frame), outreach=outreach(run.frame, top),
                      rollups=run.rollups, warnings=list(run.warnings))
