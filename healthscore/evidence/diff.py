"""What-if: the same customers scored with two weight files, side by side.

Everything a reviewer of a weight change needs: how many customers (and how much ARR) change
tier, how the score distribution shifts, whether the order changes (Spearman rank correlation,
SciPy), who moves most and which signal's contribution moved them, and who enters or leaves
the outreach list. Both runs go through the engine (`score_run`), so priority, tiers and the
outreach list (who is on it, in which order) are the engine's decisions, not made again here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from healthscore.engine import frame as scored_frame
from healthscore.engine.display import shown_scores
from healthscore.engine.run import RunResult

BINS = np.arange(0, 101, 10)


@dataclass
class Diff:
    old: str
    new: str
    customers: int
    both_scored: int
    tiers: list[str]
    counts: pd.DataFrame      # old tier (rows) × new tier (columns): customers
    arr: pd.DataFrame | None  # the same in ARR (None without an `arr` column)
    spearman: float
    old_hist: list[int]
    new_hist: list[int]
    old_quantiles: list[float]  # 10th, 25th, 50th, 75th, 90th percentile
    new_quantiles: list[float]
    movers: pd.DataFrame  # customer_id, name, old, new, change, shown_change, signal, signal_change
    entering: pd.DataFrame    # on the new outreach list, not on the old one
    leaving: pd.DataFrame
    outreach_top: int

    def to_dict(self) -> dict:
        def frame(df: pd.DataFrame | None):
            return None if df is None else df.reset_index().to_dict(orient="records")

        return {"old": self.old, "new": self.new, "customers": self.customers,
                "both_scored": self.both_scored, "spearman": self.spearman,
                "transitions": frame(self.counts), "transitions_arr": frame(self.arr),
                "histogram": {"bins": BINS.tolist(), "old": self.old_hist,
                              "new": self.new_hist},
                "quantiles": {"old": self.old_quantiles, "new": self.new_quantiles},
                "movers": frame(self.movers.set_index("customer_id")),
                "entering": self.entering["customer_id"].tolist(),
                "leaving": self.leaving["customer_id"].tolist()}


def _tier_names(run: RunResult) -> list[str]:
    return [t.name for t in run.weights.tiers] + [run.weights.insufficient.name]


def _contributions(frame: pd.DataFrame) -> pd.DataFrame:
    names = scored_frame.signals(frame.columns)
    points = frame[[scored_frame.column(n, "points") for n in names]]
    return points.set_axis(names, axis=1).fillna(0.0)


def compare(old: RunResult, new: RunResult, top: int = 10, outreach_top: int = 20) -> Diff:
    """Compare two runs over the same customers (matched by customer id)."""
    a = old.frame.set_index("customer_id")
    b = new.frame.set_index("customer_id").reindex(a.index)
    tiers = list(dict.fromkeys(_tier_names(old) + _tier_names(new)))
    old_tier = pd.Categorical(a["tier"].astype(str), categories=tiers)
    new_tier = pd.Categorical(b["tier"].astype(str), categories=tiers)
    counts = pd.crosstab(old_tier, new_tier, dropna=False).rename_axis(
        index="old tier", columns="new tier")
    arr = None
    if "arr" in a.columns:
        arr = pd.crosstab(old_tier, new_tier, values=a["arr"].fillna(0.0).to_numpy(), aggfunc="sum",
                          dropna=False).fillna(0.0).rename_axis(index="old tier",
                                                                columns="new tier")
    both = a["score"].notna() & b["score"].notna()
    rho = float(spearmanr(a.loc[both, "score"], b.loc[both, "score"]).statistic) \
        if both.sum() > 2 else float("nan")
    change = b["score"] - a["score"]
    ca, cb = _contributions(a), _contributions(b)
    signals = sorted(set(ca.columns) | set(cb.columns))
    delta = cb.reindex(columns=signals, fill_value=0.0) - ca.reindex(columns=signals,
                                                                     fill_value=0.0)
    biggest = np.abs(delta.to_numpy()).argmax(axis=1) if signals else np.zeros(len(a), int)
    order = change.abs().fillna(-1).to_numpy().argsort(kind="stable")[::-1][:top]
    movers = pd.DataFrame({
        "customer_id": a.index[order],
        "name": a["name"].to_numpy()[order] if "name" in a.columns else a.index[order],
        "old": a["score"].to_numpy()[order], "new": b["score"].to_numpy()[order],
        "change": change.to_numpy()[order],
        # what a reader sees: the difference of the shown (truncated) scores
        "shown_change": (shown_scores(b["score"].to_numpy()) -
                         shown_scores(a["score"].to_numpy()))[order],
        "signal": [signals[i] if signals else "" for i in biggest[order]],
        "signal_label": [_label(old, new, signals[i]) if signals else ""
                         for i in biggest[order]],
        "signal_change": delta.to_numpy()[order, biggest[order]] if signals else 0.0})
    movers = movers[movers["change"].notna()]
    old_list = old.outreach.head(outreach_top)  # the engine's lists, as every output shows
    new_list = new.outreach.head(outreach_top)
    cols = [c for c in ("customer_id", "name", "score", "tier", "arr", "priority")
            if c in new.frame.columns]
    entering = new_list.loc[~new_list["customer_id"].isin(old_list["customer_id"]), cols]
    leaving = old_list.loc[~old_list["customer_id"].isin(new_list["customer_id"]), cols]
    return Diff(old.weights.name, new.weights.name, len(a), int(both.sum()), tiers, counts,
                arr, rho, _hist(a["score"]), _hist(b["score"]), _quantiles(a["score"]),
                _quantiles(b["score"]), movers.reset_index(drop=True),
                entering.reset_index(drop=True), leaving.reset_index(drop=True), outreach_top)


def _label(old: RunResult, new: RunResult, signal: str) -> str:
    """The signal's label in the file that defines it (the new one first)."""
    run = new if signal in new.weights.all_signals() else old
    return run.weights.signal_label(signal)


def _hist(score: pd.Series) -> list[int]:
    values = score.dropna().to_numpy()
    return np.histogram(np.clip(values, 0, 100), bins=BINS)[0].tolist()


def _quantiles(score: pd.Series) -> list[float]:
    values = score.dropna().to_numpy()
    if not values.size:
        return [float("nan")] * 5
    return np.percentile(values, [10, 25, 50, 75, 90]).round(1).tolist()
