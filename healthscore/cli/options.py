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
AllowOutsideOpt = Annotated[bool, typer.Option(
    "--allow-outside", help="let the weight file name files outside the project folder "
                            "(extends, use, sources); only for weight files you trust, see "
                            "docs/security.md")]
