"""Options shared by the commands, declared once so their names and help cannot drift."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

WeightsOpt = Annotated[Path, typer.Option("--weights", "-w", help="weight file (YAML)")]
CustomersOpt = Annotated[Path | None, typer.Option(
    "--customers", "-c", help="customer table: CSV, Parquet (file or folder) or .xlsx; omit it "
                              "to compute the signals from the raw exports the weight file's "
                              "`sources:` declare")]
DataOpt = Annotated[Path | None, typer.Option(
    "--data", help="folder the weight file's source paths are relative to (default: the "
                   "weight file's folder)")]
# windows reach years back from the as-of date and pandas timestamps end in 2262: a date far
# outside this range is a typo, refused before any work (not a traceback from deep inside)
AS_OF_RANGE = (datetime(1900, 1, 1), datetime(2199, 12, 31))


def _as_of_in_range(value: datetime | None) -> datetime | None:
    low, high = AS_OF_RANGE
    if value is not None and not low <= value <= high:
        raise typer.BadParameter(f"{value:%Y-%m-%d} is out of range; give a date between "
                                 f"{low:%Y-%m-%d} and {high:%Y-%m-%d}")
    return value


AsOfOpt = Annotated[datetime | None, typer.Option(
    "--as-of", formats=["%Y-%m-%d"], callback=_as_of_in_range,
    help="score as of this date (default: today)")]
AllowOutsideOpt = Annotated[bool, typer.Option(
    "--allow-outside", help="let the weight file name files outside the project folder "
                            "(extends, use, sources) and database hosts not in "
                            "$HEALTHSCORE_ALLOWED_HOSTS; only for weight files you trust, "
                            "see docs/security.md")]


def _flags_without_type(params: list) -> list:
    """Boolean flags show no `<bool>` in `--help`: they take no value. Typer's rich help
    prints a type for every option unless it has a metavar, so flags get an empty one."""
    for param in params:
        if getattr(param, "is_flag", False) and param.metavar is None:
            param.metavar = ""
    return params


class FlagCommand(typer.core.TyperCommand):
    """A command whose `--help` shows boolean flags (`--quiet`, `--help`) as flags."""

    def get_params(self, ctx):  # noqa: ANN001, ANN201 - Click's signature
        return _flags_without_type(super().get_params(ctx))


class FlagGroup(typer.core.TyperGroup):
    """The top-level group, with the same help rendering as `FlagCommand`."""

    def get_params(self, ctx):  # noqa: ANN001, ANN201 - Click's signature
        return _flags_without_type(super().get_params(ctx))


StoreOpt = Annotated[str | None, typer.Option(
    "--store", help="run store: a SQLite file or a postgresql:// URL (default: "
                    "$HEALTHSCORE_STORE, else healthscore.db in the output folder)")]
WaitOpt = Annotated[float, typer.Option(
    "--wait", min=0, max=86_400, help="seconds to wait for another process writing to the store "
                                      "before giving up with a message naming it")]
