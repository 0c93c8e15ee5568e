"""The FastAPI application of ``mmarc serve``: routers, limits, token and access log.

:func:`create_app` puts together the MONAI Label routes (:mod:`.monailabel`), the AIAA
v1 routes (:mod:`.aiaa`), ``GET /health`` (open, for probes: each model's queue) and
FastAPI's OpenAPI document (``/openapi.json``; ``/docs`` renders it as one page that
loads nothing from outside, :mod:`.docs_page`), behind the middleware of
:mod:`.middleware`. A :class:`~mmarc.runtime.serving.errors.RequestRefused` anywhere
becomes its status and ``{"detail": ...}``; a bug is logged with its traceback and
answered 500 without one.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse
from mmarc.runtime.serving.aiaa import aiaa_router
from mmarc.runtime.serving.docs_page import render_docs
from mmarc.runtime.serving.errors import RequestRefused
from mmarc.runtime.serving.middleware import AccessLog, BodyLimit, TokenGate
from mmarc.runtime.serving.monailabel import monai_label_router
from mmarc.runtime.serving.registry import ModelRegistry

from mmarc import __version__

__all__ = ["create_app"]

log = logging.getLogger("mmarc.serve")


def create_app(registry: ModelRegistry) -> FastAPI:
    """The ASGI application serving ``registry``'s models under its settings."""
    settings = registry.settings
    app = FastAPI(
        title="mmarc serve",
        version=__version__,
        description="MMAR models over MONAI Label's and Clara AIAA's v1 REST APIs.",
        docs_url=None,  # Swagger UI loads from a CDN; /docs below is self-contained
        redoc_url=None,
    )
    app.include_router(monai_label_router(registry, __version__))
    app.include_router(aiaa_router(registry))

    @app.get("/health", tags=["Server"], summary="Liveness and each model's queue")
    async def health() -> dict[str, Any]:
        return {
            "status": "ok",
            "models": {
                name: {
                    "waiting": registry.get(name).queue.waiting,
                    "processed": registry.get(name).queue.processed,
                }
                for name in registry.names()
            },
        }

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return HTMLResponse(render_docs(app.openapi()))

    @app.exception_handler(RequestRefused)
    async def refused(request: Request, exc: RequestRefused) -> JSONResponse:
        return JSONResponse({"detail": exc.detail}, exc.status, headers=exc.headers)

    @app.exception_handler(Exception)
    async def failed(request: Request, exc: Exception) -> JSONResponse:
        log.exception("request %s %s failed", request.method, request.url.path)
        return JSONResponse({"detail": f"internal error: {type(exc).__name__}"}, 500)

    # the outermost wrapper is added last: log -> size limit -> token -> routes
    if settings.token:
        app.add_middleware(TokenGate, token=settings.token)
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    app.add_middleware(AccessLog)
    return app
