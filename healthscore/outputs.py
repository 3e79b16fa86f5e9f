"""The files a run writes: scores, the outreach list, parent roll-ups, run.json.

`OutputFiles` is a sink of a `Run`: each scored chunk is appended to `scores.*` in a temporary
folder (on a writer thread, one chunk in flight, so writing overlaps scoring); when the run
closes, the outreach list, the roll-ups and `run.json` are written from the result and the
folder's files replace the previous output together. A failed run changes nothing.
"""

from __future__ import annotations

import contextlib
import json
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pandas as pd

from healthscore.engine.run import RunResult
from healthscore.io.atomic import atomic_dir
from healthscore.io.guard import refuse_replacing
from healthscore.io.writers import TableWriter, write_whole

FORMATS = ("csv", "parquet")
RECORD = "run.json"
# every file a scoring run may write; one it did not write this time is removed
OWNED = (*(f"{stem}.{fmt}" for stem in ("scores", "outreach", "parents") for fmt in FORMATS),
         RECORD)


class OutputFiles:
    """Sink: `scores.*`, `outreach.*`, `parents.*` and `run.json` in `out_dir`, atomically."""

    def __init__(self, out_dir: str | Path, formats: tuple[str, ...] = FORMATS,
                 inputs: tuple[str | Path | None, ...] = (),
                 stage: contextlib.ExitStack | None = None):
        """`inputs`: files the run reads (the customer table), refused as outputs now, before
        any work (`score -c out/scores.csv -o out`). `stage`: a caller's stack the folder is
        staged in: the files are complete when the run closes but replace the previous output
        only when the caller closes the stack (the monthly run: after the run is stored), and
        vanish if it unwinds with an error."""
        self.out_dir, self.formats, self.inputs = Path(out_dir), formats, tuple(inputs)
        refuse_replacing(self.out_dir, OWNED, self.inputs)
        self._staged = stage is not None
        self._stack = stage if stage is not None else contextlib.ExitStack()
        self._tmp: Path | None = None
        self._scores: TableWriter | None = None
        self._io: ThreadPoolExecutor | None = None
        self._pending: Future | None = None

    def _open(self) -> None:
        self._tmp = self._stack.enter_context(atomic_dir(self.out_dir, owns=OWNED,
                                                               inputs=self.inputs))
        self._scores = TableWriter(self._tmp, "scores", self.formats)
        self._io = ThreadPoolExecutor(max_workers=1, thread_name_prefix="healthscore-write")

    def add(self, scored: pd.DataFrame) -> None:
        if self._tmp is None:
            self._open()
        self._wait()
        self._pending = self._io.submit(self._scores.write, scored)

    def _wait(self) -> None:
        if self._pending is not None:
            pending, self._pending = self._pending, None
            pending.result()

    def close(self, result: RunResult) -> None:
        if self._tmp is None:
            self._open()
        self._wait()
        self._shutdown()
        tmp = self._tmp
        write_whole(result.outreach, tmp, "outreach", self.formats)
        stems = ["scores", "outreach"]
        if result.rollups is not None:
            write_whole(result.rollups, tmp, "parents", self.formats)
            stems.append("parents")
        write_record(result.record(), tmp)
        if not self._staged:
            self._stack.close()  # every file in: they replace the previous output together
        self._tmp = None
        result.written += [self.out_dir / f"{stem}.{fmt}" for stem in stems
                           for fmt in self.formats] + [self.out_dir / RECORD]

    def abort(self) -> None:
        self._shutdown()
        if not self._staged:  # a staged folder is discarded by the stage's owner
            # leaving the folder's context with an exception discards the temporary folder
            self._stack.__exit__(RuntimeError, RuntimeError("run failed"), None)
        self._tmp = None

    def _shutdown(self) -> None:
        if self._io is not None:
            self._io.shutdown(wait=True)
            self._io = None
        if self._scores is not None:
            self._scores.close()
            self._scores = None


def write_record(record: dict, folder: Path) -> None:
    (folder / RECORD).write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n",
                                 encoding="utf-8")
