"""What a run read, resolved once: each input role's file, folder, URL or table, and its
fingerprint.

A run's id is a hash of what determines its results: the as-of date, the resolved weights'
digest and the content of every input (the customer table or each raw export, and the
outcomes file that decides who has churned). One `RunInputs` is built per run, before any
data is read, so the same object gives `run.json`'s inputs, the store's fingerprints and the
run id, and a month already stored with the same inputs can be skipped before its signals
are computed. The weight file's path is recorded but not hashed: its resolved digest counts,
so a comment edit is not a new run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pandas as pd

from healthscore.io.fingerprint import fingerprints, run_id


@dataclass(frozen=True)
class RunInputs:
    """role → what was read (`roles`, as text for run.json) and its fingerprint (`prints`,
    computed once, when first asked for: hashing a million-row table takes longer than
    scoring it, so a notebook's `score()` that never asks for its id never pays for it)."""

    roles: dict[str, str] = field(default_factory=dict)
    given: dict = field(default_factory=dict, repr=False)  # role → path, URL or DataFrame

    @classmethod
    def of(cls, roles: dict[str, str | Path | pd.DataFrame | None]) -> RunInputs:
        """The roles given (None: left out), fingerprinted on first use."""
        given = {k: v for k, v in roles.items() if v is not None}
        shown = {k: "<DataFrame>" if isinstance(v, pd.DataFrame) else str(v)
                 for k, v in given.items()}
        return cls(roles=shown, given=given)

    @cached_property
    def prints(self) -> dict[str, dict]:
        """role → path, size and SHA-256 (of a DataFrame: rows and content hash)."""
        return fingerprints(self.given)

    @property
    def fingerprinted(self) -> bool:
        """Whether `prints` has been computed (then a run id costs nothing)."""
        return "prints" in self.__dict__

    def run_id(self, as_of, weights_digest: str) -> str:
        """The content id of a run of these inputs as of `as_of` with these weights."""
        return run_id(str(as_of), weights_digest, self.prints)

