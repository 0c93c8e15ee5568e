"""The console's connection: a CurveZMQ DEALER pinned to the server key in the admin kit.

The admin's identity is its key pair from the kit; the server learns the email from
the key (ZAP), so nothing here sends a user name. A refused key shows up as a failed
handshake, which a socket monitor turns into a clear error instead of a silent wait.
"""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import zmq

from mmarc.errors import MmarcError

from ..compiling import CompileFn, CompileRefused
from ..protocol import is_valid_client_name
from ..provision.kit import KitInfo
from ..security.uploads import UploadRefused, read_upload, scan_folder
from ..transport.security import SecurityConfig
from ..transport.sockets import DEFAULT_SOCKET_OPTIONS, client_socket, new_context
from .protocol import (
    DEFAULT_ADMIN_LIMITS,
    AdminLimits,
    AdminProtocolError,
    Request,
    Response,
    encode_request,
    parse_response,
)

_HANDSHAKE_FAILURES = (
    zmq.EVENT_HANDSHAKE_FAILED_AUTH
    | zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL
    | zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL
)


class AdminConnectionError(MmarcError, RuntimeError):
    """The server could not be reached, refused this admin's key, or did not answer."""


class AdminClient:
    """Request/response over one connection; not thread-safe."""

    def __init__(
        self,
        security: SecurityConfig,
        endpoint: str,
        *,
        timeout_s: float = 30.0,
        limits: AdminLimits = DEFAULT_ADMIN_LIMITS,
        compile_plan: CompileFn | None = None,
    ) -> None:
        self.endpoint = endpoint
        #: Checks an MMAR here before :meth:`upload_folder` sends it (None: the server's
        #: check only).
        self.compile_plan = compile_plan
        self.timeout_s = timeout_s
        self.limits = limits
        options = replace(
            DEFAULT_SOCKET_OPTIONS,
            max_frame_bytes=limits.max_response_bytes,
            linger_ms=0,
            reconnect_ivl_max_ms=1000,
        )
        self._context = new_context(options)
        identity = b"admin-" + os.urandom(8).hex().encode()
        self._socket = client_socket(
            self._context, endpoint, identity=identity, security=security, options=options
        )
        self._monitor = self._socket.get_monitor_socket(_HANDSHAKE_FAILURES)
        self._poller = zmq.Poller()
        self._poller.register(self._socket, zmq.POLLIN)
        self._poller.register(self._monitor, zmq.POLLIN)
        self._ids = itertools.count(1)

    @classmethod
    def from_kit(cls, kit: KitInfo, *, endpoint: str | None = None, **kwargs: Any) -> AdminClient:
        return cls(kit.client_security(), endpoint or kit.admin_url, **kwargs)

    def request(
        self,
        cmd: str,
        args: Sequence[str] = (),
        *,
        files: Sequence[Any] = (),
        blobs: Sequence[bytes] = (),
        timeout_s: float | None = None,
    ) -> Response:
        """Send one command and wait for its reply."""
        request = Request(f"r{next(self._ids)}", cmd, tuple(args), tuple(files))
        try:
            self._socket.send_multipart([encode_request(request), *blobs], copy=False)
        except zmq.ZMQError as exc:
            raise AdminConnectionError(f"cannot send to {self.endpoint}: {exc}") from None
        timeout = self.timeout_s if timeout_s is None else timeout_s
        deadline = time.monotonic() + timeout
        while (remaining := deadline - time.monotonic()) > 0:
            events = dict(self._poller.poll(max(1, int(remaining * 1000))))
            if self._monitor in events:
                frames = self._monitor.recv_multipart()
                event = int.from_bytes(frames[0][:2], "little")
                if event & _HANDSHAKE_FAILURES:
                    raise AdminConnectionError(
                        f"{self.endpoint} refused this admin key (CurveZMQ handshake failed: "
                        "the key is not provisioned on this server, or the kit is for "
                        "another server)"
                    )
            if self._socket in events:
                frames = self._socket.recv_multipart()
                try:
                    response = parse_response(frames[0], self.limits.max_response_bytes)
                except AdminProtocolError:
                    continue
                # re == "": the server could not tie its error to a request (rate limit).
                if response.re == request.id or (not response.re and response.status == "error"):
                    return response
        raise AdminConnectionError(f"no answer from {self.endpoint} within {timeout:.0f} s")

    def upload_folder(self, folder: Path, *, timeout_s: float = 600.0) -> Response:
        """Check and compile ``folder`` here, then send it; the server checks it again.

        With a ``compile_plan``, an MMAR with errors is refused locally (the reply carries
        its diagnostics) and nothing is sent.
        """
        folder = Path(folder)
        name = folder.resolve().name
        if not is_valid_client_name(name):
            return Response("", "error", f"{name!r} cannot name an uploaded MMAR; rename it")
        try:
            entries = scan_folder(folder, self.limits.uploads)
        except UploadRefused as exc:
            return Response("", "error", f"not uploaded: {exc}")
        if self.compile_plan is not None:
            try:
                self.compile_plan(folder)
            except CompileRefused as exc:
                if exc.diagnostics:
                    text = exc.diagnostics + "not uploaded: fix the errors above first"
                    return Response("", "error", text)
                return Response("", "error", f"not uploaded: {exc}")
        try:
            blobs = read_upload(folder, entries)
        except UploadRefused as exc:
            return Response("", "error", f"not uploaded: {exc}")
        return self.request(
            "upload_folder", [name], files=entries, blobs=blobs, timeout_s=timeout_s
        )

    def close(self) -> None:
        self._socket.disable_monitor()
        self._monitor.close(linger=0)
        self._socket.close(linger=0)
        self._context.term()

    def __enter__(self) -> AdminClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
