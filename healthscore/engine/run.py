"""One run: a customer table scored chunk by chunk into sinks, and the result it leaves.

There is one way to score a portfolio. `Run` opens the customers as checked chunks (a whole
table is one chunk, a large Parquet file many), makes the plan once, scores each chunk with
the kernel and hands it to every sink; the result carries what the sinks gathered (tier
totals, the outreach list, roll-ups, warnings, the frame when collected) together with the
resolved profiles and group tree, so whatever consumes a run (the output files, the pages,
the history store, a what-if diff) reads the engine's decisions instead of making them again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from healthscore.engine.families import FamilyOutreach
from healthscore.engine.inputs import RunInputs
from healthscore.engine.kernel import make_plan, score_frame
from healthscore.engine.prepare import table_warnings
from healthscore.engine.sinks import Checks, Collector, Outreach, Rollups, Sink, TierTotals
from healthscore.engine.source import CHUNK_ROWS, open_customers
from healthscore.engine.wording import Wording
from healthscore.errors import DataError, Problem
from healthscore.version import __version__
from healthscore.weights.load import load_weights
from healthscore.weights.model import WeightFile
from healthscore.weights.profiles import Profile
from healthscore.weights.resolved import resolve


@dataclass
class RunResult:
    """What a run decided and what produced it."""

    weights: WeightFile
    as_of: date
    profiles: list[Profile]        # the resolved configuration per segment (group trees)
    wording: Wording | None = None  # the sentences every output words signals with
    customers: int = 0
    frame: pd.DataFrame | None = None   # every scored row, when the run collected them
    tiers: pd.DataFrame | None = None   # tier → customers, arr (every tier)
    outreach: pd.DataFrame | None = None  # the outreach list, ranked (`rank` first)
    rollups: pd.DataFrame | None = None   # parent accounts
    warnings: list[Problem] = field(default_factory=list)
    methods: dict[str, str] = field(default_factory=dict)  # signal → how it was computed
    inputs: dict[str, str] = field(default_factory=dict)   # role → path or description
    written: list[Path] = field(default_factory=list)      # files the sinks wrote
    run_id: str = ""    # the content id: as-of date, weights digest, inputs (RunInputs)
    created_at: datetime = field(
        default_factory=lambda: datetime.now(UTC).replace(microsecond=0))
    fingerprints: dict = field(default_factory=dict)       # role → path, size, sha256
    extra: dict = field(default_factory=dict)  # what a caller's sinks add to run.json
    run_inputs: RunInputs | None = field(default=None, repr=False)

    def content_id(self) -> str:
        """The run id (`run_id`), computed from the inputs on first use: as-of date, weights
        digest, every input's content (engine/inputs.py)."""
        if not self.run_id and self.run_inputs is not None:
            self.run_id = self.run_inputs.run_id(self.as_of, self.weights.digest())
            self.fingerprints = dict(self.run_inputs.prints)
        return self.run_id

    @property
    def groups(self) -> list[str]:
        """Every group any profile scores, in weight-file order."""
        return self.weights.all_groups()

    def record(self) -> dict:
        """What produced the run, as data (`run.json`): a run store, what-if diff or backtest
        knows the as-of date, the exact weights and the inputs without re-scoring."""
        return {
            "run_id": self.content_id(),
            "created_at": self.created_at.isoformat(timespec="seconds"),
            "as_of": str(self.as_of),
            "healthscore": __version__,
            "weights": {"name": self.weights.name, "path": self.weights.path,
                        "digest": self.weights.digest()},
            "inputs": {k: str(v) for k, v in self.inputs.items()},
            "customers": int(self.customers),
            "tiers": {str(k): int(v) for k, v in self.tiers["customers"].items()},
            "methods": dict(self.methods),
            "warnings": [str(w) for w in self.warnings],
            "resolved_weights": self.weights.model_dump(mode="json", exclude_none=True),
        } | self.extra


@dataclass
class Run:
    """Score `customers` (a DataFrame or a CSV/Excel/Parquet path) with `weights` as of a date
    into `sinks`; `execute()` returns the `RunResult`.

    `collect=True` keeps every scored row on the result (`result.frame`); leave it off to
    score a portfolio larger than memory straight into files. `columns="summary"` leaves the
    per-signal and per-group columns out, `explain=False` the `reasons`.
    """

    customers: pd.DataFrame | str | Path
    weights: WeightFile | str | Path
    as_of: date | str | None = None
    sinks: Sequence[Sink] = ()
    collect: bool = True
    # the outreach list's length: a count, a function of the portfolio size, None for
    # everyone in the tiers that need action, "weights" for the weight file's `outreach.top`
    outreach_top: int | Callable[[int], int] | str | None = "weights"
    chunk_rows: int = CHUNK_ROWS
    explain: bool = True
    columns: str = "full"
    # what was read: role → path (fingerprinted when the run executes), or a `RunInputs`
    # built once by the caller (the monthly run: it needs the id before reading the data)
    inputs: dict[str, str] | RunInputs = field(default_factory=dict)
    methods: dict[str, str] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)  # found before scoring (the data's)
    progress: Callable[[int, int], None] | None = None
    # the previous run's `tier` and `score` by customer id (as text): a customer leaves its
    # tier only as the weight file's `trend:` hysteresis allows (engine/tiers.held_index)
    previous: pd.DataFrame | None = None
    created_at: datetime | None = None
    extra: dict = field(default_factory=dict)  # the caller's additions to run.json

    def execute(self) -> RunResult:
        wf = load_weights(self.weights)
        resolved = resolve(wf)  # once per run: every batch and the plan share it
        day = as_date(self.as_of)
        source = self.customers if isinstance(self.customers, pd.DataFrame) else \
            Path(self.customers)
        customers = open_customers(source, resolved, self.chunk_rows)
        if customers.total == 0:
            raise DataError(Problem("the customer table has no rows; nothing to score",
                                    file=customers.file))
        plan = make_plan(resolved, pd.Timestamp(day), customers.reference, explain=self.explain,
                         columns=self.columns)
        plan.previous = self.previous
        inputs = self.inputs if isinstance(self.inputs, RunInputs) else RunInputs.of(
            {"weights": wf.path or "<in memory>", "customers": source} | dict(self.inputs))
        result = RunResult(
            weights=wf, as_of=day, profiles=plan.profiles, wording=plan.wording,
            customers=customers.total, methods=dict(self.methods), inputs=dict(inputs.roles),
            run_inputs=inputs,
            warnings=[*self.warnings, *table_warnings(customers.columns, wf, customers.file)])
        if inputs.fingerprinted:  # the caller has the id already (the monthly run)
            result.content_id()
        if self.created_at is not None:
            result.created_at = self.created_at
        result.extra.update(self.extra)
        top = wf.outreach_top() if self.outreach_top == "weights" else self.outreach_top
        top = top(customers.total) if callable(top) else top
        sinks = portfolio_sinks(wf, customers.reference, top, self.chunk_rows, customers.file)
        customers.release()
        sinks += [Collector()] if self.collect else []
        sinks += list(self.sinks)
        try:
            done = 0
            for chunk in customers:
                scored = score_frame(chunk, plan)
                for sink in sinks:
                    sink.add(scored)
                done += len(chunk)
                if self.progress:
                    self.progress(done, customers.total)
            customers.raise_problems()
            for sink in sinks:
                sink.close(result)
        except BaseException as exc:
            for failure in _abort(sinks):
                exc.add_note(f"and a sink failed to clean up: {failure!r}")
            raise
        finally:
            customers.close()
        return result


def portfolio_sinks(wf: WeightFile, reference: pd.DataFrame, top: int | None,
                    chunk_rows: int = CHUNK_ROWS, file: str | None = None) -> list[Sink]:
    """The whole-portfolio sinks every run has, in order: tier totals, the outreach list,
    the family roll-ups and the data checks. `reference` is the whole (checked) table, read
    for its parent ids. The one assembly: a run read back from the store goes through it too.
    """
    family = Rollups(wf, _parent_ids(reference, wf))
    if wf.outreach.families and wf.rollup is not None:  # every candidate, then the families
        return [TierTotals(), Outreach(wf, None, chunk_rows), family,
                FamilyOutreach(wf, top, family), Checks(wf, file, family)]
    return [TierTotals(), Outreach(wf, top, chunk_rows), family, Checks(wf, file, family)]


def _abort(sinks: list[Sink]) -> list[BaseException]:
    """Abort every sink, each even when an earlier one fails to; the failures are returned
    to be noted on the run's own error, which is the one raised."""
    failures = []
    for sink in sinks:
        try:
            sink.abort()
        except Exception as failure:  # noqa: BLE001 - reported on the run's error, not hidden
            failures.append(failure)
    return failures


def _parent_ids(reference: pd.DataFrame, wf: WeightFile) -> np.ndarray:
    if wf.rollup is None or wf.rollup.parent not in reference:
        return np.array([])
    return pd.unique(reference[wf.rollup.parent].dropna())


def as_date(as_of) -> date:
    """The as-of day of whatever a user passes (None: today)."""
    if as_of is None:
        return date.today()
    if isinstance(as_of, datetime):
        return as_of.date()
    if isinstance(as_of, date):
        return as_of
    return pd.Timestamp(as_of).date()


def score_run(customers: pd.DataFrame | str | Path, weights: WeightFile | str | Path, *,
              as_of: date | str | None = None, explain: bool = True) -> RunResult:
    """Score a customer table (a DataFrame or a CSV/Parquet/Excel path) in memory: the
    result's `frame` has every row, plus the tiers, outreach list, roll-ups and warnings."""
    return Run(customers, weights, as_of=as_of, explain=explain).execute()


def score(customers: pd.DataFrame | str | Path, weights: WeightFile | str | Path, *,
          as_of: date | str | None = None, explain: bool = True) -> pd.DataFrame:
    """Score every customer; one row per customer, columns as in docs/architecture.md."""
    return score_run(customers, weights, as_of=as_of, explain=explain).frame
