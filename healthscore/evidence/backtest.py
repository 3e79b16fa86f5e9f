"""Backtest: how well did the score at each past as-of date predict what happened next?

Input is a panel of runs (`runs`: backfilled, a dated customer table, or stored runs) and an
outcomes table; `labels` decides which rows can be judged and what happened within the
horizon; `metrics` computes the figures with scikit-learn. The result is plain data
(`to_dict()` is the JSON report) that the terminal tables and the HTML page both show.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import pandas as pd
from sklearn.metrics import roc_auc_score

from healthscore.engine import frame as scored_frame
from healthscore.evidence.labels import Labelled, label
from healthscore.evidence.metrics import (
    BOOTSTRAP,
    Evaluation,
    SignalEvidence,
    evaluate,
    require_both_classes,
    signal_evidence,
)
from healthscore.evidence.runs import signal_columns
from healthscore.weights.model import WeightFile


@dataclass
class DateRow:
    as_of: str
    rows: int
    events: int
    auc: float | None


@dataclass
class Backtest:
    weights: str
    horizon: str
    event: list[str]
    observed_until: str
    as_of_dates: list[str]
    pending_dates: list[str]
    gone: int
    unscored: int
    overall: Evaluation
    by_date: list[DateRow]
    signals: list[SignalEvidence] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def tier_order(wf: WeightFile) -> list[str]:
    """Tier names from the lowest score up (the order "at risk" is flagged in)."""
    return [t.name for t in wf.tiers]


def backtest(panel: pd.DataFrame, outcomes: pd.DataFrame, wf: WeightFile, *,
             horizon: str = "90d", event: tuple[str, ...] = ("churned",),
             observed_until: pd.Timestamp | None = None, rounds: int = BOOTSTRAP,
             seed: int = 0) -> Backtest:
    """Judge the panel's scores against the outcomes; see the module docstring."""
    judged = label(panel, outcomes, horizon, event, observed_until)
    return judge(judged, wf, rounds=rounds, seed=seed)


def judge(judged: Labelled, wf: WeightFile, *, rounds: int = BOOTSTRAP,
          seed: int = 0) -> Backtest:
    rows = judged.rows
    scored = rows[rows["score"].notna()]
    y = scored["y"].to_numpy()
    require_both_classes(y)
    groups = pd.factorize(scored["customer_id"])[0]  # the bootstrap resamples customers
    overall = evaluate(y, scored["score"].to_numpy(), scored["tier"].to_numpy(),
                       tier_order(wf), rounds, seed, groups)
    by_date = []
    for day, part in scored.groupby("as_of", sort=True):
        yy = part["y"].to_numpy()
        auc = float(roc_auc_score(yy, 100.0 - part["score"].to_numpy())) \
            if 0 < yy.sum() < yy.size else None
        by_date.append(DateRow(f"{day:%Y-%m-%d}", int(yy.size), int(yy.sum()), auc))
    names = signal_columns(scored)
    scores = {s: scored[scored_frame.column(s, "score")].to_numpy(dtype=float) for s in names}
    evidence = signal_evidence(y, scores, {s: wf.signal_label(s) for s in names}, rounds, seed,
                               groups)
    return Backtest(
        weights=wf.name, horizon=judged.horizon, event=list(judged.event),
        observed_until=f"{judged.observed_until:%Y-%m-%d}",
        as_of_dates=[f"{d:%Y-%m-%d}" for d in sorted(rows["as_of"].unique())],
        pending_dates=[f"{d:%Y-%m-%d}" for d in judged.pending_dates],
        gone=judged.gone, unscored=int(len(rows) - len(scored)), overall=overall,
        by_date=by_date, signals=evidence)
