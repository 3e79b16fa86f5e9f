"""The trend and the tier-change events as sinks of a run (the monthly run's).

`TrendSink` compares the run with the store's earlier runs when the run closes (its frame is
collected by then) and adds the volatility to run.json; `EventsSink` writes the tier changes
that comparison found into a staged file, so the events are committed with the run's other
files, after the run is stored.
"""

from __future__ import annotations

import contextlib
from datetime import date
from pathlib import Path

import pandas as pd

from healthscore.engine.run import RunResult
from healthscore.io.atomic import atomic_file
from healthscore.store import Store, StoredRun
from healthscore.trends.events import event_line, tier_events
from healthscore.trends.month import TrendInputs, trend_inputs
from healthscore.trends.worklist import add_to_list
from healthscore.weights.model import WeightFile


class TrendSink:
    """Sink: the run's `TrendInputs` (`self.trend`) against `previous` and the store."""

    def __init__(self, store: Store, weights: WeightFile, as_of: date,
                 previous: StoredRun | None, rescored: pd.DataFrame | None = None,
                 history: pd.DataFrame | None = None):
        self.store, self.weights, self.as_of = store, weights, as_of
        self.previous, self.rescored, self.history = previous, rescored, history
        self.trend: TrendInputs | None = None

    def add(self, scored: pd.DataFrame) -> None:
        """Nothing per chunk: the trend needs the whole collected frame."""

    def close(self, result: RunResult) -> None:
        self.trend = trend_inputs(self.store, result.frame, self.weights, self.as_of,
                                  self.weights.name, previous=self.previous,
                                  rescored=self.rescored, history=self.history)
        result.extra["volatility"] = self.trend.volatility
        add_to_list(result, self.trend, self.weights)

    def abort(self) -> None:
        """Holds only memory."""


class EventsSink:
    """Sink: the tier changes since the previous run as JSON lines in `path`, staged in
    `stage` (committed by whoever owns it)."""

    def __init__(self, trend: TrendSink, path: Path, stage: contextlib.ExitStack):
        self.trend, self.path, self.stage = trend, path, stage
        self.events: list[dict] = []

    def add(self, scored: pd.DataFrame) -> None:
        """Nothing per chunk: events compare whole runs."""

    def close(self, result: RunResult) -> None:
        trend = self.trend.trend
        if trend is not None and trend.previous is not None and trend.parts is not None:
            self.events = tier_events(trend.previous.frame, result.frame, trend.parts,
                                      run_id=result.content_id(), as_of=result.as_of,
                                      labels=trend.labels)
        tmp = self.stage.enter_context(atomic_file(self.path))
        tmp.write_text("".join(event_line(e) + "\n" for e in self.events), encoding="utf-8")

    def abort(self) -> None:
        """The staged file is discarded by the stage's owner."""
