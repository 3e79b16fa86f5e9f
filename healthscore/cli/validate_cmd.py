"""`healthscore validate`: check weight files without data."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from healthscore.cli.app import console, err_console, plain, print_warnings
from healthscore.cli.options import AllowOutsideOpt
from healthscore.weights.model import WeightFile
from healthscore.weights.profiles import build_profiles


def weights_table(wf: WeightFile) -> Table:
    """The share of the overall score each signal really carries, per segment profile."""
    profiles = build_profiles(wf)
    table = Table(title=Text(f"{plain(wf.name)}: effective weights when every signal has data"),
                  title_justify="left")
    table.add_column("signal")
    for p in profiles:
        table.add_column(Text(plain(p.name)), justify="right")
    shares = [p.shares() for p in profiles]
    names = list(dict.fromkeys(n for s in shares for n in s))
    for name in names:
        cells = [f"{s[name]:.1%}" if name in s else "off" for s in shares]
        table.add_row(Text(plain(wf.signal_label(name))), *cells)
    return table


def register(app: typer.Typer) -> None:
    @app.command()
    def validate(
        files: Annotated[list[Path], typer.Argument(help="weight files to check")],
        quiet: Annotated[bool, typer.Option("--quiet", "-q", help="problems only")] = False,
        allow_outside: AllowOutsideOpt = False,
    ) -> None:
        """Check weight files; report every problem in every file at once."""
        from healthscore.weights.load import check_files

        loaded, problems = check_files(files, confine=not allow_outside)
        errors = [p for p in problems if p.severity == "error"]
        print_warnings(problems)
        if not quiet:
            for wf in loaded.values():
                console.print(weights_table(wf))
        if errors:
            files_bad = len({p.file for p in errors})
            err_console.print(f"[bold red]{len(errors)} error(s) in {files_bad} file(s)[/]")
            raise typer.Exit(1)
        console.print(f"[green]{len(loaded)} file(s) valid[/]")
