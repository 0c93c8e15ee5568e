"""The header frame: a small, versioned JSON object that leads every message.

Why JSON and not pickle or msgpack: the header comes from the network and must be
parsed without executing anything, with the standard library only, and be readable in
a packet dump. It is small (a few hundred bytes plus ~60 bytes per tensor), so its
parse cost is negligible next to the tensor frames, which never pass through JSON.

Wire layout of the header object (keys are short because a manifest of a large network
repeats them; ``docs`` of the fields are on :class:`Header`)::

    {"v": [1, 1], "kind": "task", "run": "...", "round": 3, "client": "site-1",
     "plan": "...", "id": "...", "re": "...", "meta": {...}, "chunk": 16777216,
     "tensors": [[name, dtype, [shape...], nbytes, frame, offset], ...],
     "shm": "<32 hex digits>.bin"}

``"shm"`` (since 1.1, optional) names a file in the private folder of an ``ipc://``
socket that holds the data frames instead of the message (see
:mod:`mmarc.runtime.transport.shared`); such a message has no data frames.

Compatibility rule, frozen across major versions so that a refusal can always be read:
frame 0 is a UTF-8 JSON object whose ``"v"`` is ``[major, minor]`` and whose ``"kind"``,
``"id"`` and ``"meta"`` keep their meaning. A different major version is refused; a
different minor version is accepted and unknown keys are ignored (minor versions only
add optional keys).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

import numpy as np

from mmarc.policy.participants import is_participant_name

from .errors import ProtocolError, VersionMismatch

#: (major, minor) spoken by this build.
PROTOCOL_VERSION: tuple[int, int] = (1, 2)

#: The name of a shared-payload file (header key ``"shm"``): random, no path, no dots
#: but the suffix, so it can only ever name a file directly inside the shared folder.
SHARED_NAME = re.compile(r"[0-9a-f]{32}\.bin")

#: Tensors larger than this are split into frames of exactly this many bytes (the last
#: one shorter), so no frame nears 2 GiB. 16 MiB measured fastest on loopback (100 MB
#: model, 2 clients: ~200 ms a round against ~300 ms with 64 or 128 MiB, in
#: benchmarks/transport_throughput.py): libzmq allocates receive buffers in its I/O
#: thread, whose glibc arena reuses heap memory for blocks that fit its 64 MiB heaps but
#: gives larger ones fresh mmaps, which page-fault on every message.
DEFAULT_CHUNK_BYTES = 16 * 1024 * 1024
#: The chunk size on CurveZMQ connections. libzmq encrypts and decrypts each frame whole,
#: copying it through buffers of the frame's size allocated per frame: at 16 MiB each
#: pass misses the cache (and faults in fresh pages), at 1 MiB it stays in cache. A
#: 100 MB model sent to 2 clients over CurveZMQ took about half the time in 1 MiB frames
#: (loopback, 2-core VM).
CURVE_CHUNK_BYTES = 1024 * 1024

#: The dtypes that may cross the wire, by wire name; always little-endian on the wire.
#: No object, string, void or datetime dtypes: they are either unsafe or meaningless here.
#: bfloat16 is absent because numpy has no such dtype; cast to float32/float16 first.
WIRE_DTYPES: dict[str, np.dtype[Any]] = {
    name: np.dtype(name).newbyteorder("<")
    for name in (
        "bool",
        "int8",
        "uint8",
        "int16",
        "uint16",
        "int32",
        "uint32",
        "int64",
        "uint64",
        "float16",
        "float32",
        "float64",
    )
}


class MessageKind(StrEnum):
    """What a message is for. Unknown kinds are protocol errors (no silent ignoring)."""

    REGISTER = "register"  # client -> server: join the run (meta: anything the admit hook reads)
    REGISTERED = "registered"  # server -> client: accepted
    REFUSED = "refused"  # server -> client: not accepted; meta["reason"] says why
    TASK = "task"  # server -> client: work to do (meta: task name, parameters; tensors: model)
    RESULT = "result"  # client -> server: outcome of a task (tensors: weights or diff)
    # upload slots (1.2): a site whose task meta says "upload": "when_granted" announces a
    # result with tensors (READY, in reply to the task; meta["bytes"]) and sends it once
    # the server answers GRANT (in reply to the same task)
    READY = "ready"  # client -> server: a model-sized result is ready to send
    GRANT = "grant"  # server -> client: send it now
    HEARTBEAT = "heartbeat"  # client -> server: still alive
    HEARTBEAT_ACK = "heartbeat_ack"  # server -> client: server alive; meta["known"]
    BYE = "bye"  # either way: leaving / run over
    ERROR = "error"  # either way: meta["code"], meta["detail"]


#: The kinds each side may send; anything else arriving is refused as a protocol error.
SENT_BY_CLIENT = frozenset(
    (
        MessageKind.REGISTER,
        MessageKind.RESULT,
        MessageKind.READY,
        MessageKind.HEARTBEAT,
        MessageKind.BYE,
        MessageKind.ERROR,
    )
)
SENT_BY_SERVER = frozenset(
    (
        MessageKind.REGISTERED,
        MessageKind.REFUSED,
        MessageKind.TASK,
        MessageKind.GRANT,
        MessageKind.HEARTBEAT_ACK,
        MessageKind.BYE,
        MessageKind.ERROR,
    )
)


@dataclass(frozen=True, slots=True)
class Limits:
    """Upper bounds applied to every received message before anything is allocated.

    The defaults suit models up to tens of GB; a server tightens them to its global model
    with :meth:`for_payload`. ``max_frame_bytes`` is also handed to ZeroMQ
    (``MAXMSGSIZE``), so an oversized frame drops the connection before it is buffered;
    ``max_frames`` and ``max_total_bytes`` bound a message as it is read frame by frame
    (see :func:`~.codec.frame_budget`). ``max_ndim`` bounds a shape's rank and
    ``max_total_bytes`` also its element count; ``max_meta_depth`` the nesting of ``meta``.
    """

    max_header_bytes: int = 4 * 1024 * 1024
    max_frame_bytes: int = 64 * 1024 * 1024
    max_frames: int = 65_536
    max_tensors: int = 100_000
    max_total_bytes: int = 64 * 1024**3
    max_ndim: int = 32
    max_name_chars: int = 1024
    max_text_chars: int = 256
    max_meta_depth: int = 8

    def for_payload(
        self,
        nbytes: int,
        tensors: int,
        margin: float = 0.25,
        chunk_bytes: int = DEFAULT_CHUNK_BYTES,
    ) -> Limits:
        """These limits tightened to messages of about ``nbytes`` in ``tensors`` tensors.

        Why: a server knows its global model, and no honest message is much larger than
        it (a client's update has the model's names and shapes). Deriving the per-message
        bounds from it, plus ``margin`` and a small fixed allowance for metrics-only
        messages, makes a hostile message stop being read at about the model's size
        instead of at the configured ceiling. Never loosens a limit. ``chunk_bytes``:
        the chunk size the peers send with (:func:`chunk_bytes_for`).
        """
        if nbytes < 0 or tensors < 0 or margin < 0:
            raise ValueError("payload size, tensor count and margin must be non-negative")
        total = int(nbytes * (1 + margin)) + 1024 * 1024
        count = int(tensors * (1 + margin)) + 16
        # chunk frames of the largest honest chunk size, plus one shared frame per chunk
        frames = 2 * (total // min(chunk_bytes, self.max_frame_bytes) + count) + 16
        return replace(
            self,
            max_total_bytes=min(self.max_total_bytes, total),
            max_tensors=min(self.max_tensors, count),
            max_frames=min(self.max_frames, frames),
        )


DEFAULT_LIMITS = Limits()


def chunk_bytes_for(limits: Limits, *, curve: bool) -> int:
    """The chunk size a sender uses: :data:`CURVE_CHUNK_BYTES` on CurveZMQ connections,
    :data:`DEFAULT_CHUNK_BYTES` otherwise, never more than ``limits.max_frame_bytes``."""
    return min(CURVE_CHUNK_BYTES if curve else DEFAULT_CHUNK_BYTES, limits.max_frame_bytes)


@dataclass(frozen=True, slots=True)
class TensorSpec:
    """Where one tensor lies in the frames that follow the header.

    ``frame`` counts from the first frame after the header. A tensor of at most
    ``chunk`` bytes lies inside one frame at ``offset`` (small tensors share a frame);
    a larger one starts at ``offset`` 0 of ``frame`` and fills the next
    ``ceil(nbytes / chunk)`` frames, all exactly ``chunk`` bytes but the last, which it
    owns alone.
    """

    name: str
    dtype: str
    shape: tuple[int, ...]
    nbytes: int
    frame: int
    offset: int

    def to_wire(self) -> list[Any]:
        return [self.name, self.dtype, list(self.shape), self.nbytes, self.frame, self.offset]


@dataclass(frozen=True, slots=True)
class Header:
    """Typed view of the header frame.

    ``client`` is the sender's name on client->server messages and the recipient's on
    server->client ones. ``round`` is -1 outside rounds. ``meta`` carries the
    kind-specific small fields (task name, local steps, metrics, refusal reason...) as
    plain JSON. ``tensors`` and ``chunk_bytes`` are filled in by :func:`encode`.
    """

    kind: MessageKind
    run_id: str = ""
    round: int = -1
    client: str = ""
    plan_hash: str = ""
    msg_id: str = ""
    in_reply_to: str = ""
    meta: Mapping[str, Any] = field(default_factory=dict)
    version: tuple[int, int] = PROTOCOL_VERSION
    chunk_bytes: int = DEFAULT_CHUNK_BYTES
    tensors: tuple[TensorSpec, ...] = ()
    #: the shared-payload file holding the data frames ("" when they follow the header)
    shared: str = ""

    def to_bytes(self) -> bytes:
        """Serialise as compact UTF-8 JSON; rejects NaN/inf in ``meta`` (peers would)."""
        obj = {
            "v": list(self.version),
            "kind": str(self.kind),
            "run": self.run_id,
            "round": self.round,
            "client": self.client,
            "plan": self.plan_hash,
            "id": self.msg_id,
            "re": self.in_reply_to,
            "meta": dict(self.meta),
            "chunk": self.chunk_bytes,
            "tensors": [spec.to_wire() for spec in self.tensors],
        }
        if self.shared:
            obj["shm"] = self.shared
        return json.dumps(obj, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def is_valid_client_name(name: str) -> bool:
    """Client names double as ZeroMQ routing ids and log fields: short, no spaces or '/'."""
    return is_participant_name(name)


# --- parsing -----------------------------------------------------------------------------


def _reject_constant(token: str) -> Any:
    raise ProtocolError(f"header contains the non-JSON number {token}")


def _finite_float(token: str) -> float:
    value = float(token)
    if not math.isfinite(value):
        raise ProtocolError(f"header contains a non-finite number {token[:40]}")
    return value


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise ProtocolError("header contains a JSON object with duplicate keys")
    return obj


def _load_json(raw: memoryview | bytes, limits: Limits) -> dict[str, Any]:
    if len(raw) > limits.max_header_bytes:
        raise ProtocolError(
            f"header frame is {len(raw)} bytes, more than the limit {limits.max_header_bytes}"
        )
    try:
        text = bytes(raw).decode("utf-8")
        obj = json.loads(
            text,
            parse_constant=_reject_constant,
            parse_float=_finite_float,
            object_pairs_hook=_no_duplicates,
        )
    except ProtocolError:
        raise
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        # RecursionError: deeply nested arrays; ValueError: bad JSON or a huge integer.
        raise ProtocolError(f"header frame is not valid UTF-8 JSON: {str(exc)[:200]}") from None
    if not isinstance(obj, dict):
        raise ProtocolError(f"header must be a JSON object, got {type(obj).__name__}")
    return obj


def _text(obj: dict[str, Any], key: str, limits: Limits, default: str = "") -> str:
    value = obj.get(key, default)
    if not isinstance(value, str):
        raise ProtocolError(f"header field {key!r} must be a string")
    if len(value) > limits.max_text_chars:
        raise ProtocolError(f"header field {key!r} is longer than {limits.max_text_chars}")
    if not value.isprintable():
        raise ProtocolError(f"header field {key!r} contains control characters")
    return value


def _int(obj: dict[str, Any], key: str, lo: int, hi: int, default: int | None = None) -> int:
    value = obj.get(key, default)
    if type(value) is not int:  # bool is an int subclass and is rejected on purpose
        raise ProtocolError(f"header field {key!r} must be an integer")
    if not lo <= value <= hi:
        raise ProtocolError(f"header field {key!r} = {value} is outside [{lo}, {hi}]")
    return value


def _version(obj: dict[str, Any]) -> tuple[int, int]:
    value = obj.get("v")
    if (
        not isinstance(value, list)
        or len(value) != 2
        or any(type(part) is not int or not 0 <= part < 10_000 for part in value)
    ):
        raise ProtocolError("header field 'v' must be [major, minor] with small integers")
    return (value[0], value[1])


def _short(obj: dict[str, Any], key: str) -> str:
    """Best-effort field of a header that failed the version check (for the reply only)."""
    value = obj.get(key)
    return value[:64] if isinstance(value, str) and value.isprintable() else ""


def _tensor_spec(entry: Any, index: int, limits: Limits) -> TensorSpec:
    where = f"tensor #{index}"
    if not isinstance(entry, list) or len(entry) != 6:
        raise ProtocolError(
            f"{where}: manifest entry must be [name, dtype, shape, nbytes, frame, offset]"
        )
    name, dtype, shape, nbytes, frame, offset = entry
    if (
        not isinstance(name, str)
        or not 0 < len(name) <= limits.max_name_chars
        or not name.isprintable()
    ):
        raise ProtocolError(
            f"{where}: name must be a non-empty printable string of at most "
            f"{limits.max_name_chars} characters"
        )
    where = f"tensor {name[:80]!r}"
    if not isinstance(dtype, str) or dtype not in WIRE_DTYPES:
        raise ProtocolError(
            f"{where}: dtype {str(dtype)[:40]!r} is not allowed; allowed: {', '.join(WIRE_DTYPES)}"
        )
    if not isinstance(shape, list) or len(shape) > limits.max_ndim:
        raise ProtocolError(f"{where}: shape must be a list of at most {limits.max_ndim} dims")
    if any(type(dim) is not int or dim < 0 for dim in shape):
        raise ProtocolError(f"{where}: shape dimensions must be non-negative integers")
    if type(nbytes) is not int or nbytes < 0:
        raise ProtocolError(f"{where}: byte length must be a non-negative integer")
    if nbytes > limits.max_total_bytes:
        raise ProtocolError(f"{where}: {nbytes} bytes, limit {limits.max_total_bytes}")
    # Bounded even when a zero dimension makes the tensor empty: numpy refuses shapes
    # whose non-zero dimensions multiply past its index range ("array is too big").
    itemsize = WIRE_DTYPES[dtype].itemsize
    if math.prod(dim for dim in shape if dim) * itemsize > limits.max_total_bytes:
        raise ProtocolError(
            f"{where}: shape {shape[:8]} has more elements than {limits.max_total_bytes} bytes hold"
        )
    if math.prod(shape) * itemsize != nbytes:
        raise ProtocolError(
            f"{where}: shape {shape[:8]} x itemsize {WIRE_DTYPES[dtype].itemsize} "
            f"!= byte length {nbytes}"
        )
    if type(frame) is not int or type(offset) is not int or frame < 0 or offset < 0:
        raise ProtocolError(f"{where}: frame and offset must be non-negative integers")
    return TensorSpec(name, dtype, tuple(shape), nbytes, frame, offset)


#: The keys a header of this protocol version may hold (a newer minor version may add
#: keys; those are ignored, per the compatibility rule in the module docstring).
HEADER_KEYS = frozenset(
    ("v", "kind", "run", "round", "client", "plan", "id", "re", "meta", "chunk", "tensors", "shm")
)

#: Largest magnitude of an integer in ``meta``: int64/uint64 range, so no arithmetic on
#: a peer's number (steps, sample counts, metrics) can overflow a float or an array.
_META_INT_BOUND = 2**64


def _check_meta(value: Any, limits: Limits, path: str = "meta", depth: int = 0) -> None:
    """``meta`` holds only JSON objects, lists, strings, bounded ints, finite floats,
    booleans and null, nested at most ``limits.max_meta_depth`` deep, with short
    printable keys (the JSON parser already refused NaN and infinities)."""
    if isinstance(value, dict):
        if depth >= limits.max_meta_depth:
            raise ProtocolError(f"header field {path!r} is nested too deeply")
        for key, item in value.items():
            if len(key) > limits.max_text_chars or not key.isprintable():
                raise ProtocolError(f"header field {path!r} has a key that is too long or odd")
            _check_meta(item, limits, f"{path}.{key}"[:120], depth + 1)
    elif isinstance(value, list):
        if depth >= limits.max_meta_depth:
            raise ProtocolError(f"header field {path!r} is nested too deeply")
        for item in value:
            _check_meta(item, limits, f"{path}[]"[:120], depth + 1)
    elif isinstance(value, int) and not isinstance(value, bool):
        if not -_META_INT_BOUND < value < _META_INT_BOUND:
            raise ProtocolError(f"header field {path!r} holds an integer beyond 64 bits")
    elif not (value is None or isinstance(value, str | float | bool)):
        raise ProtocolError(f"header field {path!r} holds a {type(value).__name__}")


def parse_header(raw: memoryview | bytes, limits: Limits = DEFAULT_LIMITS) -> Header:
    """Parse and validate a header frame; raises :class:`ProtocolError` on anything odd.

    Allow-lists the header's fields, checks each one's type and range (``meta`` too, see
    :func:`_check_meta`); the tensor manifest against the dtype allow-list, bounded
    dimensions and ``shape x itemsize == nbytes``; count and total size against
    ``limits``. Frame layout is checked against the actual frames by :func:`decode`.
    """
    try:
        return _parse(raw, limits)
    except ProtocolError:
        raise
    except Exception as exc:  # backstop: a gap in the checks stays a refusal
        raise ProtocolError(
            f"header could not be parsed ({type(exc).__name__}: {str(exc)[:200]})"
        ) from None


def _parse(raw: memoryview | bytes, limits: Limits) -> Header:
    obj = _load_json(raw, limits)
    version = _version(obj)
    if version[0] != PROTOCOL_VERSION[0]:
        raise VersionMismatch(
            version,
            PROTOCOL_VERSION,
            kind=_short(obj, "kind"),
            msg_id=_short(obj, "id"),
            client=_short(obj, "client"),
        )
    if version[1] <= PROTOCOL_VERSION[1] and not HEADER_KEYS.issuperset(obj):
        unknown = sorted(set(obj) - HEADER_KEYS)
        raise ProtocolError(f"header holds unknown field(s) {', '.join(unknown)[:80]!r}")
    kind_text = obj.get("kind")
    try:
        kind = MessageKind(kind_text if isinstance(kind_text, str) else "")
    except ValueError:
        raise ProtocolError(
            f"unknown message kind {str(kind_text)[:40]!r}; known: "
            f"{', '.join(k.value for k in MessageKind)}"
        ) from None
    meta = obj.get("meta", {})
    if not isinstance(meta, dict):
        raise ProtocolError("header field 'meta' must be a JSON object")
    _check_meta(meta, limits)
    chunk = _int(obj, "chunk", 4096, limits.max_frame_bytes, DEFAULT_CHUNK_BYTES)
    entries = obj.get("tensors", [])
    if not isinstance(entries, list):
        raise ProtocolError("header field 'tensors' must be a list")
    if len(entries) > limits.max_tensors:
        raise ProtocolError(f"message has {len(entries)} tensors, limit {limits.max_tensors}")
    specs = tuple(_tensor_spec(entry, i, limits) for i, entry in enumerate(entries))
    total = sum(spec.nbytes for spec in specs)
    if total > limits.max_total_bytes:
        raise ProtocolError(f"message carries {total} bytes, limit {limits.max_total_bytes}")
    if len({spec.name for spec in specs}) != len(specs):
        raise ProtocolError("tensor names in the manifest are not unique")
    shared = obj.get("shm", "")
    if not isinstance(shared, str) or (shared and not SHARED_NAME.fullmatch(shared)):
        raise ProtocolError("header field 'shm' must name a shared-payload file (hex + .bin)")
    client = _text(obj, "client", limits)
    if client and not is_valid_client_name(client):
        raise ProtocolError(f"client name {client[:40]!r} is not a valid name")
    return Header(
        kind=kind,
        run_id=_text(obj, "run", limits),
        round=_int(obj, "round", -1, 2**31, -1),
        client=client,
        plan_hash=_text(obj, "plan", limits),
        msg_id=_text(obj, "id", limits),
        in_reply_to=_text(obj, "re", limits),
        meta=meta,
        version=version,
        chunk_bytes=chunk,
        tensors=specs,
        shared=shared,
    )
