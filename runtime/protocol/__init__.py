"""Wire protocol of the federated runtime: a versioned JSON header frame plus raw tensor frames.

No pickle anywhere: everything received is untrusted and is validated field by field;
any problem is a :class:`ProtocolError`. See :mod:`.header` for the wire layout and the
compatibility rule, :mod:`.codec` for the zero-copy framing.
"""

from .codec import (
    DEFAULT_PACK_THRESHOLD,
    EMPTY_PAYLOAD,
    Payload,
    as_numpy,
    decode,
    decode_body,
    encode,
    frame_budget,
    prepare,
    shared_layout,
)
from .errors import ProtocolError, VersionMismatch
from .header import (
    CURVE_CHUNK_BYTES,
    DEFAULT_CHUNK_BYTES,
    DEFAULT_LIMITS,
    PROTOCOL_VERSION,
    SENT_BY_CLIENT,
    SENT_BY_SERVER,
    SHARED_NAME,
    WIRE_DTYPES,
    Header,
    Limits,
    MessageKind,
    TensorSpec,
    chunk_bytes_for,
    is_valid_client_name,
    parse_header,
)

__all__ = [
    "CURVE_CHUNK_BYTES",
    "DEFAULT_CHUNK_BYTES",
    "DEFAULT_LIMITS",
    "DEFAULT_PACK_THRESHOLD",
    "EMPTY_PAYLOAD",
    "PROTOCOL_VERSION",
    "SENT_BY_CLIENT",
    "SENT_BY_SERVER",
    "SHARED_NAME",
    "WIRE_DTYPES",
    "Header",
    "Limits",
    "MessageKind",
    "Payload",
    "ProtocolError",
    "TensorSpec",
    "VersionMismatch",
    "as_numpy",
    "chunk_bytes_for",
    "decode",
    "decode_body",
    "encode",
    "frame_budget",
    "is_valid_client_name",
    "parse_header",
    "prepare",
    "shared_layout",
]
