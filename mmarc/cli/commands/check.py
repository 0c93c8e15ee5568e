"""Commands that check and compile (never import torch or MONAI): validate, lint, compile,
migrate, schema, and ``catalog build`` (which introspects the installed MONAI on purpose)."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from mmarc import api
from mmarc.errors import EXIT_ERRORS
from mmarc.extras import require_run_extra
from mmarc.report import OutputFormat, render
from mmarc.report.text import use_colour

from ..options import FormatOpt, PathArg, SetOpt, VerboseOpt

__all__ = ["catalog_build", "compile_", "lint", "migrate", "schema", "validate"]


def validate(
    path: PathArg,
    fmt: FormatOpt = OutputFormat.TEXT,
    sets: SetOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Check an MMAR (or one file) and report every problem at file:line:column."""
    _check(api.validate, path, fmt, sets, verbose)


def lint(
    path: PathArg,
    fmt: FormatOpt = OutputFormat.TEXT,
    sets: SetOpt = None,
    verbose: VerboseOpt = False,
    require_data: Annotated[
        bool,
        typer.Option(
            "--require-data",
            help="Data folders missing on this machine are errors (default: checks skipped).",
        ),
    ] = False,
) -> None:
    """validate, plus consistency rules across sections, files and the data itself."""
    _check(functools.partial(api.lint, require_data=require_data), path, fmt, sets, verbose)


def _check(
    check: Callable[..., api.Validation],
    path: Path,
    fmt: OutputFormat,
    sets: list[str] | None,
    verbose: bool,
) -> None:
    """Run ``validate`` or ``lint``, print the report, exit 1 when it has errors."""
    result = check(path, sets=sets)
    report(result, path, fmt, verbose)
    if result.diagnostics.has_errors():
        raise typer.Exit(EXIT_ERRORS)


def report(result: api.Validation, path: Path, fmt: OutputFormat, verbose: bool = False) -> None:
    """Print a validation in ``fmt`` on stdout (colour only on a terminal)."""
    out = render(
        fmt,
        str(path),
        result.detected(),
        list(result.diagnostics),
        result.sources,
        colour=fmt is OutputFormat.TEXT and use_colour(sys.stdout),
        show_info=verbose,
    )
    sys.stdout.write(out)


def compile_(
    path: PathArg,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the plan here (default: stdout).")
    ] = None,
    sets: SetOpt = None,
    train_config: Annotated[
        str | None,
        typer.Option("--train-config", help="The train config to compile, when there are several."),
    ] = None,
) -> None:
    """Compile an MMAR into the hashed plan the runtime executes."""
    from mmarc.plan import write_plan

    _, plan = api.compiled_or_raise(path, sets, train_config=train_config)
    if output is None:
        sys.stdout.write(plan.to_json().decode("utf-8") + "\n")
        return
    try:
        write_plan(plan, output)
    except OSError as exc:
        raise api.UsageError(f"cannot write {output}: {exc.strerror or exc}") from None
    typer.echo(f"{output}: plan sha256 {plan.sha256}", err=True)


def migrate(
    path: Annotated[Path, typer.Argument(help="The MMAR folder to migrate (left unchanged).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="New MMAR folder to write.")],
) -> None:
    """Rewrite a Clara 4.0/4.1 MMAR into 4.1 form with the installed MONAI's names."""
    result = api.migrate(path, output)
    for line in result.lines():
        typer.echo(line)
    if result.complete:
        typer.echo(f"{output}: migrated ({len(result.changes)} change(s))")
        return
    typer.echo(f"{output}: written, but {len(result.unmigrated)} item(s) need a manual fix")
    raise typer.Exit(EXIT_ERRORS)


def catalog_build(
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Where to write (default: the shipped one).")
    ] = None,
) -> None:
    """Introspect the installed MONAI and torch and write the catalog (imports both)."""
    require_run_extra("catalog build")
    try:
        written = api.build_catalog(out)
    except OSError as exc:
        raise api.UsageError(f"cannot write the catalog: {exc.strerror or exc}") from None
    typer.echo(str(written))


def schema(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder to write into.")] = Path(
        "schemas"
    ),
    validators: Annotated[
        Path | None,
        typer.Option(
            "--validators",
            help="Also write the fast validators made from the schemas into this folder "
            "(mmarc/compiler/schemas/compiled in a checkout; needs fastjsonschema).",
        ),
    ] = None,
) -> None:
    """Write a JSON Schema per file kind (draft 2020-12, plus draft-07 for YAML editors)."""
    try:
        written = api.write_schemas(out, validators)
    except OSError as exc:
        raise api.UsageError(f"cannot write to {out}: {exc.strerror or exc}") from None
    for p in written:
        typer.echo(str(p))
