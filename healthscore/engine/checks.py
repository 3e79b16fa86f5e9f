"""Warnings about the data that do not stop a run but change what it means.

Counted chunk by chunk while scoring (so they work for any portfolio size) and reported with
the run: customers without ARR (their priority cannot weigh revenue), segments that matched
nobody (usually a typo in a `match:` value), parents that are not customers, and accounts that
name themselves as their parent.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pandas as pd

from healthscore.errors import Problem
from healthscore.weights.model import WeightFile


@dataclass
class Observed:
    no_arr: int = 0
    profiles: Counter = field(default_factory=Counter)

    def add(self, scored: pd.DataFrame, wf: WeightFile) -> None:
        if "arr" in scored and wf.priority != "risk":
            self.no_arr += int((scored["arr"].isna() & scored["score"].notna()).sum())
        self.profiles.update(scored["profile"].value_counts().to_dict())

    def warnings(self, wf: WeightFile, family: pd.DataFrame | None, file: str | None
                 ) -> list[Problem]:
        """`family`: the rows that have a parent or are a parent (customer_id + parent)."""
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
