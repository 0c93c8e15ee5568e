"""ZeroMQ transport: a ROUTER server that binds, DEALER clients that connect (outbound only).

Socket setup lives in :mod:`.sockets` only; CurveZMQ is one argument
(:class:`SecurityConfig`) to both factories and both endpoints.
"""

from .client import ClientEndpoint
from .memory import keep_freed_memory, release_freed_memory
from .message import (
    ClientInfo,
    Message,
    RegistrationRefused,
    Rejection,
    TransportError,
    routing_id,
    routing_name,
)
from .security import CurveKeyPair, ParticipantAuthenticator, SecurityConfig
from .server import HEARTBEAT_SUFFIX, ServerEndpoint
from .sockets import (
    DEFAULT_SOCKET_OPTIONS,
    ServerSocket,
    SocketOptions,
    client_socket,
    new_context,
    server_socket,
)

__all__ = [
    "DEFAULT_SOCKET_OPTIONS",
    "HEARTBEAT_SUFFIX",
    "ClientEndpoint",
    "ClientInfo",
    "CurveKeyPair",
    "Message",
    "ParticipantAuthenticator",
    "RegistrationRefused",
    "Rejection",
    "SecurityConfig",
    "ServerEndpoint",
    "ServerSocket",
    "SocketOptions",
    "TransportError",
    "client_socket",
    "keep_freed_memory",
    "new_context",
    "release_freed_memory",
    "routing_id",
    "routing_name",
    "server_socket",
]
