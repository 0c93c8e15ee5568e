"""``mmarc serve``: MMAR models over MONAI Label's and Clara AIAA's v1 REST APIs.

A thin shell over :func:`mmarc.api.serving_registry` and :func:`mmarc.api.serve`: it
checks the ``serve`` extra and the host/token rule before anything heavy is imported,
builds and warms every model, says where it listens, then serves until Ctrl-C.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from mmarc import api
from mmarc.extras import SERVE_MODULES, require_extra

from ..errors import quiet_sigterm, stopped_message
from ..options import DeviceOpt, SetOpt

__all__ = ["serve"]

#: Where ``--token`` may come from instead of the command line (which ``ps`` shows).
TOKEN_ENV = "MMARC_SERVE_TOKEN"


def serve(
    paths: Annotated[
        list[Path],
        typer.Argument(metavar="MMAR", help="MMAR folders to serve (one model each)."),
    ],
    checkpoint: Annotated[
        Path | None,
        typer.Option(
            "--checkpoint", "-c", help="Weights to serve (default: config_validation.json's)."
        ),
    ] = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    device: DeviceOpt = "cpu",
    token: Annotated[
        str | None,
        typer.Option(
            help=f"Require 'Authorization: Bearer TOKEN' (needed off loopback; or ${TOKEN_ENV})."
        ),
    ] = None,
    datastore: Annotated[
        Path | None, typer.Option(help="Folder of images /infer/{model}?image=ID may name.")
    ] = None,
    queue_size: Annotated[int, typer.Option(help="Requests waiting per model (503 beyond).")] = 8,
    max_batch: Annotated[int, typer.Option(help="Requests inferred together per model.")] = 4,
    max_body_mb: Annotated[float, typer.Option(help="Largest request body (413 beyond).")] = 256,
    timeout: Annotated[float, typer.Option(help="Seconds a request may wait (504 beyond).")] = 120,
    sets: SetOpt = None,
) -> None:
    """Serve MMAR models for inference over REST (MONAI Label and Clara AIAA v1 APIs)."""
    require_extra("serve", "serve", SERVE_MODULES)
    from mmarc.runtime.serving import ServeSettings, is_loopback

    token = token or os.environ.get(TOKEN_ENV) or None
    if not is_loopback(host) and not token:
        raise api.UsageError(
            f"--host {host} reaches beyond this machine: give --token (or ${TOKEN_ENV})"
        )
    if not 0 < port < 65536:
        raise api.UsageError(f"--port {port} is not a TCP port")
    if min(queue_size, max_batch) < 1 or max_body_mb <= 0 or timeout <= 0:
        raise api.UsageError("--queue-size, --max-batch, --max-body-mb and --timeout must be > 0")
    if datastore is not None and not datastore.is_dir():
        raise api.UsageError(f"--datastore {datastore} is not a folder")
    settings = ServeSettings(
        queue_size=queue_size,
        max_batch=max_batch,
        max_body_bytes=int(max_body_mb * 1024 * 1024),
        timeout_s=timeout,
        token=token,
        datastore=datastore.resolve() if datastore is not None else None,
    )

    def loaded(model: object, seconds: float) -> None:
        info = getattr(model, "info", None)
        typer.echo(f"model {getattr(info, 'name', '?')}: built and warmed in {seconds:.1f} s")

    registry = api.serving_registry(
        paths, settings, sets=sets, checkpoint=checkpoint, device=device, on_loaded=loaded
    )
    shown = f"[{host}]" if ":" in host else host
    typer.echo(
        f"serving {', '.join(registry.names())} on http://{shown}:{port} "
        f"(MONAI Label: /info/, /infer/MODEL; AIAA: /v1/models; docs: /docs)"
    )
    sys.stdout.flush()
    quiet_sigterm()
    with stopped_message("server stopped"):
        api.serve(registry, host, port)
