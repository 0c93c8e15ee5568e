"""The admin wire format: one small JSON envelope frame, then raw file frames (uploads).

Why not the FL protocol module: its message kinds are the training workflow's closed
set, and admin traffic is a different conversation (request/response with a user
behind it). The rules are the same: no pickle, everything received is untrusted, every
field is checked for type, length and range before use, and any problem is an
:class:`AdminProtocolError`, which the service logs and drops.

Request::

    [{"v": 1, "id": "...", "cmd": "deploy", "args": ["mmar", "client", "site-1"],
      "files": [["config/config_train.json", 1234], ...]}, <file bytes>, ...]

Response (one frame)::

    {"v": 1, "re": "<request id>", "status": "ok|refused|error", "text": "...", "data": ...}
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from mmarc.errors import MmarcError

from ..security.uploads import UploadEntry, UploadLimits, UploadRefused, safe_relpath

ADMIN_PROTOCOL_VERSION = 1
_COMMAND = re.compile(r"[a-z][a-z_]{0,31}")
Status = Literal["ok", "refused", "error"]
STATUSES = ("ok", "refused", "error")


class AdminProtocolError(MmarcError, ValueError):
    """A frame does not follow the admin protocol (malformed, truncated, too large)."""


@dataclass(frozen=True, slots=True)
class AdminLimits:
    """Bounds checked before a request is acted on.

    ``rate_per_s``/``burst``: token bucket per authenticated admin, so one console (or
    a compromised admin key) cannot flood the server or its audit log.
    """

    max_envelope_bytes: int = 256 * 1024
    max_args: int = 16
    max_arg_chars: int = 1024
    max_response_bytes: int = 16 * 1024 * 1024
    rate_per_s: float = 20.0
    burst: int = 40
    uploads: UploadLimits = field(default_factory=UploadLimits)


DEFAULT_ADMIN_LIMITS = AdminLimits()


@dataclass(frozen=True, slots=True)
class Request:
    id: str
    cmd: str
    args: tuple[str, ...] = ()
    files: tuple[UploadEntry, ...] = ()


@dataclass(frozen=True, slots=True)
class Response:
    re: str
    status: Status
    text: str = ""
    data: Any = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def _dumps(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def _no_constants(token: str) -> Any:
    raise AdminProtocolError(f"non-JSON number {token}")


def _finite(token: str) -> float:
    value = float(token)
    if not math.isfinite(value):
        raise AdminProtocolError("non-finite number")
    return value


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise AdminProtocolError("duplicate keys")
    return obj


def _loads(raw: Any, limit: int) -> dict[str, Any]:
    try:
        data = bytes(memoryview(raw))
    except TypeError:
        raise AdminProtocolError("frame is not a buffer") from None
    if len(data) > limit:
        raise AdminProtocolError(f"envelope is {len(data)} bytes, limit {limit}")
    try:
        obj = json.loads(
            data.decode("utf-8"),
            parse_constant=_no_constants,
            parse_float=_finite,
            object_pairs_hook=_no_duplicates,
        )
    except AdminProtocolError:
        raise
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise AdminProtocolError(f"envelope is not UTF-8 JSON: {str(exc)[:120]}") from None
    if not isinstance(obj, dict):
        raise AdminProtocolError("envelope must be a JSON object")
    if obj.get("v") != ADMIN_PROTOCOL_VERSION or type(obj.get("v")) is not int:
        raise AdminProtocolError(f"unsupported admin protocol version {str(obj.get('v'))[:20]}")
    return obj


def _text(value: Any, what: str, limit: int) -> str:
    if not isinstance(value, str) or len(value) > limit or not value.isprintable():
        raise AdminProtocolError(f"{what} must be printable text of at most {limit} characters")
    return value


def encode_request(request: Request) -> bytes:
    return _dumps(
        {
            "v": ADMIN_PROTOCOL_VERSION,
            "id": request.id,
            "cmd": request.cmd,
            "args": list(request.args),
            "files": [[f.path, f.size] for f in request.files],
        }
    )


def parse_request(frames: Sequence[Any], limits: AdminLimits = DEFAULT_ADMIN_LIMITS) -> Request:
    """Validate a request's frames (without routing frames): envelope, then file frames."""
    if not frames:
        raise AdminProtocolError("empty message")
    obj = _loads(frames[0], limits.max_envelope_bytes)
    unknown = set(obj) - {"v", "id", "cmd", "args", "files"}
    if unknown:
        raise AdminProtocolError(f"unknown envelope keys {sorted(unknown)[:5]}")
    request_id = _text(obj.get("id"), "id", 64)
    cmd = obj.get("cmd")
    if not isinstance(cmd, str) or not _COMMAND.fullmatch(cmd):
        raise AdminProtocolError("cmd must be a command name")
    args = obj.get("args", [])
    if not isinstance(args, list) or len(args) > limits.max_args:
        raise AdminProtocolError(f"args must be a list of at most {limits.max_args}")
    checked = tuple(_text(a, "argument", limits.max_arg_chars) for a in args)
    files = obj.get("files", [])
    if not isinstance(files, list) or len(files) > limits.uploads.max_files:
        raise AdminProtocolError(f"files must be a list of at most {limits.uploads.max_files}")
    entries = []
    for item in files:
        if not isinstance(item, list) or len(item) != 2 or type(item[1]) is not int:
            raise AdminProtocolError("each file must be [path, size]")
        try:
            path = safe_relpath(item[0], limits.uploads)
        except UploadRefused as exc:
            raise AdminProtocolError(f"file path refused: {exc}") from None
        if not 0 <= item[1] <= limits.uploads.max_file_bytes:
            raise AdminProtocolError(f"{path}: size outside [0, {limits.uploads.max_file_bytes}]")
        entries.append(UploadEntry(path, item[1]))
    if len(frames) - 1 != len(entries):
        raise AdminProtocolError(
            f"envelope declares {len(entries)} file frame(s), {len(frames) - 1} arrived "
            "(truncated?)"
        )
    for entry, frame in zip(entries, frames[1:], strict=True):
        size = len(memoryview(getattr(frame, "buffer", frame)))
        if size != entry.size:
            raise AdminProtocolError(f"{entry.path}: {size} bytes arrived, {entry.size} declared")
    return Request(request_id, cmd, checked, tuple(entries))


def encode_response(
    response: Response, limit: int = DEFAULT_ADMIN_LIMITS.max_response_bytes
) -> bytes:
    """Encode a response; an over-large one is replaced by an error saying so."""
    raw = _dumps(
        {
            "v": ADMIN_PROTOCOL_VERSION,
            "re": response.re,
            "status": response.status,
            "text": response.text,
            "data": response.data,
        }
    )
    if len(raw) > limit:
        return encode_response(
            Response(response.re, "error", f"reply of {len(raw)} bytes exceeds {limit}"), limit
        )
    return raw


def parse_response(frame: Any, limit: int = DEFAULT_ADMIN_LIMITS.max_response_bytes) -> Response:
    obj = _loads(frame, limit)
    status = obj.get("status")
    if status not in STATUSES:
        raise AdminProtocolError(f"unknown status {str(status)[:20]}")
    re_id = obj.get("re")
    text = obj.get("text", "")
    if not isinstance(re_id, str) or not isinstance(text, str):
        raise AdminProtocolError("response fields 're' and 'text' must be strings")
    return Response(re_id, status, text, obj.get("data"))
