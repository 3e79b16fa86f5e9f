"""What rendering needs to know about a weight file, read in one place.

The scored frame carries the numbers; the weight file carries the words (labels, units,
descriptions, the rules behind explanations), the group tree and the tier colours. This module
is the only one in `render` that reads `WeightFile`, so a change there is fixed here once.
Signals and groups are taken from the frame's columns (what was really scored) and ordered
and labelled by the weight file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from healthscore.render.context import TierInfo

UNKNOWN_TIER_COLOR = "#9ca3af"
PRIORITY_WORDS = {
    "risk_x_arr": "(100 − score) × ARR: the revenue-weighted risk",
    "risk": "100 − score: the lowest scores first",
    "arr": "ARR: the biggest accounts first",
}


def _priority_words(weights: Any) -> str:
    kind = getattr(weights, "priority_kind", None) or getattr(weights, "priority", "risk_x_arr")
    if kind == "expected_loss":
        horizon = weights.priority.expected_loss.horizon
        return (f"expected ARR lost within {horizon}: the backtested probability of churn "
                "for the score × ARR")
    return PRIORITY_WORDS.get(kind, str(kind))


@dataclass(frozen=True)
class SignalMeta:
    key: str
    label: str
    unit: str | None
    description: str | None
    group: str | None
    max_age: str | None
    rule: Any  # ScoreRule of the default profile (None when unknown)
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
    profile_rules: dict[str, dict[str, Any]] = field(default_factory=dict)
    priority_money: bool = False  # priority is an amount (expected_loss): shown in currency

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

    def rule_for(self, profile: str, key: str) -> Any:
        rules = self.profile_rules.get(profile)
        if rules is not None and key in rules:
            return rules[key]
        return self.signals[key].rule


def frame_signals(frame: pd.DataFrame) -> list[str]:
    """Signals are the columns with a `.status`; groups have `.score` but no `.status`."""
    return [c[: -len(".status")] for c in frame.columns if c.endswith(".status")]


def frame_groups(frame: pd.DataFrame, signals: list[str]) -> list[str]:
    known = set(signals)
    return [c[: -len(".score")] for c in frame.columns
            if c.endswith(".score") and c[: -len(".score")] not in known]


def read_meta(weights: Any, frame: pd.DataFrame,
              methods: dict[str, str] | None = None) -> RenderMeta:
    """Labels, tree, tiers and rules from a `WeightFile`, restricted to the frame's columns;
    `methods` (from the run) says how computed signals were computed."""
    in_frame = frame_signals(frame)
    group_keys = frame_groups(frame, in_frame)
    specs: dict[str, Any] = dict(getattr(weights, "signals", {}) or {})
    gspecs: dict[str, Any] = dict(getattr(weights, "groups", {}) or {})

    tiers = tuple(
        TierInfo(name=t.name, color=t.color, below=t.below, rank=i)
        for i, t in enumerate(getattr(weights, "tiers", []) or []))
    ins = getattr(weights, "insufficient", None)
    insufficient = TierInfo(name=ins.name if ins else "insufficient data",
                            color=ins.color if ins else UNKNOWN_TIER_COLOR, below=None, rank=-1)

    groups: list[GroupMeta] = []
    owner: dict[str, str] = {}
    children = {g for spec in gspecs.values() for g in spec.groups}

    def walk(key: str, depth: int, parent: str | None) -> None:
        spec = gspecs[key]
        sigs = tuple(s for s in spec.signals if s in in_frame)
        for s in sigs:
            owner[s] = key
        if key in group_keys or sigs:
            groups.append(GroupMeta(key=key, label=spec.label or _words(key), depth=depth,
                                    parent=parent, signals=sigs))
        for child in spec.groups:
            if child in gspecs:
                walk(child, depth + 1, key)

    for key in gspecs:
        if key not in children:
            walk(key, 0, None)

    ordered = [k for k in specs if k in in_frame] + [k for k in in_frame if k not in specs]
    signals = {}
    for key in ordered:
        spec = specs.get(key)
        signals[key] = SignalMeta(
            key=key,
            label=(spec.label if spec is not None and spec.label else _words(key)),
            unit=getattr(spec, "unit", None), description=getattr(spec, "description", None),
            group=owner.get(key), max_age=getattr(spec, "max_age", None),
            rule=getattr(spec, "score", None), method=(methods or {}).get(key))
    ungrouped = tuple(k for k in ordered if k not in owner)

    return RenderMeta(
        title=getattr(weights, "name", None) or "Customer health",
        weights_path=getattr(weights, "path", None),
        tiers=tiers, insufficient=insufficient,
        min_coverage=float(getattr(weights, "min_coverage", 0.0) or 0.0),
        priority_rule=_priority_words(weights),
        priority_money=getattr(weights, "priority_kind", "") == "expected_loss",
        signals=signals, groups=tuple(groups), ungrouped=ungrouped,
        profile_rules=_profile_rules(weights, signals))


def _profile_rules(weights: Any, signals: dict[str, SignalMeta]) -> dict[str, dict[str, Any]]:
    """Per profile (segment variation), the score rule of each signal as the engine used it."""
    try:
        profiles = weights.profiles()
    except Exception:  # noqa: BLE001 - explanations then use the default rules
        return {}
    return {p.name: {k: s.score for k, s in p.signals.items() if k in signals}
            for p in profiles}


def _words(key: str) -> str:
    """`open_tickets` → `Open tickets` when the weight file gives no label."""
    text = key.replace("_", " ").replace(".", " ").strip()
    return text[:1].upper() + text[1:]
