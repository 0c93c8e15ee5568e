"""Server side of the transport: one ROUTER, a registry of clients, heartbeat bookkeeping.

Single-threaded by design: the round workflow calls :meth:`ServerEndpoint.recv` (which
blocks in ``zmq_poll`` until a message or the timeout, never in a sleep loop, and at most
:data:`MAX_BLOCK_S` at a time, so SIGTERM is seen promptly) and
:meth:`ServerEndpoint.send`. Protocol housekeeping happens inside ``recv``:
registrations are admitted or refused, heartbeats are acknowledged and recorded,
malformed messages are rejected (recorded in :attr:`ServerEndpoint.rejected`, answered
with an ``error``) and never reach the caller or stop the endpoint.

Every message is read frame by frame against what its header announces (see
:mod:`.receive`) and against limits the workflow derives from its global model
(:meth:`ServerEndpoint.expect_payload`); only the kinds a client may send are accepted;
any failure while handling one message is contained to that message. A client is
routed to by the ``name/token`` routing id of the connection it registered from (see
:func:`.message.routing_id`), and with CurveZMQ only a connection authenticated with
that site's key can register it.
"""

from __future__ import annotations

import collections
import logging
import math
import time
from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import Any

import zmq

from ..protocol import (
    DEFAULT_LIMITS,
    PROTOCOL_VERSION,
    SENT_BY_CLIENT,
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
    ClientInfo,
    Message,
    MessageIds,
    Rejection,
    TransportError,
    payload_for,
    routing_name,
)
from .receive import Received, decode_received, read_message
from .security import SecurityConfig
from .shared import SharedFolder, send_payload, shared_folder
from .sockets import (
    DEFAULT_SOCKET_OPTIONS,
    MAX_BLOCK_S,
    SocketOptions,
    new_context,
    server_socket,
)

log = logging.getLogger(__name__)

#: Suffix of the routing id of a client's heartbeat socket: its data socket's routing id
#: plus this (a registration can never come from it: see ``routing_name``).
HEARTBEAT_SUFFIX = "/hb"

#: ``admit(message) -> None`` to accept a registration, or a reason string to refuse it.
AdmitHook = Callable[[Message], str | None]

#: Rejections logged one by one before only every 1000th is (all are counted in ``stats``).
_LOGGED_REJECTIONS = 100

_VERSION_TEXT = f"{PROTOCOL_VERSION[0]}.{PROTOCOL_VERSION[1]}"


class ServerEndpoint:
    """The server's end of every client connection.

    ``recv`` returns application messages (``register`` after it was accepted,
    ``result``, ``bye``, ``error``...); ``send``/``broadcast`` address clients by name.
    Not thread-safe: use from one thread.
    """

    def __init__(
        self,
        bind: str = "tcp://127.0.0.1:*",
        *,
        run_id: str,
        plan_hash: str = "",
        security: SecurityConfig | None = None,
        options: SocketOptions = DEFAULT_SOCKET_OPTIONS,
        limits: Limits = DEFAULT_LIMITS,
        admit: AdmitHook | None = None,
        context: zmq.Context[Any] | None = None,
    ) -> None:
        if options.max_frame_bytes > limits.max_frame_bytes:
            raise ValueError("options.max_frame_bytes exceeds limits.max_frame_bytes")
        self.run_id = run_id
        self.plan_hash = plan_hash
        self.limits = limits
        self._configured_limits = limits
        self._secure = security is not None
        #: the chunk size of what this endpoint sends (smaller under CurveZMQ)
        self.chunk_bytes = chunk_bytes_for(limits, curve=self._secure)
        self._admit = admit
        self._own_context = context is None
        self._context = context if context is not None else new_context(options)
        self._server = server_socket(self._context, bind, security=security, options=options)
        self._socket = self._server.socket
        folder = shared_folder(self._server.endpoint)
        #: same-host payloads through files next to an ipc:// socket (see :mod:`.shared`)
        self._shared = SharedFolder(folder) if folder is not None else None
        self._poller = zmq.Poller()
        self._poller.register(self._socket, zmq.POLLIN)
        self._ids = MessageIds()
        self._clients: dict[str, ClientInfo] = {}
        self._queue: collections.deque[Message] = collections.deque()
        self.rejected: collections.deque[Rejection] = collections.deque(maxlen=100)
        self.stats: collections.Counter[str] = collections.Counter()
        self._closed = False

    # --- public API -----------------------------------------------------------------

    @property
    def endpoint(self) -> str:
        """The endpoint actually bound (the port resolved if ``bind`` used ``*``)."""
        return self._server.endpoint

    @property
    def shared_payloads(self) -> bool:
        """Whether large payloads may come and go as shared files (an ``ipc://`` socket in
        a private folder, see :mod:`.shared`)."""
        return self._shared is not None

    @property
    def clients(self) -> Mapping[str, ClientInfo]:
        """Registered clients by name (read-only view)."""
        return MappingProxyType(self._clients)

    def recv(self, timeout: float | None = None) -> Message | None:
        """Next application message, or None after ``timeout`` seconds (None: wait forever).

        One ``zmq_poll`` blocks at most :data:`MAX_BLOCK_S` (see there), so a stop
        request is honoured within that time however long the wait."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self._queue:
            wait_s = MAX_BLOCK_S
            if deadline is not None:
                remaining = deadline - time.monotonic()
                if remaining <= 0 and not self._poller.poll(0):
                    return None
                wait_s = min(max(remaining, 0.0), MAX_BLOCK_S)
            if self._poller.poll(math.ceil(wait_s * 1000)):
                self._receive_one()
        return self._queue.popleft()

    def pump(self) -> int:
        """Handle every message already waiting, without blocking; returns how many.

        Application messages are queued for the next :meth:`recv`. Call it before judging
        liveness after a long computation, so queued heartbeats count.
        """
        handled = 0
        while self._poller.poll(0):
            self._receive_one()
            handled += 1
        return handled

    def send(
        self,
        client: str,
        kind: MessageKind,
        *,
        round: int = -1,
        meta: Mapping[str, Any] | None = None,
        tensors: Mapping[str, Any] | Payload | None = None,
        in_reply_to: str = "",
    ) -> str:
        """Send one message to a registered client; returns its message id.

        Tensors are sent zero-copy: do not modify them until the client has answered.
        Raises :class:`TransportError` if the client is unknown, gone or not reading.
        """
        info = self._clients.get(client)
        if info is None:
            raise TransportError(f"client {client!r} is not registered")
        header = self._header(kind, client, round, meta, in_reply_to)
        payload = payload_for(tensors, self.limits, self.chunk_bytes)
        send_payload(  # a Payload is laid out once to be sent to many (see broadcast)
            self._shared,
            header,
            payload,
            lambda frames: self._send(info.identity, frames, client),
            many=isinstance(tensors, Payload),
        )
        return header.msg_id

    def broadcast(
        self,
        clients: Iterable[str],
        kind: MessageKind,
        *,
        round: int = -1,
        meta: Mapping[str, Any] | None = None,
        tensors: Mapping[str, Any] | Payload | None = None,
    ) -> dict[str, TransportError]:
        """Send the same tensors to many clients, laid out once and shared by all sends.

        Returns the clients that could not be reached, with the error; the others got it.
        """
        payload = payload_for(tensors, self.limits, self.chunk_bytes)
        failed: dict[str, TransportError] = {}
        for client in clients:
            try:
                self.send(client, kind, round=round, meta=meta, tensors=payload)
            except TransportError as exc:
                failed[client] = exc
        return failed

    def expect_payload(self, nbytes: int, tensors: int, margin: float = 0.25) -> None:
        """Bound every message from now on by a payload of ``nbytes`` in ``tensors`` tensors.

        The workflow calls it with its global model: no honest client sends much more
        than the model, so a message is refused, and the rest of it dropped as it is read, once
        it goes past the model's size plus ``margin`` (see :meth:`Limits.for_payload`).
        Calling it again (a model of another size) starts from the configured limits.
        """
        # the clients use the same security, hence the same chunk size, as this endpoint
        self.limits = self._configured_limits.for_payload(
            nbytes, tensors, margin, chunk_bytes=self.chunk_bytes
        )

    def last_seen(self, client: str) -> float | None:
        """``time.monotonic()`` of the client's last valid message or heartbeat."""
        info = self._clients.get(client)
        return None if info is None else info.last_seen

    def dead_clients(self, timeout: float) -> list[str]:
        """Registered clients silent for more than ``timeout`` seconds (after a pump)."""
        self.pump()
        limit = time.monotonic() - timeout
        return [name for name, info in self._clients.items() if info.last_seen < limit]

    def forget(self, client: str) -> None:
        """Drop a client from the registry; its next message will ask it to re-register."""
        self._clients.pop(client, None)

    def close(self, linger_ms: int | None = None) -> None:
        """Close the socket (and the private context); idempotent."""
        if self._closed:
            return
        self._closed = True
        self._server.close(linger_ms)
        if self._shared is not None:
            self._shared.close()
        if self._own_context:
            self._context.term()

    def __enter__(self) -> ServerEndpoint:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- internals ----------------------------------------------------------------------

    def _header(
        self,
        kind: MessageKind,
        client: str,
        round: int,
        meta: Mapping[str, Any] | None,
        in_reply_to: str,
    ) -> Header:
        return Header(
            kind=kind,
            run_id=self.run_id,
            round=round,
            client=client,
            plan_hash=self.plan_hash,
            msg_id=self._ids(),
            in_reply_to=in_reply_to,
            meta=dict(meta or {}),
        )

    def _send(self, identity: bytes, frames: list[Any], client: str, flags: int = 0) -> None:
        try:
            self._socket.send_multipart([identity, *frames], flags=flags, copy=False)
        except zmq.Again:
            raise TransportError(f"send to {client!r} timed out (client not reading?)") from None
        except zmq.ZMQError as exc:
            if exc.errno == zmq.EHOSTUNREACH:
                raise TransportError(f"client {client!r} is not connected") from None
            raise TransportError(f"send to {client!r} failed: {exc}") from None

    def _reply(self, identity: bytes, kind: MessageKind, client: str, **fields: Any) -> None:
        """Best-effort protocol reply: never blocks, never raises."""
        header = self._header(
            kind, client, fields.pop("round", -1), fields.pop("meta", None), fields.pop("re", "")
        )
        try:
            self._send(identity, encode(header), client, flags=zmq.NOBLOCK)
        except TransportError as exc:
            log.debug("reply %s to %r dropped: %s", kind, identity, exc)

    def _reject(self, identity: bytes, error: ProtocolError) -> None:
        """Count and record a refused message; log the first ones and then one in 1000,
        so that a flood of hostile messages cannot fill the server's disk with lines."""
        self.stats["rejected"] += 1
        count = self.stats["rejected"]
        self.rejected.append(Rejection(identity, error, time.monotonic()))
        if count <= _LOGGED_REJECTIONS or count % 1000 == 0:
            log.warning("rejected message #%d from %r: %s", count, identity[:64], error)

    def _tell_workflow_malformed(self, identity: bytes, error: ProtocolError, now: float) -> None:
        """A registered client sent something unreadable: the workflow hears it as that
        client's error (``code`` "malformed"), so a round does not wait for an answer that
        was refused at the door. Peers that are not registered are only counted."""
        name = next((n for n, info in self._clients.items() if info.identity == identity), None)
        if name is None:
            return
        header = Header(
            MessageKind.ERROR,
            run_id=self.run_id,
            client=name,
            meta={"code": "malformed", "detail": str(error)[:300]},
        )
        self._queue.append(Message(header, {}, identity, "", now))

    def _receive_one(self) -> None:
        """Read, check and route one message; nothing a peer sends escapes from here."""
        received = read_message(self._socket, self.limits, routed=True, shared=self._shared)
        if received is None:
            return
        identity = received.identity
        try:
            self._handle(received)
        except Exception as exc:  # one message must never stop the server
            log.exception("message from %r could not be handled", identity[:64])
            self._reject(identity, ProtocolError(f"message could not be handled: {exc!r:.200}"))

    def _handle(self, received: Received) -> None:
        now = time.monotonic()
        identity = received.identity
        if received.dropped_bytes:
            self.stats["dropped_bytes"] += received.dropped_bytes
        try:
            header, tensors = decode_received(received, self.limits, SENT_BY_CLIENT)
        except VersionMismatch as exc:
            self._reject(identity, exc)
            peer = f"{exc.peer[0]}.{exc.peer[1]}"
            self._reply(
                identity,
                MessageKind.REFUSED,
                exc.client if is_valid_client_name(exc.client) else "",
                re=exc.msg_id,
                meta={
                    "code": "protocol_version",
                    "reason": f"client speaks protocol {peer}, server speaks {_VERSION_TEXT}",
                    "server_version": _VERSION_TEXT,
                    "client_version": peer,
                },
            )
            return
        except ProtocolError as exc:
            self._reject(identity, exc)
            self._reply(
                identity, MessageKind.ERROR, "", meta={"code": "malformed", "detail": str(exc)}
            )
            self._tell_workflow_malformed(identity, exc, now)
            return
        # set by the ZAP handler: the participant bound to the key of the connection
        user_id = received.user_id if self._secure else ""
        message = Message(header, tensors, identity, user_id, now)
        self.stats[header.kind.value] += 1
        self._dispatch(message)

    def _dispatch(self, message: Message) -> None:
        header, identity = message.header, message.identity
        name = header.client
        owner = routing_name(identity.removesuffix(HEARTBEAT_SUFFIX.encode()))
        if self._secure and (name != message.user_id or owner != message.user_id):
            # both the name the header claims and the one in the routing id must be the
            # participant whose key authenticated the connection
            self._reject(
                identity,
                ProtocolError(
                    f"client name {name!r} or routing id {identity[:64]!r} does not match "
                    f"its key ({message.user_id!r})"
                ),
            )
            self._reply(
                identity,
                MessageKind.REFUSED,
                "",
                re=header.msg_id,
                meta={"code": "identity", "reason": "client name does not match the key"},
            )
            return
        kind = header.kind
        if kind is MessageKind.REGISTER:
            self._register(message)
            return
        info = self._clients.get(name)
        if kind is MessageKind.HEARTBEAT:
            known = info is not None and identity in (
                info.identity,
                info.identity + HEARTBEAT_SUFFIX.encode(),
            )
            if known and info is not None:
                info.last_seen = message.received_at
            self._reply(
                identity,
                MessageKind.HEARTBEAT_ACK,
                name,
                re=header.msg_id,
                meta={"known": known},
            )
            return
        if info is None or info.identity != identity:
            self._reply(
                identity,
                MessageKind.ERROR,
                name,
                re=header.msg_id,
                meta={"code": "not_registered", "detail": "register first"},
            )
            return
        if header.run_id != self.run_id:
            self._reply(
                identity,
                MessageKind.ERROR,
                name,
                re=header.msg_id,
                meta={"code": "wrong_run", "detail": f"server runs {self.run_id!r}"},
            )
            return
        info.last_seen = message.received_at
        if kind is MessageKind.BYE:
            del self._clients[name]
        self._queue.append(message)

    def _register(self, message: Message) -> None:
        header, identity = message.header, message.identity
        name = header.client
        reason = ""
        if not name:
            reason = "register carries no client name"
        elif routing_name(identity) != name:
            reason = (
                "register must come from a socket whose routing id is the client name "
                "plus a random token (name/token)"
            )
        elif header.run_id != self.run_id:
            reason = f"client joins run {header.run_id!r}, server runs {self.run_id!r}"
        elif self.plan_hash and header.plan_hash != self.plan_hash:
            reason = (
                f"client plan hash {header.plan_hash!r} differs from the server's "
                f"{self.plan_hash!r}; both sides must run the same compiled plan"
            )
        elif self._admit is not None:
            reason = self._admit(message) or ""
        if reason:
            self.stats["refused"] += 1
            log.info("refused registration of %r: %s", name, reason)
            self._reply(
                identity,
                MessageKind.REFUSED,
                name if is_valid_client_name(name) else "",
                re=header.msg_id,
                meta={"code": "refused", "reason": reason},
            )
            return
        now = message.received_at
        self._clients[name] = ClientInfo(
            name, identity, now, now, dict(header.meta), message.user_id
        )
        self._reply(
            identity,
            MessageKind.REGISTERED,
            name,
            re=header.msg_id,
            meta={"protocol": _VERSION_TEXT},
        )
        self._queue.append(message)
