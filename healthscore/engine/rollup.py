"""Parent accounts scored as a family: the parent's own account and its direct children.

A parent account (a holding, a global account) is often a customer too, with its own ARR and
its own score. Its roll-up is what a CSM means by "how is this account family doing", so it
counts every account of the family: the parent's own row (when the parent is a customer in
the table) and every account naming it as parent. One level only: a child's own children
count in the child's roll-up, not in the grandparent's. The parent's own score stays in
`scores.csv`; the roll-up gives it next to the rolled-up score as `own_score`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from healthscore.engine import tiers
from healthscore.weights.model import WeightFile


def rollup(scored: pd.DataFrame, wf: WeightFile) -> pd.DataFrame | None:
    """One row per parent id (a parent is an id some account names as its parent).

    `score`: the mean, or ARR-weighted mean, of the scores of the family's accounts (the
    parent's own account and its children); accounts without a score (insufficient data) are
    left out; with the ARR-weighted method an account without ARR weighs 0, and a family none
    of whose scored accounts has ARR gets the plain mean. `own_score`: the parent account's
    own score (NaN when it is not a customer or has no score). `accounts` / `scored_accounts`
    count the family, `children` / `scored_children` the child accounts only, `arr` is the
    family's ARR.
    """
    if wf.rollup is None or wf.rollup.parent not in scored.columns:
        return None
    parent = scored[wf.rollup.parent]
    is_child = parent.notna() & (parent != scored["customer_id"])  # not itself
    children = scored[is_child]
    if children.empty:
        return None
    own = scored[scored["customer_id"].isin(pd.unique(children[wf.rollup.parent]))]
    family = pd.concat([children.assign(_key=children[wf.rollup.parent], _child=True),
                        own.assign(_key=own["customer_id"], _child=False)], ignore_index=True)
    arr = family["arr"] if "arr" in family else pd.Series(0.0, index=family.index)
    members = pd.DataFrame({"parent_id": family["_key"], "child": family["_child"],
                            "score": family["score"],
                            "arr": pd.to_numeric(arr, errors="coerce").fillna(0.0)})
    has = members["score"].notna()
    members["weight"] = (members["arr"] if wf.rollup.method == "arr_weighted"
                         else pd.Series(1.0, index=has.index)).where(has, 0.0)
    members["wscore"] = members["score"].fillna(0.0) * members["weight"]
    members["scored"] = has
    members["scored_child"] = has & members["child"]
    members["own_score"] = members["score"].where(~members["child"])
    agg = members.groupby("parent_id", sort=True).agg(
        wscore=("wscore", "sum"), weight=("weight", "sum"), accounts=("scored", "size"),
        scored_accounts=("scored", "sum"), children=("child", "sum"),
        scored_children=("scored_child", "sum"), arr=("arr", "sum"),
        mean=("score", "mean"), own_score=("own_score", "max"))
    with np.errstate(invalid="ignore", divide="ignore"):
        # ARR-weighted, or the plain mean when no scored account has ARR
        score = np.where(agg["weight"] > 0, agg["wscore"] / agg["weight"], agg["mean"])
    out = pd.DataFrame({
        "parent_id": agg.index, "score": score, "tier": tiers.assign(score, wf),
        "own_score": agg["own_score"].to_numpy(),
        **{c: agg[c].to_numpy().astype(int) for c in ("accounts", "scored_accounts",
                                                     "children", "scored_children")},
        "arr": agg["arr"].to_numpy(), "method": wf.rollup.method})
    if "name" in scored:
        out.insert(1, "name", out["parent_id"].map(scored.set_index("customer_id")["name"]))
    return out.reset_index(drop=True)
