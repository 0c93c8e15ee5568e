"""What the endpoints hand to the round workflow, and the errors they raise."""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from mmarc.errors import MmarcError

from ..protocol import (
    DEFAULT_CHUNK_BYTES,
    EMPTY_PAYLOAD,
    Header,
    Limits,
    MessageKind,
    Payload,
    ProtocolError,
    is_valid_client_name,
    prepare,
)

#: A client's routing id: its name, '/', and 128 random bits in hex (see :func:`routing_id`).
_ROUTING_ID = re.compile(rb"([^/]{1,128})/[0-9a-f]{32}")


class TransportError(MmarcError, RuntimeError):
    """A message could not be delivered (peer unknown or gone, send timed out, closed)."""


class RegistrationRefused(TransportError):
    """The server refused this client; ``reason`` is the server's explanation."""

    def __init__(self, reason: str, meta: dict[str, Any] | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.meta = meta or {}


@dataclass(slots=True)
class Message:
    """One decoded message. ``tensors`` may be views of the received ZeroMQ buffers.

    ``identity`` is the ZeroMQ routing id it arrived from and ``user_id`` the CurveZMQ
    participant that authenticated the connection (both server side only).
    """

    header: Header
    tensors: dict[str, np.ndarray]
    identity: bytes = b""
    user_id: str = ""
    received_at: float = 0.0

    @property
    def kind(self) -> MessageKind:
        return self.header.kind

    @property
    def client(self) -> str:
        return self.header.client

    @property
    def round(self) -> int:
        return self.header.round

    @property
    def meta(self) -> Any:
        return self.header.meta


@dataclass(slots=True)
class ClientInfo:
    """What the server knows about a registered client. Times are ``time.monotonic()``."""

    name: str
    identity: bytes
    registered_at: float
    last_seen: float
    meta: dict[str, Any] = field(default_factory=dict)
    user_id: str = ""


@dataclass(frozen=True, slots=True)
class Rejection:
    """A received message that was rejected, kept for diagnostics and tests."""

    identity: bytes
    error: ProtocolError
    at: float


def payload_for(
    tensors: Mapping[str, Any] | Payload | None, limits: Limits, chunk_bytes: int | None = None
) -> Payload:
    """Tensors laid out in frames no larger than ``limits.max_frame_bytes``, in chunks of
    ``chunk_bytes`` (default: :data:`~..protocol.DEFAULT_CHUNK_BYTES`, capped the same way).

    Both sides of a deployment use the same limits, so a frame this side would refuse
    is never sent: a too-large chunk size fails here, locally and clearly.
    """
    if tensors is None:
        return EMPTY_PAYLOAD
    if isinstance(tensors, Payload):
        if tensors.chunk_bytes > limits.max_frame_bytes:
            raise ValueError(
                f"payload chunk size {tensors.chunk_bytes} exceeds max_frame_bytes "
                f"{limits.max_frame_bytes}; the peer would reject it"
            )
        return tensors
    chunk = min(chunk_bytes or DEFAULT_CHUNK_BYTES, limits.max_frame_bytes)
    return prepare(tensors, chunk_bytes=chunk)


class MessageIds:
    """Message ids: a random per-endpoint prefix plus a counter (unique, and cheap)."""

    def __init__(self) -> None:
        self._prefix = os.urandom(4).hex()
        self._counter = itertools.count(1)

    def __call__(self) -> str:
        return f"{self._prefix}-{next(self._counter)}"


def routing_id(name: str) -> bytes:
    """A fresh routing id for a client endpoint: ``name/<128 random bits in hex>``.

    Why random: a ROUTER sends to whichever connection last claimed a routing id
    (``ROUTER_HANDOVER``, so a restarted client takes its old place at once). Were the id
    the bare site name, any peer that can connect could claim another site's name and be
    handed its tasks. The token travels only inside the (CurveZMQ-encrypted) connection,
    and the server accepts a routing id for a site only in a registration whose
    connection authenticated with that site's key, so no one else can hold it.
    """
    if not is_valid_client_name(name):
        raise ValueError(f"invalid client name {name!r}")
    return f"{name}/{os.urandom(16).hex()}".encode()


def routing_name(identity: bytes) -> str | None:
    """The client name inside a routing id made by :func:`routing_id`, else None."""
    match = _ROUTING_ID.fullmatch(identity)
    if match is None:
        return None
    name = match.group(1).decode("ascii", errors="replace")
    return name if is_valid_client_name(name) else None
