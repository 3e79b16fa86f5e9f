"""What a rule needs to report a located problem."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field

from healthscore.errors import Problem
from healthscore.weights.yaml_source import KeyPath, Located, dotted


@dataclass
class RuleContext:
    located: Located
    # section → entries that did not parse (weights/salvage.py): named, but already reported
    unparsed: dict[str, set[str]] = field(default_factory=dict)

    def defined(self, section: str, names: Iterable[str]) -> set[str]:
        """The names `section` defines: those that parsed and those that did not (a
        reference to the latter is not an unknown name; its own problem is reported)."""
        return set(names) | self.unparsed.get(section, set())

    def problem(self, path: KeyPath, message: str, severity: str = "error") -> Problem:
        file, line = self.located.where(path)
        return Problem(message, file=file, line=line, key=dotted(path), severity=severity)


def unknown(kind: str, name: str, known: Iterable[str]) -> str:
    """`unknown signal `npss`; did you mean `nps`? Known signals: ...`"""
    known = list(known)
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    hint = f"; did you mean `{close[0]}`?" if close else "."
    listing = ", ".join(known) if known else "none"
    return f"unknown {kind} `{name}`{hint} Defined: {listing}."
