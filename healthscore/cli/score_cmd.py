"""`healthscore score`: score a customer table with a weight file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from healthscore.cli.app import console, escape, print_warnings
from healthscore.cli.options import AllowOutsideOpt, AsOfOpt, CustomersOpt, DataOpt, WeightsOpt
from healthscore.errors import HealthscoreError, Problem


def parse_formats(text: str) -> tuple[str, ...]:
    from healthscore.outputs import FORMATS

    formats = tuple(f.strip().lower() for f in text.split(",") if f.strip())
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        raise HealthscoreError(Problem(
            f"unknown format {', '.join(bad) or '(none)'}; choose from "
            f"{', '.join(FORMATS)} (comma-separated)", key="--format"))
    return formats


def register(app: typer.Typer) -> None:
    @app.command()
    def score(
        weights: WeightsOpt,
        customers: CustomersOpt = None,
        data: DataOpt = None,
        out: Annotated[Path, typer.Option("--out", "-o", help="output folder")] = Path("out"),
        as_of: AsOfOpt = None,
        format: Annotated[str, typer.Option(help="csv, parquet or both")] = "csv,parquet",
        columns: Annotated[str, typer.Option(
            help="full: every signal's raw/score/weight/points/status; summary: the "
                 "score, tier and drivers only")] = "full",
        outreach_top: Annotated[str | None, typer.Option(
            help="keep the N (or N%, or all) highest-priority customers in outreach.* "
                 "[default: the weight file's outreach.top, else all]")] = None,
        quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no summary tables")] = False,
        allow_outside: AllowOutsideOpt = False,
    ) -> None:
        """Score every customer; writes scores.*, outreach.* (and parents.*) into --out."""
        from rich.progress import Progress

        from healthscore.cli.summary import lowest_table, tier_table
        from healthscore.engine.run import as_date
        from healthscore.outputs import OutputFiles
        from healthscore.pipeline import prepare_run
        from healthscore.weights.load import load_weights

        if columns not in ("full", "summary"):
            raise HealthscoreError(Problem(
                f"`{columns}` is not a choice; use full or summary", key="--columns"))
        formats = parse_formats(format)
        top = parse_top(outreach_top)
        wf = load_weights(weights, confine=not allow_outside)
        run = prepare_run(wf, customers, as_date(as_of), data, collect=False,
                          outreach_top=top, columns=columns, explain=columns == "full")
        run.sinks = [OutputFiles(out, formats, inputs=(customers,))]
        with Progress(console=console, transient=True, disable=quiet) as bar:
            task = bar.add_task("scoring", total=None)
            run.progress = lambda done, total: bar.update(task, completed=done, total=total)
            result = run.execute()
        print_warnings(result.warnings)
        if not quiet:
            console.print(tier_table(result))
            console.print(lowest_table(result))
        console.print(f"[green]scored {result.customers:,} customers[/]; wrote "
                      + escape(", ".join(str(p) for p in result.written)))


def parse_top(text: str | None):
    """`--outreach-top`: a count, a percentage of the portfolio (resolved once its size is
    known), or `all`; not given, the weight file's `outreach.top`."""
    if text is None:
        return "weights"
    if text.strip().lower() == "all":
        return None
    try:
        if text.endswith("%"):
            share = float(text[:-1])
            if not 0 < share <= 100:
                raise ValueError
            return lambda total: max(1, round(total * share / 100))
        value = int(text)
        if value <= 0:
            raise ValueError
        return value
    except ValueError:
        raise HealthscoreError(Problem(
            f"expected a whole number, a percentage like `1%` or `all`; found "
            f"`{text}`", key="--outreach-top")) from None
