"""The outreach list by account family (`outreach: {families: true}`).

A holding with eight subsidiaries is one relationship: one CSM call, one renewal
conversation. Ranked account by account it is eight rows spread over the list, and a family
whose roll-up (engine/rollup.py) is worth $881k at 57 can rank below a $14k account of its
own. With `families: true`, every account of a rolled-up family leaves the list and the
family takes one entry: its rolled-up score and tier, its total ARR, the priority the weight
file's `priority:` rule gives those, and its accounts under it (`members`, lowest score
first). Families rank among the other customers by the engine's one order (priority, then
lower score, then list order); a family whose roll-up is in a tier that needs no action is
not on the list, though some of its accounts may be.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from healthscore.engine.kernel import priority_values
from healthscore.engine.outreach import on_list, rank_outreach, worklist
from healthscore.engine.sinks import Rollups, _Accumulator
from healthscore.weights.model import WeightFile

if TYPE_CHECKING:
    from healthscore.engine.run import RunResult

MEMBERS_SHOWN = 3  # accounts named in a family's `why`


def member_keys(family: pd.DataFrame, parent: str, parents: pd.Index) -> pd.Series:
    """customer id → the family (parent id) it belongs to: its parent, or itself when it is
    a parent; only for the families in `parents`."""
    ids = family["customer_id"].astype(str)
    named = family[parent].astype("string")
    key = named.where(named.notna() & (named != ids), ids)
    key = pd.Series(key.to_numpy(dtype=object), index=ids.to_numpy())
    return key[key.isin(parents)]


def family_rows(rollups: pd.DataFrame, family: pd.DataFrame, keys: pd.Series,
                wf: WeightFile) -> pd.DataFrame:
    """One outreach row per family whose roll-up needs action."""
    fam = rollups.assign(parent_id=rollups["parent_id"].astype(str))
    table = pd.DataFrame({"arr": fam["arr"].to_numpy(dtype="float64")})
    score = fam["score"].to_numpy(dtype="float64")
    members = family.assign(customer_id=family["customer_id"].astype(str))
    members = members[members["customer_id"].isin(keys.index)]
    members = members.assign(_key=members["customer_id"].map(keys)).sort_values(
        ["_key", "score"], kind="stable")
    listed = members.groupby("_key", sort=False)["customer_id"].agg("; ".join)
    named = members.assign(_text=members["name"].astype("string").fillna(
        members["customer_id"]) + " " + np.floor(members["score"] + 1e-9).astype("Int64")
        .astype("string").fillna("—"))
    lowest = named.groupby("_key", sort=False)["_text"].agg(
        lambda s: ", ".join(s.iloc[:MEMBERS_SHOWN]))
    owners = members.dropna(subset=["owner"]) if "owner" in members else members.iloc[:0]
    own = owners[owners["customer_id"] == owners["_key"]].set_index("_key")["owner"] \
        if len(owners) else pd.Series(dtype=object)
    first = owners.groupby("_key", sort=False)["owner"].first() if len(owners) else own
    ids = fam["parent_id"]
    out = pd.DataFrame({
        "customer_id": ids.to_numpy(),
        "name": (fam["name"].astype("string").fillna(ids) if "name" in fam else ids)
        .to_numpy(dtype=object),
        "owner": ids.map(own).fillna(ids.map(first)).to_numpy(dtype=object),
        "arr": table["arr"].to_numpy(), "score": score, "tier": fam["tier"].astype(str).to_numpy(),
        "priority": priority_values(score, table, wf),
        "family": True,
        "members": ids.map(listed).fillna("").to_numpy(dtype=object),
        "why": ("Family of " + fam["accounts"].astype(str) + " accounts, lowest: "
                + ids.map(lowest).fillna("")).to_numpy(dtype=object)})
    return out[on_list(out, wf.outreach_tiers())]


class FamilyOutreach(_Accumulator):
    """Sink (after `Rollups`): the outreach list with each family as one entry; the list
    before it must hold every candidate (`Outreach` with no top), the top cut comes here."""

    def __init__(self, wf: WeightFile, top: int | None, family: Rollups):
        self.wf, self.top, self.family = wf, top, family

    def add(self, scored: pd.DataFrame) -> None:
        """Nothing per chunk: `Outreach` and `Rollups` gather what this needs."""

    def close(self, result: RunResult) -> None:
        listed = result.outreach.drop(columns=["rank"])
        rollups, family = result.rollups, self.family.family
        if rollups is None or family is None or rollups.empty:
            keys = pd.Series(dtype=object)
            families = listed.iloc[:0]
        else:
            keys = member_keys(family, self.wf.rollup.parent,
                               pd.Index(rollups["parent_id"].astype(str)))
            families = family_rows(rollups, family, keys, self.wf)
        alone = listed[~listed["customer_id"].astype(str).isin(keys.index)].assign(
            family=False, members="")
        ranked = rank_outreach(pd.concat([alone, families], ignore_index=True), self.top)
        ranked.insert(0, "rank", np.arange(1, len(ranked) + 1))
        result.outreach = worklist(ranked)
