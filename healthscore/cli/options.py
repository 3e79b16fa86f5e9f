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
AsOfOpt = Annotated[datetime | None, typer.Option(
    "--as-of", formats=["%Y-%m-%d"], help="score as of this date (default: today)")]


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
