"""`healthscore demo`: the whole monthly job on a bundled, seeded sample portfolio."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from healthscore.cli.app import console, err_console

DEMO_AS_OF = date(2026, 10, 31)


def register(app: typer.Typer) -> None:
    @app.command()
    def demo(
        out: Annotated[Path, typer.Option("--out", "-o", help="output folder")] = Path(
            "healthscore-demo"),
        customers: Annotated[int, typer.Option(help="portfolio size")] = 300,
        seed: Annotated[int, typer.Option(help="random seed of the sample data")] = 7,
    ) -> None:
        """Generate raw sample exports, compute the signals, score and render every report."""
        from rich.progress import BarColumn, MofNCompleteColumn, Progress

        from healthscore.cli.summary import lowest_table, tier_table
        from healthscore.outputs import summarize
        from healthscore.pipeline import monthly_job
        from healthscore.resources import bundled_weights
        from healthscore.sample.raw import generate_raw
        from healthscore.weights.load import load_weights

        if customers < 1:
            raise typer.BadParameter("must be at least 1", param_hint="--customers")
        generate_raw(out / "raw", n_customers=customers, seed=seed, as_of=DEMO_AS_OF)
        weights = bundled_weights() / "from-exports.yaml"
        wf = load_weights(weights)
        columns = ["[progress.description]{task.description}", BarColumn(),
                   MofNCompleteColumn()]
        with Progress(*columns, console=console, transient=True) as bar:
            task = bar.add_task("rendering scorecards", total=customers)
            job = monthly_job(wf, out, as_of=DEMO_AS_OF, data_dir=out,
                              progress=lambda done, total: bar.update(
                                  task, completed=done, total=total))
        for warning in [*job.warnings, *job.run.warnings]:
            err_console.print(f"[yellow]•[/] {warning}", soft_wrap=True)
        summary = summarize(job.run)
        console.print(tier_table(summary))
        console.print(lowest_table(summary))
        reports = job.reports
        console.print(f"[green]demo written to {out}/[/] (as of {DEMO_AS_OF:%Y-%m-%d})")
        console.print(f"  raw exports   {out / 'raw'}/")
        console.print(f"  signals       {job.signals}")
        console.print(f"  scores        {out / 'scores'}/ (scores, outreach, parents: CSV + "
                      "Parquet)")
        console.print(f"  portfolio     {reports.portfolio}")
        console.print(f"  scorecards    {reports.scorecards:,} in "
                      f"{reports.out_dir / 'customers'}/")
        console.print(f"  outreach      {reports.out_dir / 'outreach' / 'index.html'}")
        console.print(f"  weights       {weights}")
