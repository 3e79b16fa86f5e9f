"""Segment overrides name signals and groups that exist."""

from __future__ import annotations

from collections.abc import Iterator

from healthscore.errors import Problem
from healthscore.weights.model import WeightFile
from healthscore.weights.rules._context import RuleContext, unknown


def check(wf: WeightFile, ctx: RuleContext) -> Iterator[Problem]:
    signals, groups = ctx.defined("signals", wf.signals), ctx.defined("groups", wf.groups)
    for seg_name, seg in wf.segments.items():
        base = ("segments", seg_name)
        if seg.use and (seg.weights or seg.signals or seg.disable):
            yield ctx.problem((*base, "use"), "a segment either `use`s a file or lists "
                                              "`weights`/`signals`/`disable` changes, not both")
        for name in seg.weights:
            if name not in signals and name not in groups:
                yield ctx.problem((*base, "weights", name),
                                  unknown("signal or group", name, [*wf.signals, *wf.groups]))
        for name in seg.signals:
            if name not in signals:
                yield ctx.problem((*base, "signals", name), unknown("signal", name, wf.signals))
        for i, name in enumerate(seg.disable):
            if name not in signals:
                yield ctx.problem((*base, "disable", i), unknown("signal", name, wf.signals))
        if wf.signals and set(wf.signals) <= set(seg.disable):
            yield ctx.problem((*base, "disable"), "every signal is switched off; nothing is scored")
