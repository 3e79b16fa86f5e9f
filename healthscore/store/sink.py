"""The run store as a sink of a run: the run is recorded, in one transaction, when it closes.

It comes after the sinks whose output the record describes (the trend adds the volatility to
run.json), and a caller that stages its files commits them only after it (healthscore/
monthly.py), so a run is either stored with its files or not stored at all.
"""

from __future__ import annotations

import pandas as pd

from healthscore.engine.inputs import RunInputs
from healthscore.engine.run import RunResult
from healthscore.store.connect import Store
from healthscore.store.write import Recorded, record_run


class StoreSink:
    """Sink: `record_run` of the run's collected frame and record (the run must collect)."""

    def __init__(self, store: Store, inputs: RunInputs):
        self.store, self.inputs = store, inputs
        self.recorded: Recorded | None = None

    def add(self, scored: pd.DataFrame) -> None:
        """Nothing per chunk: the store writes the collected frame in one transaction."""

    def close(self, result: RunResult) -> None:
        self.recorded = record_run(self.store, result.frame, result.record(),
                                   inputs=self.inputs)
        if self.recorded.run_id != result.content_id():  # one id scheme: the content id
            raise AssertionError(f"store id {self.recorded.run_id} != run id {result.run_id}")

    def abort(self) -> None:
        """The transaction is opened in `close` only: an earlier failure leaves nothing."""
