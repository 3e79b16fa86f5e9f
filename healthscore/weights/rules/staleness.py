"""`max_age` needs `measured_at`: without the date of a value its age is unknown."""

from __future__ import annotations

from collections.abc import Iterator

from healthscore.errors import Problem
from healthscore.weights.model import WeightFile
from healthscore.weights.rules._context import RuleContext


def check(wf: WeightFile, ctx: RuleContext) -> Iterator[Problem]:
    for name, spec in wf.signals.items():
        if spec.max_age and not spec.measured_at:
            yield ctx.problem(("signals", name, "max_age"),
                              "`max_age` needs `measured_at:` (the column holding the date each "
                              "value was measured); for a computed signal its `window` already "
                              "limits the age, so remove `max_age`")
