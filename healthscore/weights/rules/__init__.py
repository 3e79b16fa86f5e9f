"""Rules that relate several parts of a weight file, one small module per rule.

Each module defines `check(wf, ctx) -> Iterable[Problem]`; register it in `RULES` below.
Single-value constraints are field validators on the models instead.
"""

from __future__ import annotations

from healthscore.errors import Problem
from healthscore.weights.model import WeightFile
from healthscore.weights.rules import groups, segments, sources, staleness, tiers
from healthscore.weights.rules._context import RuleContext
from healthscore.weights.yaml_source import Located

RULES = [groups, segments, tiers, staleness, sources]


def run_rules(wf: WeightFile, located: Located,
              unparsed: dict[str, set[str]] | None = None) -> list[Problem]:
    """Every rule's problems; `unparsed`: the entries the format check took out of `wf`."""
    ctx = RuleContext(located, unparsed or {})
    problems: list[Problem] = []
    for rule in RULES:
        problems.extend(rule.check(wf, ctx))
    return problems
