"""Tiers are ordered by `below`; only the last is open-ended; names are unique."""

from __future__ import annotations

from collections.abc import Iterator

from healthscore.errors import Problem
from healthscore.weights.model import WeightFile
from healthscore.weights.rules._context import RuleContext, unknown


def check(wf: WeightFile, ctx: RuleContext) -> Iterator[Problem]:
    tiers = wf.tiers
    names = [t.name for t in tiers] + [wf.insufficient.name]
    for i, tier in enumerate(tiers):
        if names.count(tier.name) > 1:
            yield ctx.problem(("tiers", i, "name"), f"tier name `{tier.name}` is used twice")
    if tiers[-1].below is not None:
        yield ctx.problem(("tiers", len(tiers) - 1, "below"),
                          "the last tier takes every higher score: remove its `below` "
                          f"(found below: {tiers[-1].below:g})")
    for i, tier in enumerate(tiers[:-1]):
        if tier.below is None:
            yield ctx.problem(("tiers", i), f"tier `{tier.name}` needs `below:`; only the "
                                            "last tier may leave it out")
        elif not 0 < tier.below <= 100:
            yield ctx.problem(("tiers", i, "below"),
                              f"must be between 0 (exclusive) and 100; found {tier.below:g}")
    limits = [t.below for t in tiers[:-1] if t.below is not None]
    for i in range(1, len(limits)):
        if limits[i] <= limits[i - 1]:
            yield ctx.problem(("tiers", i, "below"),
                              f"tiers go from lowest to highest score: {limits[i]:g} must be "
                              f"above the previous tier's {limits[i - 1]:g}")
    for i, name in enumerate(wf.outreach.tiers or []):
        if name not in names[:-1]:
            yield ctx.problem(("outreach", "tiers", i),
                              unknown("tier", name, [t.name for t in tiers]))
