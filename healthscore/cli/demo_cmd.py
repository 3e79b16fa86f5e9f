"""`healthscore demo`: the whole monthly job on a bundled, seeded sample portfolio."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from healthscore.cli.app import console, escape, print_warnings

DEMO_AS_OF = date(2026, 10, 31)


def register(app: typer.Typer) -> None:
    @app.command()
    def demo(
        out: Annotated[Path, typer.Option("--out", "-o", help="output folder")] = Path(
            "healthscore-demo"),
        customers: Annotated[int, typer.Option(min=1, max=1_000_000,
                                               help="portfolio size")] = 300,
        seed: Annotated[int, typer.Option(help="random seed of the sample data")] = 7,
        history_months: Annotated[int, typer.Option(
            min=0, max=120, help="earlier month-ends to score from the same exports, for "
                                 "trends")] = 5,
    ) -> None:
        """Generate raw sample exports, compute the signals, score and render every report."""
        from rich.progress import BarColumn, MofNCompleteColumn, Progress

        from healthscore.cli.summary import lowest_table, tier_table
        from healthscore.engine.summary import summarize
        from healthscore.io.atomic import atomic_file
        from healthscore.io.writers import write_csv
        from healthscore.pipeline import backfill_history, monthly_job
        from healthscore.resources import bundled_weights
        from healthscore.sample.raw import generate_raw
        from healthscore.weights.load import load_weights

        generate_raw(out / "raw", n_customers=customers, seed=seed, as_of=DEMO_AS_OF)
        weights = bundled_weights() / "from-exports.yaml"
        wf = load_weights(weights)
        with console.status(f"scoring {history_months} earlier month-ends for the trends"):
            history = backfill_history(wf, DEMO_AS_OF, history_months, data_dir=out)
        with atomic_file(out / "history.csv") as tmp:
            write_csv(history, tmp)
        columns = ["[progress.description]{task.description}", BarColumn(),
                   MofNCompleteColumn()]
        with Progress(*columns, console=console, transient=True) as bar:
            task = bar.add_task("rendering scorecards", total=customers)
            job = monthly_job(wf, out, as_of=DEMO_AS_OF, data_dir=out, history=history,
                              progress=lambda done, total: bar.update(
                                  task, completed=done, total=total))
        print_warnings(job.run.warnings)
        summary = summarize(job.run)
        console.print(tier_table(summary))
        console.print(lowest_table(summary))
        reports = job.reports
        console.print(f"[green]demo written to {escape(str(out))}/[/] "
                      f"(as of {DEMO_AS_OF:%Y-%m-%d})")
        lines = [("raw exports", f"{out / 'raw'}/"), ("signals", str(job.signals)),
                 ("history", f"{out / 'history.csv'} ({history_months} earlier month-ends, "
                             "for trends)"),
                 ("scores", f"{out / 'scores'}/ (scores, outreach, parents: CSV + Parquet)"),
                 ("portfolio", str(reports.portfolio)),
                 ("scorecards", f"{reports.scorecards:,} in {reports.out_dir / 'customers'}/"),
                 ("outreach", str(reports.out_dir / "outreach" / "index.html")),
                 ("weights", str(weights))]
        for label, text in lines:
            console.print(f"  {label:<13} {escape(text)}")
