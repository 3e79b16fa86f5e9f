"""The outreach list: who to contact first. The one ranking every output shows.

Customers in the tiers that need action (`outreach: {tiers: [...]}` in the weight file; by
default every tier but the healthiest), highest priority first; equal priorities go to the
lower score, then to the customer listed first in the table. Priority is computed by the
kernel (`priority:` in the weight file, by default the risk-weighted ARR); this module orders
by it, in memory or over chunks (keeping only a running top list), with the same result.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

OUTREACH_COLUMNS = ["customer_id", "name", "segment", "owner", "arr", "profile", "score", "tier",
                    "coverage", "priority", "driver_1", "driver_2", "driver_3", "reasons"]
# what a CSM works from, first and in this order in every output of the list (CSV, HTML,
# Markdown): `change` (of the shown scores since the previous run) and the first words of
# `why` (what changed) come from the run store's trend when there is one
WORKLIST = ["rank", "customer_id", "name", "owner", "tier", "score", "change", "priority", "arr",
            "why"]


def worklist(ranked: pd.DataFrame) -> pd.DataFrame:
    """The ranked list with the worklist columns first (`why`: the engine's reasons until a
    trend adds what changed), then the details."""
    out = ranked.copy()
    if "why" not in out:
        out["why"] = out.get("reasons", "")
    if "change" not in out:
        out["change"] = np.nan
    first = [c for c in WORKLIST if c in out.columns]
    return out[first + [c for c in out.columns if c not in first]]


def on_list(frame: pd.DataFrame, tiers: list[str] | None) -> np.ndarray:
    """Rows that can be on the list: a priority, and a tier that needs action."""
    keep = frame["priority"].notna().to_numpy().copy()
    if tiers is not None:
        keep &= frame["tier"].isin(tiers).to_numpy()
    return keep


def rank_outreach(frame: pd.DataFrame, top: int | None = None,
                  tiers: list[str] | None = None) -> pd.DataFrame:
    """The rows on the list, highest priority first (ties: lower score first, then table
    order)."""
    ranked = frame[on_list(frame, tiers)]
    if top is not None and len(ranked) > 4 * top:  # cheap pre-cut before the full sort
        ranked = ranked.nlargest(top, "priority", keep="all")
    ranked = ranked.sort_values(["priority", "score"], ascending=[False, True], kind="stable")
    if top is not None:
        ranked = ranked.head(top)
    return ranked.reset_index(drop=True)


def _outreach_candidates(scored: pd.DataFrame, top: int | None,
                         leaders: pd.DataFrame | None, tiers: list[str] | None
                         ) -> pd.DataFrame:
    """The rows of a chunk that can make the top list, in their chunk order: priority at
    least the chunk's `top`-th highest and at least the lowest on a full running list,
    ties included (an equal priority can still win on its score).

    They are exactly the rows ranking would keep (`nlargest` with `keep="all"` orders equal
    priorities by position too), found with `np.partition` and a comparison instead of
    copying and sorting every outreach column of the chunk: at 10M customers the top 1 % is
    100,000 rows, and most chunks then have only a few rows above the running list's floor.
    """
    keep = on_list(scored, tiers)
    if top is None:
        return scored.iloc[np.flatnonzero(keep)]
    priority = scored["priority"].to_numpy(dtype="float64", na_value=np.nan)
    valid = priority[keep]
    if valid.size > top:
        keep &= priority >= np.partition(valid, valid.size - top)[valid.size - top]
    if leaders is not None and len(leaders) >= top:  # sorted: the last is the lowest
        keep &= priority >= leaders["priority"].iloc[-1]
    return scored.iloc[np.flatnonzero(keep)]


class RunningTop:
    """The outreach top list over the chunks seen so far.

    Each chunk contributes its candidates (above the list's floor once the list is full);
    they wait until they add up to a chunk's worth of rows, then one stable ranking merges
    them with the list. Ranking the list with several chunks' candidates at once orders
    equal rows as merging them chunk by chunk would (list first, then chunk order), and a row
    cut from the list never comes back; but at 10M customers the list (top 1 %) is 100,000
    rows, and sorting it again for every chunk took longer than the scoring.
    """

    def __init__(self, top: int | None, batch_rows: int, tiers: list[str] | None = None):
        self.top, self.batch_rows, self.tiers = top, batch_rows, tiers
        self.leaders: pd.DataFrame | None = None
        self.pending: list[pd.DataFrame] = []
        self.pending_rows = 0

    def add(self, scored: pd.DataFrame) -> None:
        candidates = _outreach_candidates(scored, self.top, self.leaders, self.tiers)
        if len(candidates) or self.leaders is None:  # the first chunk sets the columns
            cols = [c for c in OUTREACH_COLUMNS if c in candidates.columns]
            self.pending.append(candidates[cols])
            self.pending_rows += len(candidates)
        filling = self.top is None or self.leaders is None or len(self.leaders) < self.top
        if self.pending and (filling or self.pending_rows >= self.batch_rows):
            self._merge()

    def _merge(self) -> None:
        frames = ([] if self.leaders is None else [self.leaders]) + self.pending
        self.leaders = rank_outreach(frames[0] if len(frames) == 1 else
                                     pd.concat(frames, ignore_index=True), self.top,
                                     self.tiers)
        self.pending, self.pending_rows = [], 0

    def result(self) -> pd.DataFrame:
        if self.pending:
            self._merge()
        return self.leaders
