"""``mmarc ui``: the web UI over a workspace, and its first-run commands.

``mmarc ui [WORKSPACE] [--host] [--port] [--db]`` serves it; ``mmarc ui adduser EMAIL``
sets a user's password; ``mmarc ui import-study DIR`` records a study's results. The web
stack is imported only when a command runs (it is the ``ui`` extra).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from ..errors import command, mapped_errors

__all__ = ["ui_app"]


class _ServeByDefault(TyperGroup):
    """``mmarc ui WORKSPACE --port P``: anything that is not a subcommand means serve."""

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:  # typer's own click types
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            return "serve", self.commands["serve"], args
        return super().resolve_command(ctx, args)


ui_app = typer.Typer(
    cls=_ServeByDefault,
    help="The federation in a browser: mmarc ui [WORKSPACE] [--host H] [--port P] [--db URL].",
    invoke_without_command=True,
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
)

WorkspaceOption = Annotated[
    Path, typer.Option("--workspace", "-w", help="The UI workspace (default: here).")
]
DbOption = Annotated[
    str | None, typer.Option("--db", help="Database URL (default: sqlite in the workspace).")
]


def _need_ui() -> None:
    from mmarc.extras import UI_MODULES, require_extra

    require_extra("ui", "ui", UI_MODULES)


@ui_app.callback()
def _root(ctx: typer.Context) -> None:
    if ctx.invoked_subcommand is None:
        with mapped_errors():
            serve()


def serve(
    workspace: Annotated[
        Path, typer.Argument(help="The UI workspace: project files, kits, MMARs, ui.db.")
    ] = Path("."),
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", "-p", help="TCP port.")] = 8080,
    db: DbOption = None,
) -> None:
    """Serve the web UI (log in with a user made by `mmarc ui adduser`)."""
    _need_ui()
    from mmarc.ui.app import serve as _serve

    typer.echo(f"mmarc ui: http://{host}:{port}/ (workspace {workspace.resolve()})")
    _serve(workspace, host=host, port=port, db_url=db)


def adduser(
    email: Annotated[str, typer.Argument(help="The admin's e-mail, as in project.yml.")],
    workspace: WorkspaceOption = Path("."),
    db: DbOption = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin.")
    ] = False,
) -> None:
    """Add a user (or set a user's password); stored as an Argon2id hash."""
    _need_ui()
    from mmarc.ui.auth import add_user
    from mmarc.ui.db import database_of
    from mmarc.ui.workspace import Workspace

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    database = database_of(Workspace(workspace.resolve()).prepare(), db)
    try:
        add_user(database, email, password)
    finally:
        database.close()
    typer.echo(f"mmarc ui: {email} may log in")


def import_study(
    folder: Annotated[Path, typer.Argument(help="A `mmarc study` output folder (results.csv).")],
    workspace: WorkspaceOption = Path("."),
    db: DbOption = None,
) -> None:
    """Record a study's results.csv in the UI database (listed on the Runs page)."""
    _need_ui()
    from mmarc.ui.db import database_of
    from mmarc.ui.studies import import_study as _import
    from mmarc.ui.workspace import Workspace

    database = database_of(Workspace(workspace.resolve()).prepare(), db)
    try:
        count = _import(database, folder)
    finally:
        database.close()
    typer.echo(f"mmarc ui: {count} rows of {folder.resolve().name} imported")


def _register(app: Any) -> None:
    command(app, "serve")(serve)
    command(app, "adduser")(adduser)
    command(app, "import-study")(import_study)


_register(ui_app)
