"""``mmarc admin KIT``: the admin console, interactive or scripted (``--cmd``, ``--json``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mmarc import api

__all__ = ["admin"]


def admin(
    kit: Annotated[Path, typer.Argument(help="An admin startup kit (made by mmarc provision).")],
    cmd: Annotated[
        list[str] | None,
        typer.Option(
            "--cmd", "-c", help="Run this command and exit (repeatable; stops at a failure)."
        ),
    ] = None,
    server: Annotated[
        str | None, typer.Option("--server", help="Connect here instead (tcp://HOST:PORT).")
    ] = None,
    project_key: Annotated[
        str | None,
        typer.Option("--project-key", help="Refuse a kit not signed by this key fingerprint."),
    ] = None,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for each reply.")] = 30.0,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print answers' data as JSON (for scripts), not tables.")
    ] = False,
) -> None:
    """Admin console (Clara 4.0 commands); --cmd for scripts (exit 1 when refused or failed)."""
    from ..console import run_admin

    if not kit.exists():
        raise api.UsageError(f"{kit}: no such kit folder")
    code = run_admin(
        kit,
        commands=cmd or (),
        endpoint=server,
        trusted_fingerprint=project_key,
        timeout_s=timeout,
        as_json=as_json,
    )
    raise typer.Exit(code)
