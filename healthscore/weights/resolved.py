"""A weight file resolved once for a run: its profiles and the facts every chunk needs.

Resolving (`build_profiles`: overrides applied, trees built) costs the same for every chunk
and gives the same answer, so a run does it once and passes this object down to the reader
that checks each batch and to the kernel's plan, instead of each asking the weight file again.
"""

from __future__ import annotations

from dataclasses import dataclass

from healthscore.weights.model import SignalSpec, WeightFile
from healthscore.weights.profiles import Profile, build_profiles


@dataclass(frozen=True)
class ResolvedWeights:
    """`wf` with its profiles (segments in match order, the default last) resolved."""

    wf: WeightFile
    profiles: list[Profile]
    signals: dict[str, SignalSpec]  # every signal any profile can use (`all_signals`)
    groups: list[str]               # every group any profile can use (`all_groups`)
    numeric: frozenset[str]         # signals some profile scores as numbers (not `map` only)


def resolve(wf: WeightFile) -> ResolvedWeights:
    """Resolve `wf` for one run."""
    profiles = build_profiles(wf)
    kinds: dict[str, set[str]] = {}
    for profile in profiles:
        for name, spec in profile.signals.items():
            kinds.setdefault(name, set()).add(spec.score.kind)
    return ResolvedWeights(wf=wf, profiles=profiles, signals=wf.all_signals(),
                           groups=wf.all_groups(),
                           numeric=frozenset(n for n, k in kinds.items() if k != {"map"}))
