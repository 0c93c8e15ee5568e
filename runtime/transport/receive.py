"""Read one multipart message frame by frame, stopping where its header's promise ends.

Why not ``recv_multipart``: it collects every frame a peer sent before anything is
checked, so one message of thousands of frames was held whole, then decoded into more
copies. Here the header frame is read and parsed first; :func:`~..protocol.frame_budget`
turns its manifest into a frame count and a byte bound (arithmetic, no allocation), and
every later frame is counted against them as it is read. The first frame past the
budget ends the message: the rest is read and released one frame at a time, never held,
and the message is refused as a :class:`~..protocol.ProtocolError`.

What bounds memory *before* this code runs: libzmq hands a multipart message over only
once all of its frames have arrived, so its I/O thread buffers one message per
connection whatever the application does. ``MAXMSGSIZE`` (set from
``SocketOptions.max_frame_bytes``) drops a peer whose frame is too large before that
frame is buffered, and with CurveZMQ a peer without a participant's key never gets a
message past the handshake. This module makes sure nothing more than that one buffer
exists, and that it is released as it is read rather than copied.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import zmq

from ..protocol import (
    Header,
    Limits,
    MessageKind,
    ProtocolError,
    decode_body,
    frame_budget,
    parse_header,
)
from .shared import SharedFolder

__all__ = ["Received", "decode_received", "read_message"]


@dataclass(slots=True)
class Received:
    """One message as read: its parsed header and data frames, or why it was refused.

    ``identity`` is the ROUTER routing id (``b""`` on a DEALER); ``user_id`` the CurveZMQ
    participant of the connection (``""`` without CurveZMQ); ``dropped_bytes`` what was
    read and released without being kept.
    """

    identity: bytes = b""
    header: Header | None = None
    frames: list[Any] = field(default_factory=list)  # zmq.Frame, or views of ``whole``
    error: ProtocolError | None = None
    user_id: str = ""
    dropped_bytes: int = 0
    #: the mapping of a shared payload, which ``frames`` are slices of (see :mod:`.shared`)
    whole: memoryview | None = None


def _discard(socket: zmq.Socket[Any], more: bool) -> int:
    """Read and release the rest of the current message; returns its byte count."""
    dropped = 0
    while more:
        frame = socket.recv(copy=False)
        more = frame.more
        dropped += len(frame)
        del frame  # released now, not when the loop ends
    return dropped


def _user_id(frame: zmq.Frame) -> str:
    try:
        value = frame.get("User-Id")
    except zmq.ZMQError:  # no such property: the connection is not authenticated
        return ""
    return value if isinstance(value, str) else ""


def read_message(
    socket: zmq.Socket[Any],
    limits: Limits,
    *,
    routed: bool,
    shared: SharedFolder | None = None,
) -> Received | None:
    """Read the next message waiting on ``socket`` (None if there is none).

    ``routed``: the socket is a ROUTER, whose first frame is the sender's routing id.
    ``shared``: where this endpoint takes shared payloads (None: a header naming one is
    refused). Never raises for what the peer sent: a refused message comes back with
    ``error``.
    """
    try:
        first = socket.recv(flags=zmq.NOBLOCK, copy=False)
    except zmq.Again:
        return None
    out = Received()
    if routed:
        out.identity = first.bytes
        if not first.more:
            out.error = ProtocolError("message has no header frame")
            return out
        first = socket.recv(copy=False)  # delivered atomically: the rest is there already
    out.user_id = _user_id(first)
    more = first.more
    if len(first) > limits.max_header_bytes:
        out.dropped_bytes = len(first) + _discard(socket, more)
        out.error = ProtocolError(
            f"header frame is {len(first)} bytes, more than the limit {limits.max_header_bytes}"
        )
        return out
    try:
        header = parse_header(first.buffer, limits)
        max_frames, max_bytes = frame_budget(header, limits)
    except ProtocolError as exc:
        out.dropped_bytes = _discard(socket, more)
        out.error = exc
        return out
    total = 0
    while more:
        frame = socket.recv(copy=False)
        more = frame.more
        size = len(frame)
        if len(out.frames) >= max_frames or total + size > max_bytes:
            out.dropped_bytes = total + size + _discard(socket, more)
            out.frames.clear()
            out.error = ProtocolError(
                f"message goes past the {max_frames} frame(s) / {max_bytes} bytes its header "
                f"announces (limit {limits.max_frames} frames, {limits.max_total_bytes} bytes); "
                "the rest was read and dropped, never kept"
            )
            return out
        total += size
        out.frames.append(frame)
    if header.shared:
        try:
            out.frames, out.whole = _shared_frames(header, limits, shared, bool(out.frames))
        except ProtocolError as exc:
            out.frames.clear()
            out.error = exc
            return out
    out.header = header
    return out


def _shared_frames(
    header: Header, limits: Limits, shared: SharedFolder | None, framed: bool
) -> tuple[list[Any], memoryview]:
    if shared is None:
        raise ProtocolError("this endpoint takes no shared payloads (its socket is not ipc://)")
    if framed:
        raise ProtocolError("a message with a shared payload carries data frames too")
    return shared.open(header, limits)


def decode_received(
    received: Received,
    limits: Limits,
    kinds: Set[MessageKind],
    *,
    into: Mapping[str, np.ndarray] | None = None,
) -> tuple[Header, dict[str, np.ndarray]]:
    """Header and tensors of a message as read, or the :class:`ProtocolError` refusing it.

    ``kinds``: what the other side may send (``SENT_BY_CLIENT`` on the server,
    ``SENT_BY_SERVER`` on a client); any other kind is refused. ``into``: see
    :func:`~..protocol.decode`.
    """
    if received.error is not None:
        raise received.error
    header = received.header
    if header is None:
        raise ProtocolError("message has no header frame")
    tensors = decode_body(header, received.frames, limits, into=into, whole=received.whole)
    if header.kind not in kinds:
        raise ProtocolError(f"the other side cannot send {header.kind.value!r} messages")
    return header, tensors
