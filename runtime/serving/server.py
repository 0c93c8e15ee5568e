"""``mmarc serve``: load the models, warm them, then listen until stopped.

The caller (``mmarc.api.serve`` or a test) hands in compiled plans, so this part of the
runtime never imports the compiler. Everything that can fail does so before the socket
is bound: a name given twice, a datastore that is not a folder, a model that cannot be
built or warmed. Then uvicorn serves the app on ``host:port`` (its own access log off:
:class:`~mmarc.runtime.serving.middleware.AccessLog` writes structured lines instead).
"""

from __future__ import annotations

import gc
import logging
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from mmarc.runtime.serving.errors import ServeError
from mmarc.runtime.serving.model import ServedModel, load_model
from mmarc.runtime.serving.registry import ModelRegistry
from mmarc.runtime.serving.settings import ServeSettings, is_loopback

from mmarc.plan import Plan

__all__ = ["ModelSource", "build_registry", "serve"]


@dataclass(frozen=True)
class ModelSource:
    """One MMAR to serve: its compiled plan, its folder and the URL name it gets."""

    name: str
    plan: Plan
    root: Path


def build_registry(
    sources: Sequence[ModelSource],
    settings: ServeSettings,
    *,
    checkpoint: Path | None = None,
    device: str = "cpu",
    on_loaded: Callable[[ServedModel, float], None] | None = None,
) -> ModelRegistry:
    """Build and warm every model; ServeError before anything listens if one cannot."""
    import time

    names = [s.name for s in sources]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ServeError(f"two MMARs are named {twice[0]!r}; serve folders with distinct names")
    if settings.datastore is not None and not settings.datastore.is_dir():
        raise ServeError(f"datastore {settings.datastore} is not a folder")
    models = []
    for source in sources:
        started = time.perf_counter()
        model = load_model(
            source.name, source.plan, source.root, checkpoint=checkpoint, device=device
        )
        models.append(model)
        if on_loaded is not None:
            on_loaded(model, time.perf_counter() - started)
    return ModelRegistry(models, settings)


def _configure_logging() -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    for name in ("mmarc.serve.access", "mmarc.serve"):
        logger = logging.getLogger(name)
        if not logger.handlers:
            logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False


def serve(registry: ModelRegistry, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve ``registry`` over HTTP on ``host:port`` until Ctrl-C/SIGTERM."""
    import uvicorn
    from mmarc.runtime.serving.app import create_app

    if not is_loopback(host) and not registry.settings.token:
        raise ServeError(f"serving on {host} needs --token: only loopback may go without one")
    _configure_logging()
    # The modules and models built so far live as long as the process: moved out of the
    # collector's reach, they cost no full-collection pause on the request path, and
    # stopping the server does not spend seconds collecting torch's and MONAI's objects.
    gc.freeze()
    settings = registry.settings
    # Requests in flight hold their upload (spooled to disk): bound them too, beyond what
    # the queues hold, so a flood of large uploads cannot fill memory or disk.
    in_flight = 4 * (settings.queue_size + settings.max_batch) * len(registry.slots) + 32
    config = uvicorn.Config(
        create_app(registry),
        host=host,
        port=port,
        limit_concurrency=in_flight,
        access_log=False,
        log_level="warning",
        timeout_graceful_shutdown=5,
    )
    try:
        uvicorn.Server(config).run()
    finally:
        registry.close()
