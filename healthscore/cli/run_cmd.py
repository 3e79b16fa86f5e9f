"""`healthscore run --month 2026-10`: the monthly scorecards as one reproducible command."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from healthscore.cli.app import console
from healthscore.cli.options import AllowOutsideOpt, CustomersOpt, DataOpt, StoreOpt, WeightsOpt


def _webhook_url(value: str | None) -> str | None:
    """An http(s) URL, checked before any month is scored (the message masks its path)."""
    from healthscore.errors import HealthscoreError
    from healthscore.trends.webhook import check_url

    if value is None:
        return None
    try:
        return check_url(value)
    except HealthscoreError as exc:
        raise typer.BadParameter(exc.problems[0].message) from None


def register(app: typer.Typer) -> None:
    @app.command("run")
    def run(
        weights: WeightsOpt,
        month: Annotated[str | None, typer.Option(
            "--month", help="score as of the end of this month, YYYY-MM")] = None,
        backfill: Annotated[str | None, typer.Option(
            "--backfill", help="replay the months FIRST..LAST (e.g. 2026-01..2026-10) from "
                               "the raw exports")] = None,
        store: StoreOpt = None,
        out: Annotated[Path, typer.Option("--out", "-o", help="folder holding one folder per "
                                          "month")] = Path("monthly"),
        customers: CustomersOpt = None,
        data: DataOpt = None,
        templates: Annotated[Path | None, typer.Option(
            "--templates", "-t", help="your template folder")] = None,
        outcomes: Annotated[Path | None, typer.Option(
            "--outcomes", help="table of churned accounts: customer_id, churned_at")] = None,
        webhook: Annotated[str | None, typer.Option(
            "--webhook", callback=_webhook_url,
            help="POST each tier-change event as JSON to this http(s) URL (all deliveries "
                 "of a month within $HEALTHSCORE_WEBHOOK_DEADLINE seconds, default 300)")
        ] = None,
        force: Annotated[bool, typer.Option(
            "--force", help="score months already stored with the same inputs again")] = False,
        allow_stale: Annotated[bool, typer.Option(
            "--allow-stale", help="score even when a raw export ends too long before the "
                                  "month's end (recorded as a warning on the run and its "
                                  "pages)")] = False,
        quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress bar")] = False,
        allow_outside: AllowOutsideOpt = False,
    ) -> None:
        """Score each month as of its last day, record it in the store, render its reports."""
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
        from rich.table import Table

        from healthscore.cli.app import escape, print_warnings
        from healthscore.errors import HealthscoreError, Problem
        from healthscore.monthly import month_end, month_range, run_month
        from healthscore.store import open_store
        from healthscore.weights.load import load_weights

        if month is None and backfill is None:
            raise typer.BadParameter("give --month YYYY-MM, --backfill FIRST..LAST or both",
                                     param_hint="--month")
        months = month_range(backfill) if backfill else []
        if month is not None:
            month_end(month)
            months = sorted({*months, month})
        wf = load_weights(weights, confine=not allow_outside)
        results = []
        columns = ["[progress.description]{task.description}", BarColumn(),
                   MofNCompleteColumn(), TimeElapsedColumn()]
        with open_store(store) as opened, Progress(
                *columns, console=console, transient=True, disable=quiet) as bar:
            task = bar.add_task("months", total=len(months))
            for m in months:
                bar.update(task, description=f"scoring {m}")
                try:
                    results.append(run_month(wf, opened, out, m, data_dir=data,
                                             customers=customers, template_dir=templates,
                                             webhook=webhook, outcomes=outcomes, force=force,
                                             allow_stale=allow_stale))
                except HealthscoreError as exc:  # say which month stopped, and what is kept
                    done = [r.month for r in results]
                    kept = (f"{', '.join(done)} {'is' if len(done) == 1 else 'are'} stored"
                            if done else "no month was stored")
                    raise type(exc)([Problem(f"{m} was not scored (its folder and the store "
                                             f"are as they were); {kept}", key="--month"),
                                     *exc.problems]) from None
                bar.advance(task)
            where = opened.where
        for r in results:
            if r.run is not None:
                print_warnings(r.run.warnings)
        table = Table(title=f"run store {where}", title_justify="left")
        for name in ("month", "run", "customers", "tier changes", "churned", "folder"):
            table.add_column(name)
        for r in results:
            table.add_row(r.month, r.run_id, "skipped: already stored" if r.skipped
                          else f"{r.customers:,}", "" if r.skipped else str(len(r.events)),
                          "" if r.skipped else str(r.churned), escape(str(r.folder)))
        console.print(table)
        for r in results:
            if r.weights_changed:
                console.print(f"{r.month}: the weights differ from the previous stored run's; "
                              "scorecards split each change into the formula's share and the "
                              "customer's")
        last = next((r for r in reversed(results) if not r.skipped), None)
        if last is not None and last.volatility.get("median_abs_change") is not None:
            v = last.volatility
            share = v["revert_share"]
            console.print(
                f"volatility over the stored runs: median move {v['median_abs_change']:.1f} "
                f"points; {v['reverted']} of {v['flips']} tier changes reverted at the next run"
                + (f" ({share:.0%})" if share is not None else ""))
