"""The one place where ZeroMQ sockets are created and configured.

Topology: the server owns one ROUTER socket that *binds*; every client owns DEALER
sockets that *connect*. Hospitals therefore open no inbound ports: only the server's
port must be reachable. Everything that must hold for every socket of the runtime
(limits, keepalive, reconnection, security) is set here, so that switching CurveZMQ on
is one argument (``security``) and not a hunt through the code base.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import zmq

from ..protocol import DEFAULT_LIMITS
from .security import ParticipantAuthenticator, SecurityConfig

#: The longest one ``zmq_poll`` of an endpoint's wait blocks, in seconds. Python runs a
#: signal's handler (SIGTERM's raises KeyboardInterrupt) only when the main thread
#: executes bytecode: a signal that arrives between the last check and the poll, or that
#: the kernel hands to another thread (TenSEAL's pool, the persist writer, OpenMP), would
#: otherwise wait for the next message, which never comes while no peer is connected. A
#: message still wakes the poll at once: this bounds how late a stop is seen, nothing else.
MAX_BLOCK_S = 0.5


@dataclass(frozen=True, slots=True)
class SocketOptions:
    """Socket settings shared by server and clients. Times in ms unless named ``_s``.

    - HWMs count whole messages, not bytes; 1000 queued models is far beyond any round.
    - ``server_recv_hwm``: per connection, the server's ROUTER queues at most this many
      whole messages from one peer; then libzmq stops reading that peer's TCP stream
      (backpressure, nothing is dropped). It bounds what one peer can pile up while the
      server is busy aggregating; an honest client has a message or two in flight.
    - ``linger_ms``: how long close() may wait to flush a last message (``bye``).
    - ``send_timeout_ms``: a send that cannot be queued in this time raises instead of
      blocking the round forever (e.g. a peer that stopped reading).
    - ``max_frame_bytes``: ZeroMQ drops a connection that sends a larger frame before
      buffering it (``MAXMSGSIZE``); must be >= the chunk size of the codec.
    - TCP keepalive keeps NAT/firewall state of hospital networks from expiring during
      long local training; ZMTP heartbeats detect a dead TCP peer within
      ``zmtp_heartbeat_timeout_ms`` even when the kernel does not notice.
    - ``reconnect_*``: clients retry quickly at first (a server restart costs ~0.1 s),
      backing off to 5 s.
    """

    send_hwm: int = 1000
    recv_hwm: int = 1000
    server_recv_hwm: int = 64
    linger_ms: int = 1000
    send_timeout_ms: int = 60_000
    max_frame_bytes: int = DEFAULT_LIMITS.max_frame_bytes
    tcp_keepalive: bool = True
    tcp_keepalive_idle_s: int = 60
    tcp_keepalive_interval_s: int = 10
    tcp_keepalive_count: int = 6
    zmtp_heartbeat_ivl_ms: int = 5_000
    zmtp_heartbeat_timeout_ms: int = 30_000
    reconnect_ivl_ms: int = 100
    reconnect_ivl_max_ms: int = 5_000
    io_threads: int = 1


DEFAULT_SOCKET_OPTIONS = SocketOptions()


def new_context(options: SocketOptions = DEFAULT_SOCKET_OPTIONS) -> zmq.Context[Any]:
    """A private context per endpoint: ZAP authentication is per context, and a private
    context can be terminated without affecting other endpoints in the same process."""
    return zmq.Context(io_threads=options.io_threads)


def _common(socket: zmq.Socket[Any], options: SocketOptions) -> None:
    socket.setsockopt(zmq.SNDHWM, options.send_hwm)
    socket.setsockopt(zmq.RCVHWM, options.recv_hwm)
    socket.setsockopt(zmq.LINGER, options.linger_ms)
    socket.setsockopt(zmq.SNDTIMEO, options.send_timeout_ms)
    socket.setsockopt(zmq.MAXMSGSIZE, options.max_frame_bytes)
    socket.setsockopt(zmq.TCP_KEEPALIVE, 1 if options.tcp_keepalive else 0)
    if options.tcp_keepalive:
        socket.setsockopt(zmq.TCP_KEEPALIVE_IDLE, options.tcp_keepalive_idle_s)
        socket.setsockopt(zmq.TCP_KEEPALIVE_INTVL, options.tcp_keepalive_interval_s)
        socket.setsockopt(zmq.TCP_KEEPALIVE_CNT, options.tcp_keepalive_count)
    socket.setsockopt(zmq.HEARTBEAT_IVL, options.zmtp_heartbeat_ivl_ms)
    socket.setsockopt(zmq.HEARTBEAT_TIMEOUT, options.zmtp_heartbeat_timeout_ms)
    socket.setsockopt(zmq.RECONNECT_IVL, options.reconnect_ivl_ms)
    socket.setsockopt(zmq.RECONNECT_IVL_MAX, options.reconnect_ivl_max_ms)


@dataclass
class ServerSocket:
    """The server's bound ROUTER socket, its actual endpoint and its ZAP authenticator."""

    socket: zmq.Socket[Any]
    endpoint: str
    authenticator: ParticipantAuthenticator | None

    def close(self, linger_ms: int | None = None) -> None:
        self.socket.close(linger=linger_ms)
        if self.authenticator is not None:
            self.authenticator.stop()
            self.authenticator = None


def server_socket(
    context: zmq.Context[Any],
    bind: str,
    *,
    security: SecurityConfig | None = None,
    options: SocketOptions = DEFAULT_SOCKET_OPTIONS,
) -> ServerSocket:
    """Create, configure and bind the server's ROUTER.

    ``bind`` may use a wildcard port (``tcp://127.0.0.1:*``); the endpoint actually
    bound is returned. ROUTER_MANDATORY makes a send to a gone client raise instead of
    vanishing; ROUTER_HANDOVER lets a restarted client take over its name's connection.
    With ``security`` the socket is a CURVE server and a :class:`ParticipantAuthenticator`
    runs on ``context``.
    """
    socket = context.socket(zmq.ROUTER)
    authenticator = None
    try:
        _common(socket, options)
        socket.setsockopt(zmq.RCVHWM, options.server_recv_hwm)
        socket.setsockopt(zmq.ROUTER_MANDATORY, 1)
        socket.setsockopt(zmq.ROUTER_HANDOVER, 1)
        if security is not None:
            authenticator = ParticipantAuthenticator(context, security)
            authenticator.start()
            security.apply_server(socket)
        socket.bind(bind)
        endpoint = socket.getsockopt_string(zmq.LAST_ENDPOINT)
    except BaseException:
        socket.close(linger=0)
        if authenticator is not None:
            authenticator.stop()
        raise
    return ServerSocket(socket, endpoint, authenticator)


def client_socket(
    context: zmq.Context[Any],
    connect: str,
    *,
    identity: bytes,
    security: SecurityConfig | None = None,
    options: SocketOptions = DEFAULT_SOCKET_OPTIONS,
    immediate: bool = False,
) -> zmq.Socket[Any]:
    """Create, configure and connect a client DEALER.

    ``identity`` is the routing id the server sees; a fixed one means the server can
    keep routing to the client across reconnects. ``immediate`` refuses to queue
    messages while disconnected (used for heartbeats, which are worthless once stale).
    """
    socket = context.socket(zmq.DEALER)
    try:
        _common(socket, options)
        socket.setsockopt(zmq.ROUTING_ID, identity)
        socket.setsockopt(zmq.IMMEDIATE, 1 if immediate else 0)
        if security is not None:
            security.apply_client(socket)
        socket.connect(connect)
    except BaseException:
        socket.close(linger=0)
        raise
    return socket
