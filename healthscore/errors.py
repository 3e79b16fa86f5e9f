"""Errors a user can act on.

Every mistake in a user's input (a weight file, a data table, a template) becomes a
`Problem` that names where it is (file, line or row, key path or column) and what was
expected. Problems are collected, not raised one by one, so a user fixes everything in
one pass; the CLI prints them and exits non-zero without a traceback.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong in one place."""

    message: str
    file: str | None = None
    line: int | None = None
    key: str | None = None
    severity: str = "error"  # "error" stops the run; "warning" is reported and the run goes on

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = self.file + (f":{self.line}" if self.line else "") + ": "
        key = f"{self.key}: " if self.key else ""
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{where}{prefix}{key}{self.message}"


class HealthscoreError(Exception):
    """A user mistake (bad input, bad configuration). The CLI shows it without a traceback."""

    def __init__(self, problems: Problem | str | Iterable[Problem]):
        if isinstance(problems, str):
            problems = [Problem(problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        super().__init__(self.report())

    def report(self) -> str:
        if len(self.problems) == 1:
            return str(self.problems[0])
        lines = [f"{len(self.problems)} problems:"]
        lines += [f"  {p}" for p in self.problems]
        return "\n".join(lines)


class WeightFileError(HealthscoreError):
    """One or more weight files are invalid; carries every problem found in every file."""


class DataError(HealthscoreError):
    """An input table cannot be used as it is."""


class TemplateError(HealthscoreError):
    """A scorecard template failed to load or render."""
