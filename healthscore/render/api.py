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

import contextlib
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd

from healthscore.engine.run import RunResult, as_date
from healthscore.errors import DataError, Problem
from healthscore.io.cite import duplicate_ids
from healthscore.io.guard import refuse_inputs
from healthscore.io.writers import write_whole
from healthscore.render.build import SCORECARD_DIR, customer_summaries
from healthscore.render.context import OutreachContext, RunInfo, TierShare, Trend
from healthscore.render.env import Templates
from healthscore.render.history import past_points
from healthscore.render.meta import RenderMeta, read_meta
from healthscore.render.names import safe_stems
from healthscore.render.output import staged_dir, write_file
from healthscore.render.outreach import OUTREACH_DIR, outreach_contexts
from healthscore.render.pool import Progress, ScorecardJob, render_scorecards
from healthscore.render.portfolio import parent_views, portfolio_context
from healthscore.version import __version__


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


def run_info(meta: RenderMeta, as_of: date, count: int, has_history: bool,
             currency: str = "$", generated_at: datetime | None = None,
             run: RunResult | None = None) -> RunInfo:
    now = generated_at or datetime.now(UTC).replace(microsecond=0)
    extra = {}
    if run is not None:
        extra = {"dead_band": run.weights.trend_settings().dead_band,
                 "stale": [str(s) for s in run.extra.get("stale") or []]}
    return RunInfo(
        title=meta.title, as_of=as_of, generated_at=now,
        weights_name=meta.title, weights_path=meta.weights_path, currency=currency,
        tiers=list(meta.tiers), insufficient=meta.insufficient, min_coverage=meta.min_coverage,
        customer_count=count, has_history=has_history, version=__version__, **extra)


def stored_changes(trends: pd.DataFrame | None) -> dict[str, dict]:
    """Per customer id the `Trend` fields the run store adds (NaN → None)."""
    if trends is None or len(trends) == 0:
        return {}
    fields = [c for c in Trend.model_fields if c in trends.columns]
    rows = trends[fields].astype(object).where(trends[fields].notna(), None)
    return dict(zip(trends["customer_id"].astype(str), rows.to_dict("records"), strict=True))


def tier_shares(over_time: pd.DataFrame, meta: RenderMeta) -> list[TierShare]:
    return [TierShare(as_of=as_date(r["as_of"]), tier=str(r["tier"]),
                      color=meta.tier_colors.get(str(r["tier"]), "#9ca3af"),
                      customers=int(r["customers"]), share=float(r["share"]),
                      arr=float(r["arr"]), arr_share=float(r["arr_share"]))
            for r in over_time.to_dict("records")]


def render_run(run: RunResult, out_dir: str | Path, *, template_dir: str | Path | None = None,
               history: pd.DataFrame | None = None, owners: Iterable[str] | None = None,
               jobs: int | None = None, progress: Progress | None = None,
               currency: str = "$", generated_at: datetime | None = None,
               trends: pd.DataFrame | None = None,
               over_time: pd.DataFrame | None = None,
               stage: contextlib.ExitStack | None = None) -> RenderResult:
    """Render a run (its `frame` collected) into `out_dir` (replaced as a whole on success).

    The pages show the run's decisions as they are: its tiers, its outreach list and order,
    its drivers in the engine's words, its weight file's structure.

    `history`: earlier runs (`customer_id, as_of, score, tier`) for trends and movers.
    `owners`: write per-owner outreach lists only for these owners (default: every owner).
    `jobs`: worker processes (default: all cores). `progress(done, total)` is called as
    scorecards finish, so a CLI can draw a progress bar. `generated_at` pins the footer's
    timestamp (default: now), for reproducible output. `trends` (per `customer_id`: any of
    the stored-trend fields of `Trend`, e.g. `direction`, `attribution`) and `over_time`
    (`as_of, tier, customers, share, arr, arr_share`) come from the run store
    (healthscore/monthly.py builds them). `stage`: a caller's stack the pages are staged in
    (complete when this returns; they replace `out_dir` when the caller closes the stack).
    """
    started = time.perf_counter()
    frame = run.frame
    if frame is None:
        raise DataError(Problem("the run did not collect its customers (collect=False); "
                                "render needs the scored frame"))
    as_of = as_date(run.as_of)
    if len(frame) == 0:
        raise DataError(Problem("the run has no customers; nothing to render"))
    ids = frame["customer_id"].astype(str)
    dupes = sorted(ids[ids.duplicated()].unique().tolist())
    if dupes:
        raise DataError(duplicate_ids(dupes, None, "customer_id"))

    templates = Templates(template_dir)  # compile errors surface before any file is touched
    meta = read_meta(run)
    past = past_points(history, as_of, meta.tier_colors)
    info = run_info(meta, as_of, len(frame), history is not None and len(history) > 0,
                    currency, generated_at, run)
    stems = safe_stems(ids)
    summaries = customer_summaries(frame, meta, stems, past, as_of)
    owner_filter = None if owners is None else list(owners)

    parents = parent_views(run.rollups, summaries, meta.tier_colors)
    outreach = outreach_contexts(info, summaries, run.outreach, meta.priority_rule,
                                 run.weights.priority != "risk", owner_filter, parents)
    outreach_files = [Path(f"{stem}{suffix}") for stem, _, _ in outreach
                      for suffix in (".html", ".md", ".csv")]
    refuse_inputs(out_dir, [*run.inputs.values(), template_dir],
                  folders=[run.inputs.get("customers"), template_dir])
    with contextlib.ExitStack() as own:
        tmp = (stage or own).enter_context(staged_dir(out_dir))
        (tmp / SCORECARD_DIR).mkdir()
        (tmp / OUTREACH_DIR).mkdir()

        def portfolio_page() -> None:
            ctx = portfolio_context(info, summaries, past, f"{OUTREACH_DIR}/index.html",
                                    parents, {c.owner for _, c, _ in outreach if c.owner},
                                    tier_totals=run.tiers)
            if over_time is not None and len(over_time):
                ctx = ctx.model_copy(update={"over_time": tier_shares(over_time, meta)})
            write_file(tmp / "index.html", templates.render("portfolio.html.j2", ctx))

        def outreach_page(stem: str, ctx: OutreachContext, rows: pd.DataFrame
                          ) -> Callable[[], None]:
            def write() -> None:
                write_file(tmp / f"{stem}.html", templates.render("outreach.html.j2", ctx))
                write_file(tmp / f"{stem}.md", templates.render("outreach.md.j2", ctx))
                # the run's outreach table, the same columns as scores/outreach.csv
                write_whole(rows, tmp / Path(stem).parent, Path(stem).name, ("csv",))
            return write

        pages = [portfolio_page, *(outreach_page(*job) for job in outreach)]
        job = ScorecardJob(frame=frame, summaries=summaries, meta=meta, run=info, past=past,
                           templates=templates, folder=tmp / SCORECARD_DIR, pages=pages,
                           parents=parents, changes=stored_changes(trends))
        count = render_scorecards(job, jobs=jobs, progress=progress)

    target = Path(out_dir).absolute()
    return RenderResult(out_dir=target, portfolio=target / "index.html", scorecards=count,
                        outreach=[target / p for p in outreach_files],
                        seconds=time.perf_counter() - started)
