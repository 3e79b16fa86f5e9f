"""Effective configuration per segment.

A weight file describes a default plus variations; the engine wants, for each group of
customers, one fully resolved tree of weighted signals. A `Profile` is that tree: overrides
applied, switched-off signals removed, empty groups dropped. This module reads the model;
the model knows nothing of profiles (a run resolves them once: `weights/resolved.py`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from healthscore.weights.model import SignalSpec, WeightFile

DEFAULT_PROFILE = "default"


@dataclass(frozen=True)
class Node:
    """A signal (leaf) or a group in the weight tree."""

    name: str
    kind: str  # "signal" | "group" | "root"
    weight: float
    children: tuple[Node, ...] = ()

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass
class Profile:
    """The resolved scoring configuration for one segment (or the default)."""

    name: str
    match: dict[str, list]
    signals: dict[str, SignalSpec]
    root: Node
    missing: str
    neutral: float
    off: frozenset[str] = field(default_factory=frozenset)
    file: str | None = None

    def signal_policy(self, name: str) -> tuple[str, float]:
        """(missing policy, substitute score) for one signal."""
        spec = self.signals[name]
        policy = spec.missing or self.missing
        neutral = spec.neutral if spec.neutral is not None else self.neutral
        return policy, (0.0 if policy == "zero" else neutral)

    def groups(self) -> list[Node]:
        return [n for n in self.root.walk() if n.kind == "group"]

    def shares(self) -> dict[str, float]:
        """Share of the overall score each signal carries when every signal has data."""
        out: dict[str, float] = {}

        def visit(node: Node, share: float) -> None:
            total = sum(c.weight for c in node.children)
            for child in node.children:
                s = share * child.weight / total
                if child.kind == "signal":
                    out[child.name] = s
                else:
                    visit(child, s)

        visit(self.root, 1.0)
        return out


def _tree(wf: WeightFile, signals: dict[str, SignalSpec],
          group_weights: dict[str, float]) -> Node:
    grouped = {s for g in wf.groups.values() for s in g.signals}
    nested = {c for g in wf.groups.values() for c in g.groups}

    def group_node(name: str, seen: frozenset[str]) -> Node | None:
        spec = wf.groups[name]
        kids: list[Node] = []
        for sub in spec.groups:
            if sub in wf.groups and sub not in seen:
                node = group_node(sub, seen | {sub})
                if node is not None:
                    kids.append(node)
        for sig in spec.signals:
            if sig in signals:
                kids.append(Node(sig, "signal", signals[sig].weight))
        if not kids:
            return None
        return Node(name, "group", group_weights.get(name, spec.weight), tuple(kids))

    top: list[Node] = []
    for name in wf.groups:
        if name not in nested:
            node = group_node(name, frozenset({name}))
            if node is not None:
                top.append(node)
    for name, spec in signals.items():
        if name not in grouped:
            top.append(Node(name, "signal", spec.weight))
    return Node("", "root", 1.0, tuple(top))


def _profile(wf: WeightFile, name: str, match: dict, overrides=None, weights=None,
             off=()) -> Profile:
    overrides = overrides or {}
    weights = weights or {}
    signals: dict[str, SignalSpec] = {}
    for sig, spec in wf.signals.items():
        if sig in off:
            continue
        override = overrides.get(sig)
        changes = ({k: getattr(override, k) for k in override.model_fields_set}
                   if override is not None else {})
        if sig in weights:
            changes["weight"] = weights[sig]
        signals[sig] = spec.model_copy(update=changes) if changes else spec
    group_weights = {g: w for g, w in weights.items() if g in wf.groups}
    match = {k: (v if isinstance(v, list) else [v]) for k, v in match.items()}
    return Profile(name=name, match=match, signals=signals,
                   root=_tree(wf, signals, group_weights), missing=wf.missing,
                   neutral=wf.neutral, off=frozenset(off), file=wf.path)


def build_profiles(wf: WeightFile) -> list[Profile]:
    """The segment profiles in match order, then the default profile last."""
    profiles: list[Profile] = []
    for seg_name, seg in wf.segments.items():
        base = wf._segment_files.get(seg_name, wf) if seg.use else wf
        profiles.append(_profile(base, seg_name, seg.match, seg.signals, seg.weights, seg.disable))
    profiles.append(_profile(wf, DEFAULT_PROFILE, {}))
    return profiles
