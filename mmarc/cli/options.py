"""Arguments and options several commands share, declared once."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mmarc.report import OutputFormat

__all__ = ["DeviceOpt", "FormatOpt", "PathArg", "SetOpt", "VerboseOpt"]

PathArg = Annotated[Path, typer.Argument(help="An MMAR folder or one of its files.")]
FormatOpt = Annotated[
    OutputFormat, typer.Option("--format", "-f", help="text, json (stable contract) or sarif.")
]
VerboseOpt = Annotated[
    bool, typer.Option("--verbose", "-v", help="Also show info-level notes in text output.")
]
SetOpt = Annotated[
    list[str] | None,
    typer.Option("--set", "-s", help="Override a variable: KEY=VALUE (repeatable; wins last)."),
]
DeviceOpt = Annotated[str, typer.Option("--device", help="cpu, cuda or cuda:N.")]
