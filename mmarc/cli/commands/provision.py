"""``mmarc provision``: validate the project (and policy), then write one signed kit each.

Diagnostics print as ``mmarc validate`` prints them, a progress bar runs while kits are
written (on a terminal), and the summary names every kit, the project key's fingerprint
and, with ``--zip-password``, each zip's password (shown once).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TextIO

import typer

from mmarc import api
from mmarc.diagnostics import Severity
from mmarc.errors import EXIT_ERRORS
from mmarc.report import OutputFormat, render
from mmarc.report.text import use_colour

if TYPE_CHECKING:
    from mmarc.provisioning import Inputs
    from mmarc.runtime.provision import ProvisionResult

__all__ = ["provision", "run_provision"]


def provision(
    project: Annotated[
        Path, typer.Argument(help="project.yml (Clara 4.0, or NVFlare api_version 2/3).")
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="Workspace folder for the kits.")],
    authz: Annotated[
        Path | None, typer.Option("--authz", "-a", help="authz_config.json (Clara 4.0 policy).")
    ] = None,
    zip_password: Annotated[
        bool,
        typer.Option("--zip-password", help="Also write each kit as an AES zip; prints passwords."),
    ] = False,
    rotate_keys: Annotated[
        bool, typer.Option("--rotate-keys", help="New key pairs for every participant.")
    ] = False,
) -> None:
    """Write one signed startup kit per participant (server, clients, admins)."""
    try:
        code = run_provision(
            project, output, authz=authz, zip_password=zip_password, rotate_keys=rotate_keys
        )
    except OSError as exc:
        raise api.UsageError(f"cannot write to {output}: {exc.strerror or exc}") from None
    raise typer.Exit(code)


def run_provision(
    project: Path,
    output: Path,
    *,
    authz: Path | None = None,
    zip_password: bool = False,
    rotate_keys: bool = False,
    out: TextIO | None = None,
    progress: bool | None = None,
) -> int:
    """Validate, then provision; returns the exit status (1 when the inputs have errors)."""
    out = out or sys.stdout
    inputs = api.provision_inputs(project, authz)
    for path, validation in inputs.validations:
        shown = [d for d in validation.diagnostics if d.severity is not Severity.INFO]
        if shown or not inputs.ok:
            out.write(
                render(
                    OutputFormat.TEXT,
                    str(path),
                    validation.detected(),
                    list(validation.diagnostics),
                    validation.sources,
                    colour=use_colour(out),
                )
            )
    if not inputs.ok or inputs.spec is None:
        out.write("mmarc: nothing provisioned: fix the errors above first\n")
        return EXIT_ERRORS
    result = _write_kits(inputs, output, zip_password, rotate_keys, out, progress)
    _summary(result, out)
    return 0


def _write_kits(
    inputs: Inputs,
    output: Path,
    zip_password: bool,
    rotate_keys: bool,
    out: TextIO,
    progress: bool | None,
) -> ProvisionResult:
    """Provision with a transient progress bar on a terminal."""
    show = progress if progress is not None else out.isatty()
    assert inputs.spec is not None
    total = len(inputs.spec.participants)
    if show:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        with Progress(
            TextColumn("[bold]provisioning[/] {task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            console=Console(file=out),
            transient=True,
        ) as bar:
            task = bar.add_task("", total=total)
            return api.provision(
                inputs,
                output,
                rotate_keys=rotate_keys,
                zip_password=zip_password,
                on_kit=lambda name: bar.update(task, advance=1, description=name),
            )
    return api.provision(inputs, output, rotate_keys=rotate_keys, zip_password=zip_password)


def _summary(result: ProvisionResult, out: TextIO) -> None:
    """The kits written, the project key to hand out, and the zip passwords (once)."""
    out.write(
        f"{result.project}: {len(result.kits)} kit(s) in {result.workspace} "
        f"(policy: {result.policy_source})\n"
        f"project key {result.fingerprint}\n"
        "  give this fingerprint to every site apart from its kit; each site checks its "
        "kit with it:\n"
        f"    startup/start.sh --project-key {result.fingerprint}\n"
        "  (the flag of mmarc server|client|admin KIT; without it, mmarc server|client pin "
        "the key of the first kit of the project they run)\n"
    )
    width = max(len(k.name) for k in result.kits)
    for kit in result.kits:
        out.write(f"  {kit.role:<6} {kit.name:<{width}}  {kit.keys:<7} keys  {kit.path}\n")
    zipped = [k for k in result.kits if k.zip_path is not None]
    if zipped:
        out.write("zip passwords (shown once, stored nowhere; send them apart from the zips):\n")
        for kit in zipped:
            out.write(f"  {kit.zip_path}  {kit.password}\n")
    for note in result.notes:
        out.write(f"note: {note}\n")
