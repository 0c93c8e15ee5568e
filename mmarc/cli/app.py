"""The ``mmarc`` Typer application: the root options and every command, by area."""

from __future__ import annotations

from typing import Annotated

import typer

from mmarc import __version__

from .commands import admin, check, federate, provision, run, serve, study, ui
from .errors import command

__all__ = ["app", "main"]

app = typer.Typer(
    name="mmarc",
    help="Validate, compile and run Clara-style MMARs for federated learning.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"mmarc {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_version_callback,
            is_eager=True,
            help="Print the version and exit.",
        ),
    ] = False,
) -> None:
    """mmarc: catch MMAR mistakes before deployment, then run the federation."""


# check: no torch, no MONAI
command(app)(check.validate)
command(app)(check.lint)
command(app, "compile")(check.compile_)
command(app)(check.migrate)
command(app)(check.schema)
catalog_app = typer.Typer(
    help="The component catalog validate checks against.", no_args_is_help=True
)
app.add_typer(catalog_app, name="catalog")
command(catalog_app, "build")(check.catalog_build)
# run: train, evaluate, simulate; take part in a federation
command(app)(run.run)
command(app)(run.evaluate)
command(app)(federate.server)
command(app)(federate.client)
command(app)(serve.serve)
command(app)(study.study)
# deploy: kits and the admin console
command(app)(provision.provision)
command(app)(admin.admin)
app.add_typer(ui.ui_app, name="ui")  # the web UI: serve, adduser, import-study


def main() -> None:
    """Console-script entry point."""
    app()
