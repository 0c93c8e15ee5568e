"""The ``mmarc`` command line: a thin shell over :mod:`mmarc.api`.

Exit status: 0 no errors, 1 errors found, 2 usage errors (no such path, unknown file
kind, bad options). Nothing here imports torch or MONAI unless the command trains.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from mmarc import __version__, api
from mmarc.report import OutputFormat, render
from mmarc.report.text import use_colour

app = typer.Typer(
    name="mmarc",
    help="Validate, compile and run Clara-style MMARs for federated learning.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

EXIT_OK, EXIT_ERRORS, EXIT_USAGE = 0, 1, 2

PathArg = Annotated[Path, typer.Argument(help="An MMAR folder or one of its files.")]
FormatOpt = Annotated[
    OutputFormat, typer.Option("--format", "-f", help="text, json (stable contract) or sarif.")
]
SetOpt = Annotated[
    list[str] | None,
    typer.Option("--set", "-s", help="Override a variable: KEY=VALUE (repeatable; wins last)."),
]


def _usage_error(message: str) -> typer.Exit:
    typer.echo(f"mmarc: error: {message}", err=True)
    return typer.Exit(EXIT_USAGE)


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"mmarc {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version_callback, is_eager=True,
                           help="Print the version and exit.")
    ] = False,
) -> None:
    """mmarc: catch MMAR mistakes before deployment, then run the federation."""


@app.command()
def validate(
    path: PathArg,
    fmt: FormatOpt = OutputFormat.TEXT,
    sets: SetOpt = None,
) -> None:
    """Check an MMAR (or one file) and report every problem at file:line:column."""
    try:
        result = api.validate(path, sets=sets)
    except api.UsageError as exc:
        raise _usage_error(str(exc)) from None
    out = render(fmt, str(path), result.detected(), list(result.diagnostics), result.sources,
                 colour=fmt is OutputFormat.TEXT and use_colour(sys.stdout))
    sys.stdout.write(out)
    raise typer.Exit(EXIT_ERRORS if result.diagnostics.has_errors() else EXIT_OK)


@app.command()
def schema(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder to write into.")] = Path(
        "schemas"
    ),
) -> None:
    """Write a JSON Schema per file kind (draft 2020-12, plus draft-07 for YAML editors)."""
    try:
        written = api.write_schemas(out)
    except OSError as exc:
        raise _usage_error(f"cannot write to {out}: {exc.strerror or exc}") from None
    for p in written:
        typer.echo(str(p))


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
