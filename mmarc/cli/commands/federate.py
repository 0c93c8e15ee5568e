"""Commands that take part in a real federation: ``server`` and ``client``, from an MMAR
(plain TCP, for trials) or from a startup kit (CurveZMQ, driven by the admin)."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Annotated

import typer

from mmarc import api
from mmarc.extras import require_run_extra

from ..errors import quiet_sigterm, stopped_message
from ..options import DeviceOpt, PathArg, SetOpt
from .run import metric_text

__all__ = ["client", "server"]

HEContextOpt = Annotated[
    Path | None,
    typer.Option(
        "--he-context",
        help="Homomorphic encryption without a kit: the TenSEAL context file (the server's "
        "public one, a site's secret one).",
    ),
]

ProjectKeyOpt = Annotated[
    str | None,
    typer.Option(
        "--project-key",
        help="KIT only: refuse a kit not signed by this key fingerprint (also re-pins it).",
    ),
]


def server(
    path: PathArg,
    port: Annotated[int, typer.Option("--port", "-p", help="TCP port (0: a free one).")] = 0,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Run folder; an unfinished run there is resumed."),
    ] = None,
    sets: SetOpt = None,
    project_key: ProjectKeyOpt = None,
    he_context: HEContextOpt = None,
) -> None:
    """Run the federation server of an MMAR (config_fed_server.json) until the run ends.

    With a server startup KIT instead: verify it, serve the admin and FL ports from the
    kit (CurveZMQ) and run what the admin deploys and starts, until ``shutdown server``.
    """
    require_run_extra("server")
    from mmarc.runtime.provision import is_kit

    logging.basicConfig(level=logging.WARNING, format="mmarc server: %(message)s")
    quiet_sigterm()
    if is_kit(path):

        def kit_ready(fl: str, admin_endpoint: str) -> None:
            typer.echo(f"listening on {fl} (clients) and {admin_endpoint} (admin)")
            sys.stdout.flush()

        with stopped_message("server stopped"):
            code = api.serve_server_kit(
                path, host=host, on_ready=kit_ready, project_key=project_key
            )
        raise typer.Exit(code)

    from ..views import ProgressView

    view = ProgressView(f"mmarc server: {path}", live=False)

    def ready(endpoint: str) -> None:
        typer.echo(f"listening on {endpoint}")
        sys.stdout.flush()

    with view, stopped_message("server stopped; completed rounds are saved"):
        result = api.run_server(
            path,
            sets,
            host=host,
            port=port,
            output=output,
            on_event=view,
            on_ready=ready,
            he_context=he_context,
        )
    typer.echo(f"run folder: {result.run_dir}")
    typer.echo(f"best global model: {metric_text(result.best)}")


def client(
    path: PathArg,
    name: Annotated[
        str | None, typer.Option("--name", "-n", help="This site's client name.")
    ] = None,
    server_address: Annotated[
        str | None, typer.Option("--server", help="The server's endpoint: tcp://HOST:PORT.")
    ] = None,
    datalist: Annotated[
        Path | None,
        typer.Option("--datalist", help="This site's datalist instead of the MMAR's own."),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Folder for this client's files.")
    ] = None,
    sets: SetOpt = None,
    device: DeviceOpt = "cpu",
    project_key: ProjectKeyOpt = None,
    he_context: HEContextOpt = None,
) -> None:
    """Join a federation as one client site and train until the server ends the run.

    With a client startup KIT instead: verify it, connect with its keys and train what
    the admin deploys and starts, until the server says ``shutdown``.
    """
    require_run_extra("client")
    from mmarc.runtime.provision import is_kit

    logging.basicConfig(level=logging.INFO, format="mmarc client: %(message)s")
    for noisy in ("ignite", "monai"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    quiet_sigterm()
    if is_kit(path):
        with stopped_message(f"client {path} stopped"):
            code = api.serve_client_kit(
                path,
                sets=sets or (),
                datalist=datalist,
                device=device,
                project_key=project_key,
            )
        raise typer.Exit(code)
    if name is None or server_address is None:
        raise api.UsageError("--name and --server are needed unless PATH is a client kit")
    from mmarc.runtime.transport import RegistrationRefused

    with stopped_message(f"client {name} stopped"):
        try:
            result = api.run_client(
                path,
                name,
                server_address,
                sets,
                datalist=datalist,
                output=output,
                device=device,
                he_context=he_context,
            )
        except RegistrationRefused as exc:  # say who was refused
            raise RegistrationRefused(f"the server refused {name}: {exc.reason}") from None
        except ValueError as exc:
            if isinstance(exc, api.MmarcError):
                raise
            raise api.UsageError(str(exc)) from None
    typer.echo(f"{result.name}: {result.rounds} round(s) in {result.wall_s:.1f} s")
