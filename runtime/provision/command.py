"""What ``mmarc provision`` prints: diagnostics as ``mmarc validate`` does, progress, summary.

Kept out of ``mmarc/cli.py`` so the command there stays a thin wrapper; everything here
writes to the given streams and returns an exit status, and raises only
``api.UsageError`` (exit 2) and :class:`ProvisionError` (exit 1, one line).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from mmarc.diagnostics import Severity
from mmarc.report import OutputFormat, render
from mmarc.report.text import use_colour

from .build import check_inputs, provision

EXIT_OK, EXIT_ERRORS = 0, 1


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
    inputs = check_inputs(project, authz)
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
    show = progress if progress is not None else out.isatty()
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
            result = provision(
                inputs,
                output,
                rotate_keys=rotate_keys,
                zip_password=zip_password,
                on_kit=lambda name: bar.update(task, advance=1, description=name),
            )
    else:
        result = provision(inputs, output, rotate_keys=rotate_keys, zip_password=zip_password)
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
    return EXIT_OK
