"""Parent accounts scored from their children (mean or ARR-weighted mean)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from healthscore.engine import tiers
from healthscore.weights.model import WeightFile


def rollup(scored: pd.DataFrame, wf: WeightFile) -> pd.DataFrame | None:
    """One row per parent id: score, tier, children, children with a score, total ARR.

    Children without a score (insufficient data) are left out of the mean; with the
    ARR-weighted method, children without ARR count with weight 0, and a parent none of whose
    scored children has ARR gets the plain mean.
    """
    if wf.rollup is None or wf.rollup.parent not in scored.columns:
        return None
    parent = scored[wf.rollup.parent]
    children = scored[parent.notna() & (parent != scored["customer_id"])]  # not itself
    if children.empty:
        return None
    arr = (children["arr"] if "arr" in children else pd.Series(0.0, index=children.index))
    arr = pd.to_numeric(arr, errors="coerce").fillna(0.0)
    has = children["score"].notna()
    weight = (arr if wf.rollup.method == "arr_weighted" else pd.Series(1.0, index=arr.index))
    weight = weight.where(has, 0.0)
    frame = pd.DataFrame({
        "parent_id": children[wf.rollup.parent].to_numpy(),
        "wscore": (children["score"].fillna(0.0) * weight).to_numpy(),
        "weight": weight.to_numpy(),
        "scored": has.to_numpy(),
        "arr": arr.to_numpy(),
    })
    agg = frame.groupby("parent_id", sort=True).agg(
        wscore=("wscore", "sum"), weight=("weight", "sum"), children=("scored", "size"),
        scored_children=("scored", "sum"), arr=("arr", "sum"))
    mean = (pd.DataFrame({"parent_id": frame["parent_id"],
                          "score": children["score"].to_numpy()})
            .groupby("parent_id", sort=True)["score"].mean())
    with np.errstate(invalid="ignore", divide="ignore"):
        # ARR-weighted, or the plain mean when no scored child has ARR
        score = np.where(agg["weight"] > 0, agg["wscore"] / agg["weight"],
                         mean.reindex(agg.index).to_numpy())
    out = pd.DataFrame({"parent_id": agg.index, "score": score,
                        "children": agg["children"].to_numpy(),
                        "scored_children": agg["scored_children"].to_numpy().astype(int),
                        "arr": agg["arr"].to_numpy(), "method": wf.rollup.method})
    names = scored.set_index("customer_id")["name"] if "name" in scored else None
    if names is not None:
        out.insert(1, "name", out["parent_id"].map(names))
    out.insert(out.columns.get_loc("score") + 1, "tier", tiers.assign(score, wf))
    return out.reset_index(drop=True)
