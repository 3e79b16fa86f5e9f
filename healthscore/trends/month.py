"""A run's trend against the stored runs before it: what the store adds to a run's pages,
events and run.json.

Everything a reader sees about a change is decided here once, by the one change rule
(`changes.py`: the difference of the shown scores, a dead-band) and the one attribution
(`attribution.py`: whole points adding up to that change, largest first), and every output
(scorecards, outreach lists, events, `history`) reads it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from healthscore.store import Store, StoredRun, history_frame, latest_runs, load_run
from healthscore.trends.attribution import attribute, attribution_texts, formula_split
from healthscore.trends.changes import changes
from healthscore.trends.portfolio import portfolio_over_time
from healthscore.trends.tenure import time_in_tier
from healthscore.trends.volatility import volatility
from healthscore.weights.model import WeightFile

FORMULA = "formula"  # the attribution item "the weights changed", next to the signals
FORMULA_LABEL = "formula (changed weights)"


@dataclass
class TrendInputs:
    """What the store adds to a run's reports."""

    history: pd.DataFrame                 # customer_id, as_of, score, tier of earlier runs
    trends: pd.DataFrame                  # per customer: Trend fields from the store
    over_time: pd.DataFrame               # portfolio_over_time of earlier runs + this one
    previous: StoredRun | None = None
    parts: pd.DataFrame | None = None     # attribution against the previous run (+ formula)
    labels: dict[str, str] = field(default_factory=dict)  # item → label, for every output
    volatility: dict = field(default_factory=dict)

    @property
    def weights_changed(self) -> bool:
        return self.parts is not None and FORMULA in self.parts.columns


def previous_run(store: Store, as_of: date, label: str | None) -> StoredRun | None:
    """The latest stored run before `as_of` of the weight file named `label` (of any weight
    file when that one has none yet): the run a new one is compared with."""
    chosen = latest_runs(store, label=label, before=as_of)
    if chosen.empty:
        chosen = latest_runs(store, before=as_of)
    return None if chosen.empty else load_run(store, chosen["run_id"].iloc[-1])


def recorded_digest(run: StoredRun) -> str:
    """The digest the run recorded for its weights (a segment's `use:` file included, which
    the weights rebuilt from the store do not carry)."""
    return (run.run_json.get("weights") or {}).get("digest") or run.weights.digest()


def item_labels(weights: WeightFile) -> dict[str, str]:
    """The label of every attribution item: signals, groups, the formula."""
    labels = {s: weights.signal_label(s) for s in weights.all_signals()}
    labels |= {g: (spec.label or g) for g, spec in weights.groups.items()}
    return labels | {FORMULA: FORMULA_LABEL}


def month_parts(previous: StoredRun, frame: pd.DataFrame, weights: WeightFile,
                rescored: pd.DataFrame | None = None) -> pd.DataFrame:
    """Attribution of each customer's change since `previous`: per signal, plus a `formula`
    item when the weights changed. `rescored`: the previous as-of date scored with the new
    weights from the same data (signals recomputed: a changed `compute:` window is the
    formula's, not the customer's); without it the previous run's stored raw values are
    re-scored."""
    if recorded_digest(previous) == weights.digest():
        return attribute(previous.frame, frame)
    if rescored is not None:
        customer = attribute(rescored, frame)
        base = attribute(previous.frame, frame)[["score_before"]]
        formula = customer["score_before"] - base["score_before"]
        parts = customer.drop(columns=["score_before", "score_after", "change"])
        out = pd.DataFrame({"score_before": base["score_before"],
                            "score_after": customer["score_after"]})
        out["change"] = out["score_after"] - out["score_before"]
        return pd.concat([out, parts, formula.rename(FORMULA)], axis=1)
    split = formula_split(previous.frame, frame, weights, previous.as_of)
    out = split[["score_before", "score_after", "change"]]
    items = split.drop(columns=["score_before", "rescored_before", "score_after", "change",
                                "formula", "customer"])
    return pd.concat([out, items, split["formula"].rename(FORMULA)], axis=1)


def compared_history(store: Store, as_of: date, label: str | None,
                     previous: StoredRun | None) -> pd.DataFrame:
    """`customer_id, as_of, score, tier, arr` of the stored runs before `as_of` a run is
    compared with: those of its weight file (`label`), or of every file when the previous
    run is another file's."""
    if previous is not None and previous.label != label:
        label = None
    return history_frame(store, label=label, before=as_of, with_arr=True)


def trend_inputs(store: Store, frame: pd.DataFrame, weights: WeightFile, as_of: date,
                 label: str | None = None, *, previous: StoredRun | None = None,
                 rescored: pd.DataFrame | None = None,
                 history: pd.DataFrame | None = None) -> TrendInputs:
    """The trend of a run (stored or not) against the store's earlier runs of the same
    weight file (`label`; any weight file when it has none yet). `previous` and `history`
    (`compared_history`): what the caller has read from the store already."""
    if previous is None:
        previous = previous_run(store, as_of, label)
    if history is None:
        history = compared_history(store, as_of, label, previous)
    current = pd.DataFrame({"customer_id": frame["customer_id"].astype(str), "as_of": as_of,
                            "score": frame["score"], "tier": frame["tier"].astype(str),
                            "arr": frame.get("arr", 0.0)})
    everything = pd.concat([history.assign(customer_id=history["customer_id"].astype(str)),
                            current], ignore_index=True)
    trend = changes(frame, history, as_of, weights)
    out = pd.DataFrame({"customer_id": trend["customer_id"], "direction": trend["direction"],
                        "change": trend["change"], "window_change": trend["window_change"]})
    tenure = time_in_tier(everything).set_index("customer_id")["runs_in_tier"]
    out["runs_in_tier"] = tenure.reindex(out["customer_id"]).to_numpy()
    labels = item_labels(weights)
    parts = None
    if previous is not None:
        parts = month_parts(previous, frame, weights, rescored)
        out["attribution"] = out["customer_id"].map(attribution_texts(parts, labels))
        if FORMULA in parts.columns:
            out["formula_change"] = out["customer_id"].map(parts[FORMULA])
    tiers = [t.name for t in weights.tiers] + [weights.insufficient.name]
    return TrendInputs(history=history[["customer_id", "as_of", "score", "tier"]],
                       trends=out, over_time=portfolio_over_time(everything, tiers),
                       previous=previous, parts=parts, labels=labels,
                       volatility=volatility(everything))
