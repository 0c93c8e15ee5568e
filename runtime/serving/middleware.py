"""What every request passes before a router sees it: a size limit, the token, the log.

Pure ASGI wrappers, so they act on the byte stream itself:

* :class:`BodyLimit` refuses a body whose ``Content-Length`` is over the limit before
  reading a byte of it, and stops a chunked body the moment it passes the limit (HTTP 413);
* :class:`TokenGate` asks for ``Authorization: Bearer TOKEN`` on every route but
  ``/health`` when the server has a token (HTTP 401), compared in constant time;
* :class:`AccessLog` writes one JSON line per request (time, client, method, path,
  status, bytes in and out, milliseconds) to the ``mmarc.serve.access`` logger; the
  query string is left out.
"""

from __future__ import annotations

import hmac
import json
import logging
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi import HTTPException

__all__ = ["OPEN_PATHS", "AccessLog", "BodyLimit", "BodyTooLarge", "TokenGate"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: Routes a load balancer's probe reaches without the token.
OPEN_PATHS = frozenset({"/health"})
access_log = logging.getLogger("mmarc.serve.access")


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` when a streamed body passes the limit (answered with 413)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body is larger than {limit} bytes")


async def _reply(
    send: Send, status: int, detail: str, headers: dict[str, str] | None = None
) -> None:
    body = json.dumps({"detail": detail}).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers") or []:
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


class BodyLimit:
    """HTTP 413 for a request body over ``limit`` bytes, declared or streamed."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _header(scope, b"content-length")
        if declared is not None:
            if not declared.strip().isdigit():
                await _reply(send, 400, "Content-Length is not a number")
                return
            if int(declared) > self.limit:
                await _reply(send, 413, f"request body is larger than {self.limit} bytes")
                return
        seen = 0
        started = False

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise BodyTooLarge(self.limit)
            return message

        async def tracked(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited, tracked)
        except BodyTooLarge as exc:
            if started:
                raise
            await _reply(send, 413, str(exc.detail), {"connection": "close"})


class TokenGate:
    """HTTP 401 unless ``Authorization: Bearer <token>`` matches (``/health`` is open)."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self.expected = f"Bearer {token}".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("path") not in OPEN_PATHS:
            given = (_header(scope, b"authorization") or "").encode("latin-1")
            if not hmac.compare_digest(given, self.expected):
                await _reply(
                    send,
                    401,
                    "missing or wrong token",
                    {"www-authenticate": 'Bearer realm="mmarc"'},
                )
                return
        await self.app(scope, receive, send)


class AccessLog:
    """One JSON line per HTTP request on the ``mmarc.serve.access`` logger."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        record: dict[str, Any] = {"status": 500, "bytes_in": 0, "bytes_out": 0}

        async def counted_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                record["bytes_in"] += len(message.get("body", b""))
            return message

        async def counted_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                record["status"] = int(message["status"])
            elif message["type"] == "http.response.body":
                record["bytes_out"] += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, counted_receive, counted_send)
        finally:
            client = scope.get("client") or ("-", 0)
            access_log.info(
                json.dumps(
                    {
                        "ts": round(time.time(), 3),
                        "client": f"{client[0]}:{client[1]}",
                        "method": scope.get("method"),
                        "path": scope.get("path"),
                        **record,
                        "ms": round((time.perf_counter() - started) * 1000, 1),
                    }
                )
            )
