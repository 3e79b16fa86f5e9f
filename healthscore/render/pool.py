"""Scorecards rendered over all cores.

Per-customer rendering is pure CPU work (Jinja and string building), so threads would not
help. Workers are forked after the job is prepared: they inherit the compiled templates, the
frame and the summaries without pickling, receive only `(start, stop)` row ranges, and write
their files themselves. Errors travel back as plain tuples (exceptions carrying `Problem`s do
not survive pickling intact) and are re-raised in the parent. Where `fork` is unavailable or
the run is small, the same code runs in-process.

A worker that dies (killed, out of memory) fails the run with a message at once: the pool is
a `concurrent.futures.ProcessPoolExecutor`, which notices a lost process and breaks, where
`multiprocessing.Pool` would wait for its task forever. And the workers die with the process
that started them: killed by SIGKILL or SIGTERM, it leaves no worker rendering on for nobody
(`PR_SET_PDEATHSIG` on Linux, set as each worker starts).
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import traceback
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from healthscore.errors import HealthscoreError, Problem, TemplateError
from healthscore.render.build import scorecard_contexts
from healthscore.render.context import CustomerSummary, ParentView, RunInfo, TrendPoint
from healthscore.render.env import Templates
from healthscore.render.meta import RenderMeta
from healthscore.render.output import write_file
from healthscore.render.portfolio import family_fields

PARALLEL_MIN = 400  # below this, starting processes costs more than it saves
Progress = Callable[[int, int], None]


@dataclass
class ScorecardJob:
    """Everything the workers need; `pages` are the other pages (portfolio, outreach), each a
    function that renders and writes one file, run by the pool alongside the scorecards."""

    frame: pd.DataFrame
    summaries: list[CustomerSummary]
    meta: RenderMeta
    run: RunInfo
    past: dict[str, list[TrendPoint]]
    templates: Templates
    folder: Path  # where scorecards go
    pages: list[Callable[[], object]] = field(default_factory=list)
    changes: dict[str, dict] = field(default_factory=dict)  # customer → stored-trend fields
    parents: list[ParentView] = field(default_factory=list)  # the engine's roll-ups
    # customer id → its scorecard's family fields; filled once from `parents` before rendering
    families: dict[str, dict[str, object]] = field(default_factory=dict)

    def render_range(self, start: int, stop: int) -> int:
        """Write the HTML and Markdown scorecards of rows start..stop; returns how many."""
        sub = self.frame.iloc[start:stop]
        if self.parents and not self.families:
            self.families = family_fields(self.parents, self.summaries)
        families = self.families
        n = 0
        for ctx in scorecard_contexts(sub, self.summaries[start:stop], self.meta, self.run,
                                      self.past, self.changes):
            if ctx.customer.customer_id in families:  # a parent or a child account
                ctx = ctx.model_copy(update=families[ctx.customer.customer_id])
            stem = self.folder / ctx.customer.stem
            html = self.templates.render("scorecard.html.j2", ctx)
            md = self.templates.render("scorecard.md.j2", ctx)
            write_file(f"{stem}.html", html)
            write_file(f"{stem}.md", md)
            n += 1
        return n


_JOB: ScorecardJob | None = None  # the forked workers' view of the job


Task = tuple[int, int] | int  # a row range of scorecards, or the index of a page


def _run(job: ScorecardJob, task: Task) -> int:
    if isinstance(task, int):
        job.pages[task]()
        return 0
    return job.render_range(*task)


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _die_with_parent(parent: int) -> None:
    """Worker initializer: the kernel sends this worker SIGKILL when its parent ends, however
    it ends (a SIGKILL gives the parent no chance to stop its pool). If the parent is already
    gone (it died while this worker was forking), end now."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    if os.getppid() != parent:
        os._exit(1)


def _work(task: Task) -> tuple[int, Any]:
    assert _JOB is not None
    try:
        return _run(_JOB, task), None
    except TemplateError as exc:
        return 0, ("template", [(p.message, p.file, p.line) for p in exc.problems])
    except OSError as exc:  # a full disk, a folder gone: the CLI words it as for any run
        return 0, ("os", (exc.errno, exc.strerror, exc.filename))
    except BaseException:  # noqa: BLE001 - reported in the parent with the worker's trace
        return 0, ("crash", traceback.format_exc())


def _raise(error: Any) -> None:
    kind, detail = error
    if kind == "template":
        raise TemplateError([Problem(m, file=f, line=ln) for m, f, ln in detail])
    if kind == "os":
        raise OSError(*detail)
    raise RuntimeError(f"a render worker failed:\n{detail}")


def plain_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Text and categorical columns as plain Python objects before forking.

    pandas keeps text in Arrow arrays whose C++ thread pool must not be relied on in a forked
    child; with object columns the workers only run Python and NumPy code.
    """
    arrowish = [c for c in frame.columns if not isinstance(frame[c].dtype, np.dtype)
                or frame[c].dtype.kind not in "fiub"]
    if not arrowish:
        return frame
    out = frame.copy(deep=False)
    for c in arrowish:
        out[c] = frame[c].astype(object)
    return out


def default_jobs() -> int:
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # not Linux
        return max(os.cpu_count() or 1, 1)


def render_scorecards(job: ScorecardJob, jobs: int | None = None,
                      progress: Progress | None = None) -> int:
    """Render every scorecard and page of the job; progress(done, total) counts scorecards.

    Pages go first (the portfolio of 10,000 rows is the longest single task) so no core
    idles at the end waiting for it.
    """
    global _JOB
    if job.parents and not job.families:  # once, before workers fork
        job.families = family_fields(job.parents, job.summaries)
    total = len(job.frame)
    jobs = default_jobs() if jobs is None else max(int(jobs), 1)
    parallel = (jobs > 1 and total >= PARALLEL_MIN and sys.platform.startswith("linux")
                and "fork" in multiprocessing.get_all_start_methods())
    size = max(50, min(500, total // (jobs * 8) or 1)) if parallel else max(200, total // 50)
    chunks = [(s, min(s + size, total)) for s in range(0, total, size)]
    tasks: list[Task] = [*range(len(job.pages)), *chunks]
    done = 0
    if progress:
        progress(0, total)
    if not parallel:
        for task in tasks:
            count = _run(job, task)
            done += count
            if progress and count:
                progress(done, total)
        return done
    _JOB = ScorecardJob(**{**job.__dict__, "frame": plain_columns(job.frame)})
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("fork"),
                               initializer=_die_with_parent, initargs=(os.getpid(),))
    try:
        pending = {pool.submit(_work, task) for task in tasks}
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                try:
                    count, error = future.result()
                except BrokenProcessPool:
                    raise WorkerLost(Problem(
                        f"a render worker process ended unexpectedly (killed, or out of "
                        f"memory) after {done:,} of {total:,} scorecards; nothing was "
                        "written: run again (with fewer --jobs if memory is short)")) from None
                if error is not None:
                    _raise(error)
                done += count
                if progress and count:
                    progress(done, total)
    finally:
        _JOB = None
        _stop(pool)
    return done


class WorkerLost(HealthscoreError):
    """A render worker process died; the run stops and writes nothing."""


def _stop(pool: ProcessPoolExecutor) -> None:
    """Stop at once: cancel what has not started and end the workers still running."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join()
