"""What rendering needs to know about a run's weight file, read in one place.

The scored frame carries the numbers; the run's weight file and resolved profiles carry the
words (labels, units, descriptions), the rules each profile applied, the group tree and the
tier colours. This module is the only one in `render` that reads them, so a change there is
fixed here once.
"""

from __future__ import annotations

from dataclasses import dataclass

from healthscore.engine.run import RunResult
from healthscore.engine.wording import Wording, display_label
from healthscore.render.context import TierInfo
from healthscore.weights.profiles import Node

UNKNOWN_TIER_COLOR = "#9ca3af"
PRIORITY_WORDS = {
    "risk_x_arr": "risk-weighted ARR, (100 − score)% of ARR",
    "risk": "100 − score: the lowest scores first",
    "arr": "ARR: the biggest accounts first",
}


@dataclass(frozen=True)
class SignalMeta:
    key: str
    label: str  # the base file's; a profile may relabel it (`ProfileTree.labels`)
    unit: str | None
    description: str | None
    method: str | None = None  # how a computed signal was computed, in words


@dataclass(frozen=True)
class GroupMeta:
    key: str
    label: str
    depth: int
    parent: str | None
    signals: tuple[str, ...]


@dataclass(frozen=True)
class ProfileTree:
    """One profile's structure as the engine scored it: its groups in tree order, its
    signals outside any group, and its labels (a segment's `label:` overrides apply)."""

    groups: tuple[GroupMeta, ...]
    ungrouped: tuple[str, ...]
    labels: dict[str, str]


@dataclass(frozen=True)
class RenderMeta:
    title: str
    weights_path: str | None
    tiers: tuple[TierInfo, ...]
    insufficient: TierInfo
    min_coverage: float
    priority_rule: str
    signals: dict[str, SignalMeta]  # every signal the run scored, weight-file order
    trees: dict[str, ProfileTree]   # per profile name
    wording: Wording                # the run's sentences (engine/wording.py)

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

    @property
    def group_keys(self) -> list[str]:
        """Every group of any profile."""
        return list(dict.fromkeys(g.key for tree in self.trees.values() for g in tree.groups))

    def label(self, profile: str, key: str) -> str:
        return self.trees[profile].labels.get(key, self.signals[key].label)


def read_meta(run: RunResult) -> RenderMeta:
    """Labels, trees and tiers of the run: the structure is each resolved profile's (the
    engine's), read here once; the words are the weight files'."""
    wf = run.weights
    specs = wf.all_signals()
    group_specs = {**{g: s for seg in wf.segment_files.values() for g, s in seg.groups.items()},
                   **wf.groups}
    tiers = tuple(TierInfo(name=t.name, color=t.color, below=t.below, rank=i)
                  for i, t in enumerate(wf.tiers))
    insufficient = TierInfo(name=wf.insufficient.name, color=wf.insufficient.color,
                            below=None, rank=-1)
    signals = {key: SignalMeta(key=key, label=display_label(wf, key), unit=spec.unit,
                               description=spec.description, method=run.methods.get(key))
               for key, spec in specs.items()}

    def group_label(key: str) -> str:
        spec = group_specs.get(key)
        return spec.label if spec is not None and spec.label else display_label(wf, key)

    trees = {}
    for profile in run.profiles:
        groups = _groups(profile.root, group_label)
        grouped = {s for g in groups for s in g.signals}
        trees[profile.name] = ProfileTree(
            groups=groups, ungrouped=tuple(s for s in profile.signals if s not in grouped),
            labels={k: s.label or signals[k].label for k, s in profile.signals.items()})
    return RenderMeta(
        title=wf.name, weights_path=wf.path, tiers=tiers, insufficient=insufficient,
        min_coverage=wf.min_coverage, priority_rule=PRIORITY_WORDS[wf.priority],
        signals=signals, trees=trees, wording=run.wording)


def _groups(root: Node, label, depth: int = 0, parent: str | None = None
            ) -> tuple[GroupMeta, ...]:
    """The groups under `root`, depth first, each with the signals directly in it."""
    out: list[GroupMeta] = []
    for child in root.children:
        if child.kind == "group":
            out.append(GroupMeta(
                key=child.name, label=label(child.name), depth=depth, parent=parent,
                signals=tuple(c.name for c in child.children if c.kind == "signal")))
            out += _groups(child, label, depth + 1, child.name)
    return tuple(out)
