"""`healthscore render`: scorecards, the portfolio overview and outreach lists as files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from healthscore.cli.app import console
from healthscore.cli.options import (
    AllowOutsideOpt,
    AsOfOpt,
    CustomersOpt,
    DataOpt,
    StoreOpt,
)


def register(app: typer.Typer) -> None:
    @app.command()
    def render(
        weights: Annotated[Path | None, typer.Option(
            "--weights", "-w", help="weight file (YAML); not with --run")] = None,
        customers: CustomersOpt = None,
        data: DataOpt = None,
        out: Annotated[Path, typer.Option("--out", "-o", help="output folder (replaced as a "
                                          "whole when every page rendered)")] = Path("report"),
        as_of: AsOfOpt = None,
        templates: Annotated[Path | None, typer.Option(
            "--templates", "-t", help="your template folder; missing templates fall back to "
                                      "the built-in ones (see docs/templates.md)")] = None,
        history: Annotated[Path | None, typer.Option(
            help="earlier runs (customer_id, as_of, score, tier) for trends and movers")]
        = None,
        owner: Annotated[list[str] | None, typer.Option(
            "--owner", help="write per-owner outreach lists only for this owner "
                            "(repeatable; default: every owner)")] = None,
        jobs: Annotated[int | None, typer.Option(
            "--jobs", "-j", min=1, help="worker processes (default: all cores)")] = None,
        currency: Annotated[str, typer.Option(help="symbol before ARR amounts")] = "$",
        quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress bar")] = False,
        run_id: Annotated[str | None, typer.Option(
            "--run", help="render this stored run without re-scoring")] = None,
        store: StoreOpt = None,
        allow_outside: AllowOutsideOpt = False,
    ) -> None:
        """Score the customers and render every scorecard, the portfolio and outreach lists."""
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

        from healthscore.cli.app import escape, print_warnings
        from healthscore.engine.run import as_date
        from healthscore.io.keyed import read_ids_table
        from healthscore.pipeline import score_customers
        from healthscore.render import render_run
        from healthscore.weights.load import load_weights

        if (run_id is None) == (weights is None):
            raise typer.BadParameter("give --weights to score, or --run to render a stored run",
                                     param_hint="--weights / --run")
        stored, formats = None, ()
        if run_id is not None:  # a stored run: its frame, weights and trend from the store
            from healthscore.monthly import render_stored
            from healthscore.store import open_store

            stored = open_store(store, read_only=True)
            run = None
        else:
            wf = load_weights(weights, confine=not allow_outside)
            formats = wf.formats
            run = score_customers(wf, customers, as_date(as_of), data)
            print_warnings(run.warnings)
        past = None if history is None else read_ids_table(  # ids as text, one date rule
            history, dates=("as_of",), formats=formats)
        columns = ["[progress.description]{task.description}", BarColumn(),
                   MofNCompleteColumn(), TimeRemainingColumn()]
        with Progress(*columns, console=console, transient=True, disable=quiet) as bar:
            task = bar.add_task("rendering scorecards", total=None)
            options = dict(template_dir=templates, owners=owner, jobs=jobs, currency=currency,
                           progress=lambda done, total: bar.update(task, completed=done,
                                                                   total=total))
            if stored is not None:
                with stored:
                    result = render_stored(stored, run_id, out, **options)
            else:
                result = render_run(run, out, history=past, **options)
        console.print(
            f"[green]rendered {result.scorecards:,} scorecards[/] in {result.seconds:.1f}s "
            f"({result.scorecards / max(result.seconds, 1e-9):,.0f}/s) into "
            f"{escape(str(result.out_dir))}/")
        console.print(f"  portfolio  {escape(str(result.portfolio))}")
        console.print(f"  outreach   {escape(str(result.out_dir / 'outreach' / 'index.html'))} "
                      f"(+ {len(result.outreach) // 3 - 1} per-owner lists, as HTML, Markdown "
                      "and CSV)")
