"""Client side of the transport: a data DEALER plus a heartbeat thread with its own DEALER.

Why a separate heartbeat socket and thread: the client's main thread is busy training
for minutes, and a heartbeat queued behind a 100 MB result on a slow hospital uplink
would arrive late. The heartbeat thread owns its socket (ZeroMQ sockets are not
thread-safe), beats every ``heartbeat_interval`` seconds with ``zmq_poll`` as its only
timer, records the server's acknowledgements (liveness of the server) and notices when
the server no longer knows this client (server restarted): the next ``send``/``recv``
then re-registers automatically. TCP reconnection itself is ZeroMQ's job.
"""

from __future__ import annotations

import collections
import contextlib
import logging
import math
import threading
import time
from collections.abc import Mapping
from typing import Any

import numpy as np
import zmq

from ..protocol import (
    DEFAULT_LIMITS,
    SENT_BY_SERVER,
    Header,
    Limits,
    MessageKind,
    Payload,
    ProtocolError,
    VersionMismatch,
    chunk_bytes_for,
    encode,
    is_valid_client_name,
)
from .message import (
    Message,
    MessageIds,
    RegistrationRefused,
    Rejection,
    TransportError,
    payload_for,
    routing_id,
)
from .receive import decode_received, read_message
from .security import SecurityConfig
from .server import HEARTBEAT_SUFFIX
from .shared import SharedFolder, send_payload, shared_folder
from .sockets import (
    DEFAULT_SOCKET_OPTIONS,
    MAX_BLOCK_S,
    SocketOptions,
    client_socket,
    new_context,
)

log = logging.getLogger(__name__)

_AUTH_FAILURES = (
    zmq.EVENT_HANDSHAKE_FAILED_AUTH
    | zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL
    | zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL
)


class _Heartbeat(threading.Thread):
    """Sends heartbeats and reads acks on its own socket until told to stop."""

    def __init__(self, owner: ClientEndpoint, connect: str, interval: float) -> None:
        super().__init__(name=f"mmarc-heartbeat-{owner.name}", daemon=True)
        self._owner = owner
        self._connect = connect
        self._interval = interval
        # The control pipe runs both ways: "stop" from the owner to the thread, "forgot"
        # from the thread to the owner, whose poll wakes up to register again at once.
        self._control_address = f"inproc://mmarc-heartbeat-{id(self)}"
        self.control = owner._context.socket(zmq.PAIR)
        self.control.bind(self._control_address)
        self.last_ack: float | None = None
        self._sent: dict[str, int] = {}  # heartbeat id -> registration generation at send
        self.started = threading.Event()

    def stop(self) -> None:
        if self.is_alive():
            self.control.send(b"stop")
            self.join()
        self.control.close(linger=0)

    def run(self) -> None:
        owner = self._owner
        control = owner._context.socket(zmq.PAIR)
        control.connect(self._control_address)
        socket = client_socket(
            owner._context,
            self._connect,
            identity=owner.routing_id + HEARTBEAT_SUFFIX.encode(),
            security=owner._security,
            options=owner._options,
            immediate=True,
        )
        poller = zmq.Poller()
        poller.register(control, zmq.POLLIN)
        poller.register(socket, zmq.POLLIN)
        self.started.set()
        next_beat = time.monotonic()
        try:
            while True:
                now = time.monotonic()
                if now >= next_beat:
                    self._beat(socket)
                    next_beat = now + self._interval
                wait_ms = max(0, math.ceil((next_beat - time.monotonic()) * 1000))
                events = dict(poller.poll(wait_ms))
                if control in events:
                    return
                if socket in events:
                    self._read_ack(socket, control)
        finally:
            socket.close(linger=0)
            control.close(linger=0)

    def _beat(self, socket: zmq.Socket[Any]) -> None:
        owner = self._owner
        header = owner._header(MessageKind.HEARTBEAT, owner.round, {"status": owner.status}, "")
        try:
            socket.send(header.to_bytes(), flags=zmq.NOBLOCK)
        except zmq.ZMQError:
            return  # not connected (IMMEDIATE): a stale heartbeat would be worthless anyway
        self._sent[header.msg_id] = owner._generation
        while len(self._sent) > 16:
            del self._sent[next(iter(self._sent))]

    def _read_ack(self, socket: zmq.Socket[Any], control: zmq.Socket[Any]) -> None:
        received = read_message(socket, self._owner.limits, routed=False)
        if received is None:
            return
        try:
            header, _ = decode_received(received, self._owner.limits, SENT_BY_SERVER)
        except ProtocolError as exc:
            log.warning("heartbeat socket: bad message from server: %s", exc)
            return
        if header.kind is MessageKind.HEARTBEAT_ACK:
            self.last_ack = time.monotonic()
            # Only a beat sent after the current registration was accepted proves that the
            # server forgot us; an earlier one may simply have overtaken the register.
            owner = self._owner
            generation = self._sent.pop(header.in_reply_to, -1)
            if (
                header.meta.get("known") is False
                and owner._registered
                and generation == owner._generation
            ):
                control.send(b"forgot")


class ClientEndpoint:
    """A client's end of the connection to the server (outbound only).

    Use: ``register()`` once, then ``recv()`` tasks and ``send(MessageKind.RESULT, ...)``.
    Not thread-safe apart from the internal heartbeat thread; ``round`` and ``status``
    may be updated by the caller and are reported in heartbeats.
    """

    def __init__(
        self,
        connect: str,
        name: str,
        *,
        run_id: str,
        plan_hash: str = "",
        security: SecurityConfig | None = None,
        options: SocketOptions = DEFAULT_SOCKET_OPTIONS,
        limits: Limits = DEFAULT_LIMITS,
        heartbeat_interval: float | None = 5.0,
        context: zmq.Context[Any] | None = None,
    ) -> None:
        if not is_valid_client_name(name):
            raise ValueError(
                f"client name {name!r} must be 1-128 characters of letters, digits, '_.@+-'"
            )
        self.name = name
        self.run_id = run_id
        self.plan_hash = plan_hash
        self.limits = limits
        self.round = -1
        self.status = "idle"
        self._security = security
        #: the chunk size of what this endpoint sends (smaller under CurveZMQ)
        self.chunk_bytes = chunk_bytes_for(limits, curve=security is not None)
        self._options = options
        self._own_context = context is None
        self._context = context if context is not None else new_context(options)
        self._ids = MessageIds()
        #: this endpoint's routing id, unguessable by other peers (see ``routing_id``)
        self.routing_id = routing_id(name)
        self._socket = client_socket(
            self._context, connect, identity=self.routing_id, security=security, options=options
        )
        folder = shared_folder(connect)
        #: same-host payloads through files next to an ipc:// socket (see :mod:`.shared`)
        self._shared = SharedFolder(folder) if folder is not None else None
        # Only to tell "the server rejected our key" from "the server is silent".
        self._monitor = self._socket.get_monitor_socket(_AUTH_FAILURES)
        self._poller = zmq.Poller()
        self._poller.register(self._socket, zmq.POLLIN)
        self._poller.register(self._monitor, zmq.POLLIN)
        self._registered = False
        self._register_sent_at: float | None = None
        self._register_retry_s = max(1.0, 4 * (heartbeat_interval or 1.0))
        self._generation = 0  # counts accepted registrations; see _Heartbeat._read_ack
        self._register_meta: dict[str, Any] = {}
        self._auth_failure = ""
        self._queue: collections.deque[Message] = collections.deque()
        self.rejected: collections.deque[Rejection] = collections.deque(maxlen=100)
        self.registrations = 0
        self._last_server_message: float | None = None
        self._into: Mapping[str, np.ndarray] | None = None
        self._heartbeat: _Heartbeat | None = None
        if heartbeat_interval is not None:
            self._heartbeat = _Heartbeat(self, connect, heartbeat_interval)
            self._heartbeat.start()
            self._heartbeat.started.wait()
            self._poller.register(self._heartbeat.control, zmq.POLLIN)
        self._closed = False

    # --- public API -----------------------------------------------------------------

    @property
    def registered(self) -> bool:
        return self._registered

    @property
    def shared_payloads(self) -> bool:
        """Whether large payloads may arrive as shared files (an ``ipc://`` server in a
        private folder, see :mod:`.shared`): their tensors are then views of a private
        mapping, and :meth:`recv`'s ``into`` buffers are not used for them."""
        return self._shared is not None

    @property
    def server_last_seen(self) -> float | None:
        """``time.monotonic()`` of the last message or heartbeat ack from the server."""
        times = [self._last_server_message]
        if self._heartbeat is not None:
            times.append(self._heartbeat.last_ack)
        known = [t for t in times if t is not None]
        return max(known) if known else None

    def server_alive(self, timeout: float) -> bool:
        """Heard from the server within ``timeout`` seconds?"""
        seen = self.server_last_seen
        return seen is not None and time.monotonic() - seen <= timeout

    def register(self, meta: Mapping[str, Any] | None = None, timeout: float = 30.0) -> Message:
        """Join the run: send ``register`` and wait for ``registered``.

        Raises :class:`RegistrationRefused` (with the server's reason: other protocol
        version, other plan, unknown key...) or :class:`TransportError` on timeout.
        ``meta`` is kept and re-sent on automatic re-registration.
        """
        self._register_meta = dict(meta or {})
        self._send_register()
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            message = self._next(remaining, want_registration=True) if remaining > 0 else None
            if message is None:
                raise TransportError(
                    f"no answer to registration from the server within {timeout:g} s"
                )
            if message.kind is MessageKind.REGISTERED:
                return message
            self._queue.append(message)

    def send(
        self,
        kind: MessageKind,
        *,
        round: int = -1,
        meta: Mapping[str, Any] | None = None,
        tensors: Mapping[str, Any] | Payload | None = None,
        in_reply_to: str = "",
    ) -> str:
        """Send a message to the server; returns its id. Tensors go zero-copy (see codec)."""
        self._maybe_reregister()
        header = self._header(kind, round, meta, in_reply_to)
        payload = payload_for(tensors, self.limits, self.chunk_bytes)
        send_payload(self._shared, header, payload, self._send, many=isinstance(tensors, Payload))
        return header.msg_id

    def recv(
        self, timeout: float | None = None, *, into: Mapping[str, np.ndarray] | None = None
    ) -> Message | None:
        """Next message from the server, or None after ``timeout`` seconds (None: forever).

        ``into``: arrays to receive tensors in place (see :func:`~..protocol.decode`), e.g.
        ``{k: v.numpy() for k, v in model.state_dict().items()}`` to load the global model
        without an intermediate copy (a shared payload needs none: its tensors are views of
        its private mapping, see :mod:`.shared`, and ``into`` is not used). Re-registration
        after a server restart happens in here, transparently; a ``refused`` answer to it
        raises :class:`RegistrationRefused`.
        """
        if self._queue:
            return self._queue.popleft()
        self._into = into
        try:
            return self._next(timeout, want_registration=False)
        finally:
            self._into = None

    def close(self, bye: bool = True) -> None:
        """Say ``bye`` (best effort), stop heartbeats, close sockets; idempotent."""
        if self._closed:
            return
        self._closed = True
        if bye and self._registered:
            bye_frames = encode(self._header(MessageKind.BYE, self.round, None, ""))
            with contextlib.suppress(TransportError):
                self._send(bye_frames, zmq.NOBLOCK)
        if self._heartbeat is not None:
            self._heartbeat.stop()
        self._socket.disable_monitor()
        self._monitor.close(linger=0)
        self._socket.close()
        if self._shared is not None:
            self._shared.close()
        if self._own_context:
            self._context.term()

    def __enter__(self) -> ClientEndpoint:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- internals ----------------------------------------------------------------------

    def _header(
        self, kind: MessageKind, round: int, meta: Mapping[str, Any] | None, in_reply_to: str
    ) -> Header:
        return Header(
            kind=kind,
            run_id=self.run_id,
            round=round,
            client=self.name,
            plan_hash=self.plan_hash,
            msg_id=self._ids(),
            in_reply_to=in_reply_to,
            meta=dict(meta or {}),
        )

    def _send(self, frames: list[Any], flags: int = 0) -> None:
        try:
            self._socket.send_multipart(frames, flags=flags, copy=False)
        except zmq.Again:
            raise TransportError("send to the server timed out") from None
        except zmq.ZMQError as exc:
            raise TransportError(f"send to the server failed: {exc}") from None

    def _send_register(self) -> None:
        self.registrations += 1
        self._register_sent_at = time.monotonic()
        self._send(encode(self._header(MessageKind.REGISTER, -1, self._register_meta, "")))

    def _retry_register_in(self) -> float | None:
        """Seconds until an unanswered registration is sent again (None: none pending).

        A register can be lost when the server restarts again before answering.
        """
        if self._registered or self._register_sent_at is None:
            return None
        due = self._register_sent_at + self._register_retry_s - time.monotonic()
        if due <= 0:
            log.info("registration of %r unanswered; sending it again", self.name)
            self._send_register()
            due = self._register_retry_s
        return due

    def _maybe_reregister(self) -> None:
        hb = self._heartbeat
        if hb is None:
            return
        forgot = False
        while hb.control.poll(0):
            forgot = hb.control.recv() == b"forgot" or forgot
        if forgot and self._registered:
            self._registered = False
            log.info("server no longer knows %r; registering again", self.name)
            self._send_register()

    def _read_monitor(self) -> None:
        while self._monitor.poll(0):
            frames = self._monitor.recv_multipart()
            event = int.from_bytes(frames[0][:2], "little")
            if event & _AUTH_FAILURES:
                self._auth_failure = (
                    "the server rejected the connection handshake (CurveZMQ key not "
                    "accepted, or security settings differ between client and server)"
                )

    def _next(self, timeout: float | None, *, want_registration: bool) -> Message | None:
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            self._maybe_reregister()
            waits = [self._retry_register_in(), MAX_BLOCK_S]  # see MAX_BLOCK_S: signals
            if deadline is not None:
                waits.append(deadline - time.monotonic())
            wait_ms = max(0, math.ceil(min(w for w in waits if w is not None) * 1000))
            events = dict(self._poller.poll(wait_ms))
            if self._monitor in events:
                self._read_monitor()
                if self._auth_failure and want_registration:
                    raise RegistrationRefused(self._auth_failure, {"code": "handshake"})
            if self._socket in events:
                message = self._receive_one(want_registration)
                if message is not None:
                    return message
            if deadline is not None and time.monotonic() >= deadline:
                return None

    def _receive_one(self, want_registration: bool) -> Message | None:
        received = read_message(self._socket, self.limits, routed=False, shared=self._shared)
        if received is None:
            return None
        now = time.monotonic()
        try:
            header, tensors = decode_received(
                received, self.limits, SENT_BY_SERVER, into=self._into
            )
        except VersionMismatch as exc:
            # Nothing can be exchanged with this server; say so instead of timing out.
            self._registered = False
            raise RegistrationRefused(
                f"server speaks protocol {exc.peer[0]}.{exc.peer[1]}, this client speaks "
                f"{exc.ours[0]}.{exc.ours[1]}; major versions must match",
                {"code": "protocol_version"},
            ) from None
        except ProtocolError as exc:
            self.rejected.append(Rejection(b"", exc, now))
            log.warning("bad message from server: %s", exc)
            return None
        self._last_server_message = now
        message = Message(header, tensors, received_at=now)
        kind = header.kind
        if kind is MessageKind.REGISTERED:
            # generation first: the heartbeat thread must never see "registered" paired with
            # the generation of beats sent before this registration (a false "forgot us")
            self._generation += 1
            self._registered = True
            return message if want_registration else None
        if kind is MessageKind.REFUSED:
            self._registered = False
            raise RegistrationRefused(str(header.meta.get("reason", "refused")), dict(header.meta))
        if kind is MessageKind.ERROR and header.meta.get("code") == "not_registered":
            if self._registered:  # the server restarted or forgot us
                self._registered = False
                log.info("server says %r is not registered; registering again", self.name)
                self._send_register()
            return None
        return message
