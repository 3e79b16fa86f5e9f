"""Where a run's scored chunks go.

A `Run` (engine/run.py) scores its customers chunk by chunk and hands every scored chunk to
each of its sinks, in order; when the last chunk is in, each sink's `close(result)` adds what
it gathered to the run's result, in the same order. The whole-portfolio sinks here come first
(tier totals, the outreach list, roll-ups, checks), so a sink added after them (the output
files, the history store, a cluster partition's collector) finds a complete result.

A sink keeps only what it needs: the tier totals are a few numbers per chunk, the outreach
list a running top list, the roll-ups the rows that have or are a parent. Only `Collector`
keeps every row, and only when the caller wants the frame in memory.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Protocol

import numpy as np
import pandas as pd

from healthscore.engine.outreach import RunningTop, worklist
from healthscore.engine.rollup import rollup
from healthscore.errors import Problem
from healthscore.weights.model import WeightFile

if TYPE_CHECKING:  # the result type is the run's; a sink only fills it in
    from healthscore.engine.run import RunResult


class Sink(Protocol):
    def add(self, scored: pd.DataFrame) -> None:
        """One scored chunk, in table order."""

    def close(self, result: RunResult) -> None:
        """Every chunk is in: add what this sink gathered to `result`."""

    def abort(self) -> None:
        """The run failed: leave nothing behind."""


class _Accumulator:
    def abort(self) -> None:  # holds only memory
        pass


class Collector(_Accumulator):
    """Every scored row, for a caller that wants the whole frame (a notebook, the pages)."""

    def __init__(self) -> None:
        self.parts: list[pd.DataFrame] = []

    def add(self, scored: pd.DataFrame) -> None:
        self.parts.append(scored)

    def close(self, result: RunResult) -> None:
        frame = self.parts[0] if len(self.parts) == 1 else pd.concat(self.parts)
        result.frame = frame.reset_index(drop=True)
        self.parts = []


def tier_totals(scored: pd.DataFrame) -> pd.DataFrame:
    """Customers and ARR per tier (every tier, also empty ones), ARR in whole cents: sums of
    integers, so chunk totals add up to exactly the whole table's, however it is cut."""
    arr = scored["arr"] if "arr" in scored else pd.Series(0.0, index=scored.index)
    cents = np.rint(pd.to_numeric(arr, errors="coerce").fillna(0.0).to_numpy() * 100)
    return (pd.DataFrame({"tier": scored["tier"], "cents": cents.astype(np.int64)})
            .groupby("tier", observed=False)["cents"].agg(["size", "sum"])
            .rename(columns={"size": "customers", "sum": "cents"}))


class TierTotals(_Accumulator):
    def __init__(self) -> None:
        self.total: pd.DataFrame | None = None

    def add(self, scored: pd.DataFrame) -> None:
        part = tier_totals(scored)
        self.total = part if self.total is None else self.total + part

    def close(self, result: RunResult) -> None:
        result.tiers = pd.DataFrame({"customers": self.total["customers"],
                                     "arr": self.total["cents"] / 100.0})


class Outreach(_Accumulator):
    """The outreach list: customers in the tiers that need action, highest priority first
    (ties: lower score first, then table order), the `top` first only when given."""

    def __init__(self, wf: WeightFile, top: int | None, batch_rows: int):
        self.running = RunningTop(top, batch_rows=batch_rows, tiers=wf.outreach_tiers())

    def add(self, scored: pd.DataFrame) -> None:
        self.running.add(scored)

    def close(self, result: RunResult) -> None:
        ranked = self.running.result()
        ranked.insert(0, "rank", np.arange(1, len(ranked) + 1))
        result.outreach = worklist(ranked)


class Rollups(_Accumulator):
    """Parent accounts scored from their children. Keeps only the rows that have a parent or
    are one (their names and own scores): the family."""

    COLUMNS = ("customer_id", "name", "owner", "arr", "score")

    def __init__(self, wf: WeightFile, parent_ids: np.ndarray):
        self.wf, self.parent_ids = wf, parent_ids
        self.column = wf.rollup.parent if wf.rollup else None
        self.parts: list[pd.DataFrame] = []
        self.family: pd.DataFrame | None = None

    def add(self, scored: pd.DataFrame) -> None:
        if self.column is None or self.column not in scored or not len(self.parent_ids):
            return
        keep = scored[scored[self.column].notna()
                      | scored["customer_id"].isin(self.parent_ids)]
        self.parts.append(keep[[c for c in (*self.COLUMNS, self.column) if c in keep]])

    def close(self, result: RunResult) -> None:
        if self.parts:
            self.family = pd.concat(self.parts, ignore_index=True)
            result.rollups = rollup(self.family, self.wf)


class Checks(_Accumulator):
    """Warnings about the data that do not stop a run but change what it means, counted
    chunk by chunk: customers without ARR (their priority cannot weigh revenue), segments
    that matched nobody (usually a typo in a `match:` value), parents that are not customers,
    and accounts that name themselves as their parent (seen through `family`)."""

    def __init__(self, wf: WeightFile, file: str | None, family: Rollups):
        self.wf, self.file, self.family = wf, file, family
        self.no_arr = 0
        self.profiles: Counter = Counter()

    def add(self, scored: pd.DataFrame) -> None:
        if "arr" in scored and self.wf.priority != "risk":
            self.no_arr += int((scored["arr"].isna() & scored["score"].notna()).sum())
        self.profiles.update(scored["profile"].value_counts().to_dict())

    def close(self, result: RunResult) -> None:
        result.warnings += self.warnings(self.family.family)

    def warnings(self, family: pd.DataFrame | None) -> list[Problem]:
        wf, file = self.wf, self.file
        out = []
        if self.no_arr:
            out.append(Problem(
                f"{self.no_arr} scored customers have no ARR; their outreach priority "
                f"`{wf.priority_kind}` counts it as 0, so they rank last", file=file, key="arr",
                severity="warning"))
        for name, seg in wf.segments.items():
            if not self.profiles.get(name):
                rule = ", ".join(f"{k} = {v}" for k, v in seg.match.items())
                out.append(Problem(
                    f"segment `{name}` matched no customer ({rule}); check the values "
                    "(matching is exact, case included)", file=wf.path,
                    key=f"segments.{name}.match", severity="warning"))
        if wf.rollup and family is not None and wf.rollup.parent in family:
            parent = family[wf.rollup.parent]
            own = family.loc[parent == family["customer_id"], "customer_id"]
            if len(own):
                out.append(Problem(
                    f"{len(own)} accounts name themselves as their parent "
                    f"({', '.join(map(str, own.head(5)))}); they are not rolled up into "
                    "themselves", file=file, key=wf.rollup.parent, severity="warning"))
            unknown = sorted(set(parent.dropna()) - set(family["customer_id"]), key=str)
            if unknown:
                out.append(Problem(
                    f"{len(unknown)} parent ids are not customers in the table "
                    f"({', '.join(map(str, unknown[:5]))}); their roll-ups have no name",
                    file=file, key=wf.rollup.parent, severity="warning"))
        return out
