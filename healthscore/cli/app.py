"""The Typer application and the one place user errors become messages and exit codes.

Exit codes: 0 success, 1 the command ran but found problems (e.g. `validate`), 2 a user
mistake stopped the run (bad file, bad option, an output folder that cannot be written),
130 interrupted (Ctrl-C: `Aborted!`). A user mistake never shows a traceback.
"""

from __future__ import annotations

import re
import sys

import typer
from rich.console import Console
from rich.markup import escape as _escape_markup
from rich.segment import Segment
from rich.text import Text

from healthscore.cli.options import FlagCommand, FlagGroup
from healthscore.errors import HealthscoreError, Problem

app = typer.Typer(
    name="healthscore",
    cls=FlagGroup,
    help="Customer health scores from weight files: score, validate, render scorecards.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# What a terminal would act on instead of showing: escape sequences (CSI `ESC [ … J` clears
# the screen, OSC `ESC ] … BEL` sets the title or a clipboard, DCS/APC/SOS/PM), their 8-bit
# forms (C1: 0x80-0x9f), the other C0 controls (a carriage return overwrites the line) and
# DEL, and the bidirectional overrides that reorder what is shown. Tabs and newlines stay.
_TERMINAL_CONTROLS = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]?"                         # CSI
    r"|\x1b[\]PX^_][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"  # OSC, DCS, SOS, PM, APC
    r"|\x1b[ -/]*[0-~]?"                                 # any other ESC sequence
    r"|\x9b[0-?]*[ -/]*[@-~]?"                          # 8-bit CSI
    r"|[\x9d\x90\x98\x9e\x9f][^\x07\x1b\x9c]*(?:\x07|\x9c)?"  # 8-bit OSC, DCS, SOS, PM, APC
    r"|[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# The characters alone: what is left of a sequence without them is inert text
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def plain(text: object) -> str:
    """`text` without anything a terminal would act on (see `_TERMINAL_CONTROLS`): customer
    names and ids, file names and messages come from data and weight files."""
    return _TERMINAL_CONTROLS.sub("", str(text))


def escape(text: object) -> str:
    """`text` safe to put in Rich markup: no terminal controls, no markup."""
    return _escape_markup(plain(text))


class SafeConsole(Console):
    """A console that never writes a terminal control it did not make itself: every piece of
    text (a table cell, a title, a message) loses its control characters on the way out, so
    what is left of an escape sequence is inert text (Rich has already dropped a BEL that
    ended one, so the sequence itself cannot be found any more: `plain` is for before);
    Rich's own styles and cursor moves are added after."""

    def render(self, renderable, options=None):  # noqa: ANN001, ANN201 - Rich's signature
        for segment in super().render(renderable, options):
            if segment.control or not _CONTROL_CHARS.search(segment.text):
                yield segment
            else:
                yield Segment(_CONTROL_CHARS.sub("", segment.text), segment.style,
                              segment.control)


err_console = SafeConsole(stderr=True, highlight=False)
console = SafeConsole(highlight=False)


def problem_line(problem, indent: str = "") -> Text:
    """A problem as a line of plain text: file names, keys and values from the user are
    never read as Rich markup (a customer named `[/x]` must not break the report)."""
    colour = "yellow" if problem.severity == "warning" else "red"
    return Text.assemble((f"{indent}• ", colour), plain(problem))


def print_warnings(problems) -> None:
    for problem in problems:
        err_console.print(problem_line(problem), soft_wrap=True)


def report_problems(exc: HealthscoreError) -> None:
    errors = [p for p in exc.problems if p.severity == "error"]
    title = "error" if len(errors) == 1 else f"{len(errors)} errors"
    err_console.print(f"[bold red]{title}[/]")
    for problem in exc.problems:
        err_console.print(problem_line(problem, "  "), soft_wrap=True)


__all__ = ["app", "console", "err_console", "escape", "main", "plain", "print_warnings",
           "problem_line"]


def _register() -> None:
    from healthscore.cli import (
        backtest_cmd,
        demo_cmd,
        diff_cmd,
        history_cmd,
        run_cmd,
        score_cmd,
        tune_cmd,
        validate_cmd,
    )

    for module in (score_cmd, validate_cmd, demo_cmd, run_cmd, history_cmd, diff_cmd,
                   backtest_cmd, tune_cmd):
        module.register(app)
    try:
        from healthscore.cli import render_cmd
    except ImportError:  # rendering stage not installed in this build
        return
    render_cmd.register(app)


_register()
for _info in app.registered_commands:  # every command's --help shows flags as flags
    _info.cls = FlagCommand


INTERRUPTED = 130  # 128 + SIGINT, what shells and schedulers expect of Ctrl-C


def main() -> None:
    """Entry point. Click's standalone mode handles usage errors (exit 2 with a usage line)
    and `typer.Exit`; a user mistake found by healthscore is printed without a traceback, and
    so is a file the system refuses to read or write (a read-only folder, a full disk). Typer
    turns Ctrl-C into a silent exit 130; we say `Aborted!`. Outputs are moved into place only
    when a run succeeded, with Ctrl-C held back meanwhile, so the previous outputs stay or the
    new ones are complete."""
    try:
        app(prog_name="healthscore")
    except HealthscoreError as exc:
        report_problems(exc)
        sys.exit(2)
    except OSError as exc:
        report_problems(HealthscoreError(Problem(
            f"{exc.strerror or type(exc).__name__}" + (
                f" (and {exc.filename2})" if getattr(exc, "filename2", None) else ""),
            file=str(exc.filename) if exc.filename else None)))
        sys.exit(2)
    except KeyboardInterrupt:
        _aborted()
    except SystemExit as exc:
        if exc.code == INTERRUPTED:
            _aborted()
        raise


def _aborted() -> None:
    err_console.print("Aborted!")
    sys.exit(INTERRUPTED)
