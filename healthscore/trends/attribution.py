"""Where a change came from: the stored contributions (points) before and after, per signal
and per top-level group. Each side's points add up to its score, so the differences add up
to the change; an item one side lacks counts 0 points there (a signal added or dropped).

When the weights changed between the runs, `formula_split` re-scores the previous run's
stored raw values with the new weights: previous → re-scored is "the formula changed",
re-scored → current is "the customer changed".
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from healthscore.store.frames import items as frame_items
from healthscore.weights.model import WeightFile


def top_items(weights: WeightFile) -> list[str]:
    """Groups no other group contains, then signals in no group: the items whose points add
    up to the score."""
    child_groups = {g for spec in weights.groups.values() for g in spec.groups}
    grouped = {s for spec in weights.groups.values() for s in spec.signals}
    return ([g for g in weights.groups if g not in child_groups]
            + [s for s in weights.signals if s not in grouped])


def _points(frame: pd.DataFrame, names: list[str], ids: pd.Index) -> pd.DataFrame:
    have = [n for n in names if f"{n}.points" in frame.columns]
    pts = frame.set_index(frame["customer_id"].astype(str))[[f"{n}.points" for n in have]]
    pts.columns = have
    return pts.reindex(index=ids, columns=names).fillna(0.0)


def attribute(before: pd.DataFrame, after: pd.DataFrame, *, level: str = "signal",
              weights_before: WeightFile | None = None,
              weights_after: WeightFile | None = None) -> pd.DataFrame:
    """One row per customer in both frames: `score_before`, `score_after`, `change` and one
    column per item with its change in points. `level="signal"`: every signal;
    `level="top"`: top-level groups and ungrouped signals (needs both weight files).
    Customers without a score on either side get NaN throughout."""
    b_ids = before["customer_id"].astype(str)
    a_ids = after["customer_id"].astype(str)
    ids = pd.Index(a_ids[a_ids.isin(set(b_ids))], name="customer_id")
    if level == "signal":
        names = list(dict.fromkeys(
            [n for n, k in frame_items(before.columns).items() if k == "signal"]
            + [n for n, k in frame_items(after.columns).items() if k == "signal"]))
    elif level == "top":
        if weights_before is None or weights_after is None:
            raise ValueError("level='top' needs weights_before and weights_after")
        names = list(dict.fromkeys(top_items(weights_before) + top_items(weights_after)))
    else:
        raise ValueError(f"level is 'signal' or 'top', not {level!r}")
    s_before = before.set_index(b_ids)["score"].reindex(ids).to_numpy(dtype="float64")
    s_after = after.set_index(a_ids)["score"].reindex(ids).to_numpy(dtype="float64")
    parts = _points(after, names, ids) - _points(before, names, ids)
    unscored = np.isnan(s_before) | np.isnan(s_after)
    parts[unscored] = np.nan
    out = pd.DataFrame({"score_before": s_before, "score_after": s_after,
                        "change": s_after - s_before}, index=ids)
    return pd.concat([out, parts], axis=1)


def rounded_parts(parts: pd.Series, total: float) -> pd.Series:
    """Whole points per item that add up exactly to the rounded total: each part rounded,
    then the parts rounded furthest the wrong way nudged by one point until the sum fits
    (largest remainder), so "−12: support −8, adoption −5, sentiment +1" adds up as printed."""
    values = parts.to_numpy(dtype="float64")
    base = np.round(values)
    gap = int(round(total)) - int(base.sum())
    if gap:
        error = values - base  # > 0: rounded down
        order = np.argsort(-np.sign(gap) * error, kind="stable")
        base[order[:abs(gap)]] += np.sign(gap)
    return pd.Series(base.astype(int), index=parts.index)


def attribution_text(row: pd.Series, labels: dict[str, str] | None = None,
                     top: int = 3) -> str:
    """`−12: support −8, adoption −5, sentiment +1` for one row of `attribute`: the items
    that moved most, in whole points adding up to the total; the rest as "other"."""
    labels = labels or {}
    total = row["change"]
    if pd.isna(total):
        return ""
    parts = row.drop(["score_before", "score_after", "change"]).astype("float64")
    whole = rounded_parts(parts, total)
    shown = whole[whole != 0].reindex(whole[whole != 0].abs().sort_values(
        ascending=False, kind="stable").index)
    named, other = shown.iloc[:top], int(shown.iloc[top:].sum())
    pieces = [f"{labels.get(k, k)} {_signed(v)}" for k, v in named.items()]
    if other:
        pieces.append(f"other {_signed(other)}")
    head = _signed(int(round(total)))
    return f"{head}: {', '.join(pieces)}" if pieces else head


def _signed(value: int) -> str:
    return f"+{value}" if value > 0 else (f"−{-value}" if value < 0 else "0")


def rescore_table(previous: pd.DataFrame, weights: WeightFile) -> tuple[pd.DataFrame,
                                                                        WeightFile]:
    """The previous run's stored raw values as a customer table for `weights`, and those
    weights without date columns and computations: the stored raw values stand as they were
    (a value that was stale or dated after the as-of date then stays missing)."""
    table = previous[[c for c in previous.columns if "." not in c and c not in (
        "profile", "score", "tier", "coverage", "priority", "reasons")
        and not c.startswith("driver_")]].copy()
    data = weights.model_dump(mode="json", exclude_none=True)
    data.pop("sources", None)
    data.pop("extends", None)
    for name, spec in data["signals"].items():
        spec.pop("measured_at", None)
        spec.pop("max_age", None)
        spec.pop("compute", None)
        column = spec.get("column", name)
        if f"{name}.raw" in previous.columns:
            usable = previous[f"{name}.status"].astype(str).isin(["ok", "off"])
            table[column] = previous[f"{name}.raw"].where(usable)
        else:
            table[column] = np.nan
    for seg in data.get("segments", {}).values():
        for override in seg.get("signals", {}).values():
            override.pop("max_age", None)
    if weights.id_column != "customer_id":
        table = table.rename(columns={"customer_id": weights.id_column})
    return table, WeightFile.model_validate(data)


def formula_split(previous: pd.DataFrame, current: pd.DataFrame, weights: WeightFile,
                  previous_as_of) -> pd.DataFrame:
    """Per customer: `change` (current − previous), `formula` (what the new weights alone
    do to the previous data) and `customer` (the rest, at equal weights), with the customer
    change attributed per signal (columns as in `attribute`)."""
    from healthscore.engine.run import score

    table, plain = rescore_table(previous, weights)
    rescored = score(table, plain, as_of=previous_as_of, explain=False)
    customer = attribute(rescored, current)
    base = attribute(previous, current)[["score_before", "change"]]
    out = pd.DataFrame({"score_before": base["score_before"],
                        "rescored_before": customer["score_before"],
                        "score_after": customer["score_after"], "change": base["change"],
                        "formula": customer["score_before"] - base["score_before"],
                        "customer": customer["change"]})
    return pd.concat([out, customer.drop(columns=["score_before", "score_after", "change"])],
                     axis=1)
