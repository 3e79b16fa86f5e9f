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

from healthscore.engine import frame as scored_frame
from healthscore.trends.changes import shown_changes
from healthscore.weights.model import WeightFile


def top_items(weights: WeightFile) -> list[str]:
    """Groups no other group contains, then signals in no group: the items whose points add
    up to the score."""
    child_groups = {g for spec in weights.groups.values() for g in spec.groups}
    grouped = {s for spec in weights.groups.values() for s in spec.signals}
    return ([g for g in weights.groups if g not in child_groups]
            + [s for s in weights.signals if s not in grouped])


def _points(frame: pd.DataFrame, names: list[str], ids: pd.Index) -> pd.DataFrame:
    have = [n for n in names if scored_frame.column(n, "points") in frame.columns]
    pts = frame.set_index(frame["customer_id"].astype(str))[
        [scored_frame.column(n, "points") for n in have]]
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
        names = list(dict.fromkeys(scored_frame.signals(before.columns)
                                   + scored_frame.signals(after.columns)))
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


def rounded_parts(parts, total) -> np.ndarray:
    """Whole points per item (rows: customers) that add up exactly to the rounded total:
    each part rounded, then in each row the parts rounded furthest the wrong way nudged by
    one point until the sum fits (largest remainder), so "−12: support −8, adoption −5,
    sentiment +1" adds up as printed. Vectorised over all customers."""
    values = np.atleast_2d(np.asarray(parts, dtype="float64"))
    target = np.round(np.atleast_1d(np.asarray(total, dtype="float64")))
    base = np.round(values)
    gap = (target - base.sum(axis=1)).astype(int)
    step = np.sign(gap)[:, None]
    order = np.argsort(-step * (values - base), axis=1, kind="stable")  # worst-rounded first
    rank = np.argsort(order, axis=1, kind="stable")
    return (base + step * (rank < np.abs(gap)[:, None])).astype(int)


def _signed(values: np.ndarray) -> np.ndarray:
    text = pd.Series(np.abs(values)).astype(str).to_numpy(dtype=object)
    return np.where(values > 0, "+" + text, np.where(values < 0, "−" + text, "0"))


def attribution_texts(parts: pd.DataFrame, labels: dict[str, str] | None = None,
                      top: int = 3) -> pd.Series:
    """`−12: support −8, adoption −5, sentiment +1` per row of `attribute`: the total is the
    change a reader sees (the difference of the shown scores, `changes.shown_changes`), the
    items are whole points adding up to exactly that total (largest remainder), listed by
    size (ties: the larger exact move first), the rest as "other"; empty where the change is
    unknown. Vectorised: array operations over all customers."""
    labels = labels or {}
    items = parts.drop(columns=["score_before", "score_after", "change"])
    total = shown_changes(parts["score_after"], parts["score_before"])
    known = ~np.isnan(total)
    out = np.full(len(parts), "", dtype=object)
    if not known.any():
        return pd.Series(out, index=parts.index)
    exact = items.to_numpy(dtype="float64")[known]
    exact = np.where(np.isnan(exact), 0.0, exact)
    whole = rounded_parts(exact, total[known])
    # biggest first, zeros last; a tie of whole points goes to the larger exact move
    # (|exact| < 1000 and differs from |whole| by under one point, so it only breaks ties)
    order = np.argsort(-(np.abs(whole) * 1000.0 + np.minimum(np.abs(exact), 999.0)), axis=1,
                       kind="stable")
    ranked = np.take_along_axis(whole, order, axis=1)
    names = np.array([labels.get(c, c) for c in items.columns], dtype=object)[order]
    body = np.full(len(whole), "", dtype=object)
    for j in range(min(top, whole.shape[1])):  # a few columns, every customer at once
        piece = np.where(ranked[:, j] != 0, names[:, j] + " " + _signed(ranked[:, j]), "")
        body = np.where((body != "") & (piece != ""), body + ", " + piece, body + piece)
    other = ranked[:, top:].sum(axis=1)
    body = np.where(other != 0, np.where(body != "", body + ", ", body) + "other "
                    + _signed(other), body)
    head = _signed(total[known].astype(int))
    out[known] = np.where(body != "", head + ": " + body, head)
    return pd.Series(out, index=parts.index)


def whole_parts(parts: pd.DataFrame) -> pd.DataFrame:
    """The item columns of `attribute` in whole points adding up to the shown change (the
    numbers `attribution_texts` prints), NaN where the change is unknown."""
    items = parts.drop(columns=["score_before", "score_after", "change"])
    total = shown_changes(parts["score_after"], parts["score_before"])
    known = ~np.isnan(total)
    out = pd.DataFrame(np.nan, index=items.index, columns=items.columns)
    if known.any():
        exact = np.nan_to_num(items.to_numpy(dtype="float64")[known])
        out.loc[known] = rounded_parts(exact, total[known])
    return out


def attribution_text(row: pd.Series, labels: dict[str, str] | None = None,
                     top: int = 3) -> str:
    """`attribution_texts` of one row of `attribute`."""
    return attribution_texts(row.to_frame().T, labels, top).iloc[0]


def rescore_table(previous: pd.DataFrame, weights: WeightFile) -> tuple[pd.DataFrame,
                                                                        WeightFile]:
    """The previous run's stored raw values as a customer table for `weights`, and those
    weights without date columns and computations: the stored raw values stand as they were
    (a value that was stale or dated after the as-of date then stays missing)."""
    table = previous[scored_frame.account_columns(previous.columns)].copy()
    data = weights.model_dump(mode="json", exclude_none=True)
    data.pop("sources", None)
    data.pop("extends", None)
    for name, spec in data["signals"].items():
        spec.pop("measured_at", None)
        spec.pop("max_age", None)
        spec.pop("compute", None)
        column = spec.get("column", name)
        if scored_frame.column(name, "raw") in previous.columns:
            usable = previous[scored_frame.column(name, "status")].astype(str).isin(["ok", "off"])
            table[column] = previous[scored_frame.column(name, "raw")].where(usable)
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
