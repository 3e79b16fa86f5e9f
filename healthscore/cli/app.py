"""The Typer application and the one place user errors become messages and exit codes.

Exit codes: 0 success, 1 the command ran but found problems (e.g. `validate`), 2 a user
mistake stopped the run (bad file, bad option). A user mistake never shows a traceback.
"""

from __future__ import annotations

import sys

import typer
from rich.console import Console

from healthscore.errors import HealthscoreError

app = typer.Typer(
    name="healthscore",
    help="Customer health scores from weight files: score, validate, render scorecards.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err_console = Console(stderr=True, highlight=False)
console = Console(highlight=False)


def report_problems(exc: HealthscoreError) -> None:
    errors = [p for p in exc.problems if p.severity == "error"]
    title = "error" if len(errors) == 1 else f"{len(errors)} errors"
    err_console.print(f"[bold red]{title}[/]")
    for problem in exc.problems:
        colour = "yellow" if problem.severity == "warning" else "red"
        err_console.print(f"  [{colour}]•[/] {problem}", markup=True, soft_wrap=True)


def _register() -> None:
    from healthscore.cli import demo_cmd, score_cmd, validate_cmd

    for module in (score_cmd, validate_cmd, demo_cmd):
        module.register(app)
    try:
        from healthscore.cli import render_cmd
    except ImportError:  # rendering stage not installed in this build
        return
    render_cmd.register(app)


_register()


def main() -> None:
    """Entry point. Click's standalone mode handles usage errors (exit 2 with a usage line)
    and `typer.Exit`; a user mistake found by healthscore is printed without a traceback."""
    try:
        app(prog_name="healthscore")
    except HealthscoreError as exc:
        report_problems(exc)
        sys.exit(2)
