"""`render_run`: a scored run → scorecards, the portfolio overview and outreach lists.

Everything that can fail because of user input (templates that do not compile, duplicate ids,
a malformed history) fails before anything is written; pages then render into a staged folder
that replaces the output only when all of them succeeded.

Layout of the output folder:

    index.html                      portfolio overview
    customers/<stem>.html | .md     one scorecard per customer
    outreach/index.html | .md | .csv       everyone's outreach list
    outreach/owner-<stem>.html | .md | .csv each owner's own list
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from healthscore.engine.run import as_date
from healthscore.errors import DataError, Problem
from healthscore.io.cite import duplicate_ids
from healthscore.io.guard import refuse_inputs
from healthscore.render.build import SCORECARD_DIR, customer_summaries
from healthscore.render.context import OutreachContext, RunInfo
from healthscore.render.env import Templates
from healthscore.render.history import past_points
from healthscore.render.meta import RenderMeta, read_meta
from healthscore.render.names import safe_stems
from healthscore.render.output import staged_dir, write_file
from healthscore.render.outreach import OUTREACH_DIR, outreach_contexts, outreach_csv
from healthscore.render.pool import Progress, ScorecardJob, render_scorecards
from healthscore.render.portfolio import parent_views, portfolio_context


@dataclass(frozen=True)
class RenderResult:
    """What was written, for the CLI summary and for tests."""

    out_dir: Path
    portfolio: Path
    scorecards: int  # customers rendered (each as HTML and Markdown)
    outreach: list[Path] = field(default_factory=list)  # every outreach file (html, md, csv)
    seconds: float = 0.0

    def scorecard_paths(self, customer_stem: str) -> tuple[Path, Path]:
        base = self.out_dir / SCORECARD_DIR / customer_stem
        return base.with_suffix(".html"), base.with_suffix(".md")

    @property
    def files(self) -> int:
        return 1 + 2 * self.scorecards + len(self.outreach)


def _version() -> str:
    try:
        return metadata.version("healthscore")
    except metadata.PackageNotFoundError:
        return "dev"


def run_info(meta: RenderMeta, as_of: date, count: int, has_history: bool,
             currency: str = "$", generated_at: datetime | None = None) -> RunInfo:
    now = generated_at or datetime.now(UTC).replace(microsecond=0)
    return RunInfo(
        title=meta.title, as_of=as_of, generated_at=now,
        weights_name=meta.title, weights_path=meta.weights_path, currency=currency,
        tiers=list(meta.tiers), insufficient=meta.insufficient, min_coverage=meta.min_coverage,
        customer_count=count, has_history=has_history, version=_version())


def render_run(run: Any, out_dir: str | Path, *, template_dir: str | Path | None = None,
               history: pd.DataFrame | None = None, owners: Iterable[str] | None = None,
               jobs: int | None = None, progress: Progress | None = None,
               currency: str = "$", generated_at: datetime | None = None) -> RenderResult:
    """Render a `ScoreRun` into `out_dir` (replaced as a whole on success).

    `history`: earlier runs (`customer_id, as_of, score, tier`) for trends and movers.
    `owners`: write per-owner outreach lists only for these owners (default: every owner).
    `jobs`: worker processes (default: all cores). `progress(done, total)` is called as
    scorecards finish, so a CLI can draw a progress bar. `generated_at` pins the footer's
    timestamp (default: now), for reproducible output.
    """
    started = time.perf_counter()
    frame: pd.DataFrame = run.frame
    as_of = as_date(run.as_of)
    if len(frame) == 0:
        raise DataError(Problem("the run has no customers; nothing to render"))
    ids = frame["customer_id"].astype(str)
    dupes = sorted(ids[ids.duplicated()].unique().tolist())
    if dupes:
        raise DataError(duplicate_ids(dupes, None, "customer_id"))

    templates = Templates(template_dir)  # compile errors surface before any file is touched
    meta = read_meta(run.weights, frame, getattr(run, "methods", None))
    past = past_points(history, as_of, meta.tier_colors)
    info = run_info(meta, as_of, len(frame), history is not None and len(history) > 0,
                    currency, generated_at)
    stems = safe_stems(ids)
    summaries = customer_summaries(frame, meta, stems, past, as_of)
    owner_filter = None if owners is None else list(owners)

    outreach = outreach_contexts(info, summaries, meta.priority_rule, owner_filter)
    outreach_files = [Path(f"{stem}{suffix}") for stem, _ in outreach
                      for suffix in (".html", ".md", ".csv")]
    inputs = dict(getattr(run, "inputs", {}))
    refuse_inputs(out_dir, [*inputs.values(), template_dir],
                  folders=[inputs.get("customers"), template_dir])
    with staged_dir(out_dir) as tmp:
        (tmp / SCORECARD_DIR).mkdir()
        (tmp / OUTREACH_DIR).mkdir()

        def portfolio_page() -> None:
            parents = parent_views(getattr(run, "rollups", None), summaries, meta.tier_colors)
            ctx = portfolio_context(info, summaries, past, f"{OUTREACH_DIR}/index.html",
                                    parents, {c.owner for _, c in outreach if c.owner})
            write_file(tmp / "index.html", templates.render("portfolio.html.j2", ctx))

        def outreach_page(stem: str, ctx: OutreachContext) -> Callable[[], None]:
            def write() -> None:
                write_file(tmp / f"{stem}.html", templates.render("outreach.html.j2", ctx))
                write_file(tmp / f"{stem}.md", templates.render("outreach.md.j2", ctx))
                write_file(tmp / f"{stem}.csv", outreach_csv(ctx))
            return write

        pages = [portfolio_page, *(outreach_page(stem, ctx) for stem, ctx in outreach)]
        job = ScorecardJob(frame=frame, summaries=summaries, meta=meta, run=info, past=past,
                           templates=templates, folder=tmp / SCORECARD_DIR, pages=pages)
        count = render_scorecards(job, jobs=jobs, progress=progress)

    target = Path(out_dir).absolute()
    return RenderResult(out_dir=target, portfolio=target / "index.html", scorecards=count,
                        outreach=[target / p for p in outreach_files],
                        seconds=time.perf_counter() - started)
