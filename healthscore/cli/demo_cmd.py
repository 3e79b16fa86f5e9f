"""`healthscore demo`: the whole monthly job on a bundled, seeded sample portfolio."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from healthscore.cli.app import console, escape, print_warnings

DEMO_AS_OF = date(2026, 10, 31)
MARKER = ".healthscore-demo"  # a folder the demo wrote: its exports and store are its own


def claim_folder(out: Path) -> None:
    """The demo regenerates `raw/` and starts a fresh run store in `out`, so it writes only
    into a new or empty folder, or one an earlier demo wrote (it holds the marker): another
    folder's run store and exports are the user's, never replaced."""
    from healthscore.errors import HealthscoreError, Problem

    if out.exists() and not out.is_dir():
        raise HealthscoreError(Problem("the output folder is an existing file; give a folder "
                                       "(it is created if needed)", file=str(out)))
    if out.is_dir() and not (out / MARKER).is_file():
        found = sorted(p.name + ("/" if p.is_dir() else "") for p in out.iterdir())
        if found:
            listed = ", ".join(found[:5]) + (", ..." if len(found) > 5 else "")
            raise HealthscoreError(Problem(
                f"the folder holds files the demo did not write ({listed}); the demo writes "
                "sample exports (raw/) and a new run store (healthscore.db) there, replacing "
                "what is there: give a new or empty folder", file=str(out)))
    try:
        out.mkdir(parents=True, exist_ok=True)
        (out / MARKER).write_text("written by `healthscore demo`: sample data, replaced by "
                                  "the next demo into this folder\n", encoding="utf-8")
    except OSError as exc:
        raise HealthscoreError(Problem(f"cannot create the output folder: {exc.strerror}",
                                       file=str(out))) from None


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
        from healthscore.monthly import run_month, store_month
        from healthscore.pipeline import month_ends_before
        from healthscore.resources import bundled_weights
        from healthscore.sample.raw import generate_raw
        from healthscore.store import open_store
        from healthscore.weights.load import load_weights

        claim_folder(out)
        generate_raw(out / "raw", n_customers=customers, seed=seed, as_of=DEMO_AS_OF)
        weights = bundled_weights() / "from-exports.yaml"
        wf = load_weights(weights)
        (out / "healthscore.db").unlink(missing_ok=True)  # the exports were just regenerated
        store = open_store(out / "healthscore.db")  # the trend comes from the run store
        with console.status(f"scoring {history_months} earlier month-ends for the trends"):
            for day in month_ends_before(DEMO_AS_OF, history_months):
                store_month(wf, store, day, data_dir=out)
        columns = ["[progress.description]{task.description}", BarColumn(),
                   MofNCompleteColumn()]
        with store, Progress(*columns, console=console, transient=True) as bar:
            task = bar.add_task("rendering scorecards", total=customers)
            month = run_month(wf, store, out, f"{DEMO_AS_OF:%Y-%m}", data_dir=out, folder=out,
                              force=True, progress=lambda done, total: bar.update(
                                  task, completed=done, total=total))
        print_warnings(month.run.warnings)
        console.print(tier_table(month.run))
        console.print(lowest_table(month.run))
        moves = month.volatility
        if moves.get("median_abs_change") is not None:
            console.print(f"month to month: median move {moves['median_abs_change']:.1f} "
                          f"points; {moves['reverted']} of {moves['flips']} tier changes "
                          "reverted at the next run (docs/history.md: noisy scores)")
        reports = month.reports
        console.print(f"[green]demo written to {escape(str(out))}/[/] "
                      f"(as of {DEMO_AS_OF:%Y-%m-%d})")
        lines = [("raw exports", f"{out / 'raw'}/"),
                 ("signals", str(out / "signals" / "customers.csv")),
                 ("run store", f"{out / 'healthscore.db'} ({history_months} earlier "
                               "month-ends + this one, for trends)"),
                 ("events", str(out / "events" / "tier-changes.jsonl")),
                 ("scores", f"{out / 'scores'}/ (scores, outreach, parents: CSV + Parquet)"),
                 ("portfolio", str(reports.portfolio)),
                 ("scorecards", f"{reports.scorecards:,} in {reports.out_dir / 'customers'}/"),
                 ("outreach", str(reports.out_dir / "outreach" / "index.html")),
                 ("weights", str(weights))]
        for label, text in lines:
            console.print(f"  {label:<13} {escape(text)}")
