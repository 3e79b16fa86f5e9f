"""What rendering needs to know about a run's weight file, read in one place.

The scored frame carries the numbers; the run's weight file and resolved profiles carry the
words (labels, units, descriptions), the rules each profile applied, the group tree and the
tier colours. This module is the only one in `render` that reads them, so a change there is
fixed here once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from healthscore.engine.run import RunResult
from healthscore.engine.wording import display_label
from healthscore.render.context import TierInfo
from healthscore.weights.model import ScoreRule

UNKNOWN_TIER_COLOR = "#9ca3af"
PRIORITY_WORDS = {
    "risk_x_arr": "risk-weighted ARR, (100 − score)% of ARR",
    "risk": "100 − score: the lowest scores first",
    "arr": "ARR: the biggest accounts first",
}


@dataclass(frozen=True)
class SignalMeta:
    key: str
    label: str
    unit: str | None
    description: str | None
    group: str | None
    max_age: str | None
    rule: ScoreRule  # of the first file that defines the signal
    method: str | None = None  # how a computed signal was computed, in words


@dataclass(frozen=True)
class GroupMeta:
    key: str
    label: str
    depth: int
    parent: str | None
    signals: tuple[str, ...]


@dataclass(frozen=True)
class RenderMeta:
    title: str
    weights_path: str | None
    tiers: tuple[TierInfo, ...]
    insufficient: TierInfo
    min_coverage: float
    priority_rule: str
    signals: dict[str, SignalMeta]  # weight-file order
    groups: tuple[GroupMeta, ...]  # tree order
    ungrouped: tuple[str, ...]
    profile_rules: dict[str, dict[str, ScoreRule]] = field(default_factory=dict)

    @property
    def tier_colors(self) -> dict[str, str]:
        colors = {t.name: t.color for t in self.tiers}
        colors[self.insufficient.name] = self.insufficient.color
        return colors

    @property
    def tier_ranks(self) -> dict[str, int]:
        ranks = {t.name: t.rank for t in self.tiers}
        ranks[self.insufficient.name] = -1
        return ranks

    def rule_for(self, profile: str, key: str) -> ScoreRule:
        rules = self.profile_rules.get(profile)
        if rules is not None and key in rules:
            return rules[key]
        return self.signals[key].rule


def read_meta(run: RunResult) -> RenderMeta:
    """Labels, tree, tiers and rules of the run's weight file; the signals are the ones the
    run scored (every signal any profile uses), the rules those each profile applied."""
    wf = run.weights
    specs = wf.all_signals()
    tiers = tuple(TierInfo(name=t.name, color=t.color, below=t.below, rank=i)
                  for i, t in enumerate(wf.tiers))
    insufficient = TierInfo(name=wf.insufficient.name, color=wf.insufficient.color,
                            below=None, rank=-1)
    groups: list[GroupMeta] = []
    owner: dict[str, str] = {}
    children = {g for spec in wf.groups.values() for g in spec.groups}

    def walk(key: str, depth: int, parent: str | None) -> None:
        spec = wf.groups[key]
        sigs = tuple(s for s in spec.signals if s in specs)
        for s in sigs:
            owner[s] = key
        groups.append(GroupMeta(key=key, label=spec.label or display_label(wf, key),
                                depth=depth, parent=parent, signals=sigs))
        for child in spec.groups:
            walk(child, depth + 1, key)

    for key in wf.groups:
        if key not in children:
            walk(key, 0, None)
    signals = {key: SignalMeta(key=key, label=display_label(wf, key), unit=spec.unit,
                               description=spec.description, group=owner.get(key),
                               max_age=spec.max_age, rule=spec.score,
                               method=run.methods.get(key))
               for key, spec in specs.items()}
    return RenderMeta(
        title=wf.name, weights_path=wf.path, tiers=tiers, insufficient=insufficient,
        min_coverage=wf.min_coverage, priority_rule=PRIORITY_WORDS[wf.priority],
        signals=signals, groups=tuple(groups),
        ungrouped=tuple(k for k in signals if k not in owner),
        profile_rules={p.name: {k: s.score for k, s in p.signals.items()}
                       for p in run.profiles})
