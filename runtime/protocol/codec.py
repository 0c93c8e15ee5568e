"""Encode a header plus named tensors into ZeroMQ frames, and back, without pickle.

Sending is zero-copy for every tensor larger than ``pack_threshold``: its frames are
memoryviews of the array's own buffer, handed to ``send_multipart(copy=False)``. The
caller must therefore not modify a tensor until its message has left (treat a sent
model as immutable; the round workflow naturally does, since it builds the next global
model in a new buffer). Tensors of at most ``pack_threshold`` bytes are copied into
shared frames, because a frame costs ~7 us per side and networks have hundreds of
small bias/norm tensors.

Receiving is zero-copy for every tensor that fits in one frame: the array is a
``numpy.frombuffer`` view of the received ZeroMQ frame (writable, kept alive by the
array). Tensors larger than the chunk size are reassembled into one new array (one
memcpy); tensors whose address is not aligned to their itemsize are copied (only small
ones: ZeroMQ stores short messages at odd offsets).
"""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from .errors import ProtocolError
from .header import (
    DEFAULT_CHUNK_BYTES,
    DEFAULT_LIMITS,
    WIRE_DTYPES,
    Header,
    Limits,
    TensorSpec,
    parse_header,
)

#: Tensors up to this size share frames (copied); larger ones are sent zero-copy.
DEFAULT_PACK_THRESHOLD = 64 * 1024
#: Offsets inside shared frames are multiples of this, so views stay aligned for any dtype.
_ALIGN = 64

Frame = bytes | bytearray | memoryview


@dataclass(frozen=True, slots=True)
class Payload:
    """Tensors laid out as frames once, reusable for many messages (e.g. a broadcast).

    ``frames`` reference the source arrays' memory (see the module docstring).
    """

    specs: tuple[TensorSpec, ...]
    frames: tuple[Frame, ...]
    chunk_bytes: int
    nbytes: int


EMPTY_PAYLOAD = Payload((), (), DEFAULT_CHUNK_BYTES, 0)


def as_numpy(value: Any) -> np.ndarray:
    """A C-contiguous little-endian numpy array sharing memory with ``value`` when possible.

    Accepts numpy arrays and CPU or GPU torch tensors (GPU ones are copied to the host).
    torch is never imported here: a tensor can only exist if the caller imported it.
    """
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(value, torch.Tensor):
        tensor = value.detach()
        if tensor.dtype == torch.bfloat16:
            raise TypeError("bfloat16 tensors cannot be sent; cast to float32 or float16 first")
        if tensor.device.type != "cpu":
            tensor = tensor.cpu()
        value = tensor.resolve_conj().resolve_neg().contiguous().numpy()
    if not isinstance(value, np.ndarray | np.generic):
        raise TypeError(f"cannot send a {type(value).__name__}; expected a numpy array or tensor")
    array = np.asarray(value, order="C")  # not ascontiguousarray: it turns 0-d into 1-d
    if array.dtype.name not in WIRE_DTYPES:
        raise TypeError(f"dtype {array.dtype} cannot be sent; allowed: {', '.join(WIRE_DTYPES)}")
    if array.dtype.byteorder == ">":
        array = array.astype(array.dtype.newbyteorder("<"))
    return array


def prepare(
    tensors: Mapping[str, Any],
    *,
    chunk_bytes: int = DEFAULT_CHUNK_BYTES,
    pack_threshold: int = DEFAULT_PACK_THRESHOLD,
) -> Payload:
    """Lay out ``tensors`` (name -> array or tensor) as frames, in mapping order."""
    if chunk_bytes < 4096:
        raise ValueError("chunk_bytes must be at least 4096")
    pack_threshold = min(pack_threshold, chunk_bytes)
    frames: list[Frame] = []
    specs: list[TensorSpec] = []
    pack_index = -1  # frame index of the shared frame being filled, -1 if none
    pack_parts: list[tuple[int, memoryview]] = []
    pack_used = 0
    total = 0

    def close_pack() -> None:
        if pack_index >= 0:
            buf = bytearray(pack_used)
            for offset, view in pack_parts:
                buf[offset : offset + len(view)] = view
            frames[pack_index] = buf

    for name, value in tensors.items():
        if not isinstance(name, str) or not name:
            raise TypeError(f"tensor names must be non-empty strings, got {name!r}")
        array = as_numpy(value)
        nbytes = array.nbytes
        view = memoryview(array.reshape(-1).view(np.uint8))  # type: ignore[arg-type]
        total += nbytes
        shape = tuple(int(d) for d in array.shape)
        if nbytes <= pack_threshold:
            offset = -(-pack_used // _ALIGN) * _ALIGN
            if pack_index < 0 or offset + nbytes > chunk_bytes:
                close_pack()
                pack_index, pack_parts, offset = len(frames), [], 0
                frames.append(b"")  # placeholder, filled by close_pack
            pack_parts.append((offset, view))
            pack_used = offset + nbytes
            specs.append(TensorSpec(name, array.dtype.name, shape, nbytes, pack_index, offset))
        else:
            specs.append(TensorSpec(name, array.dtype.name, shape, nbytes, len(frames), 0))
            frames.extend(
                view[start : start + chunk_bytes] for start in range(0, nbytes, chunk_bytes)
            )
    close_pack()
    return Payload(tuple(specs), tuple(frames), chunk_bytes, total)


def encode(header: Header, tensors: Mapping[str, Any] | Payload | None = None) -> list[Frame]:
    """Frames of one message: the header (manifest filled in) then the tensor frames."""
    payload = (
        tensors if isinstance(tensors, Payload) else prepare(tensors) if tensors else EMPTY_PAYLOAD
    )
    full = replace(header, tensors=payload.specs, chunk_bytes=payload.chunk_bytes)
    return [full.to_bytes(), *payload.frames]


def _as_view(frame: Any) -> memoryview:
    """Byte view of a received frame (zmq.Frame, bytes, bytearray or memoryview)."""
    buf = getattr(frame, "buffer", frame)  # zmq.Frame exposes its memory as .buffer
    try:
        view = memoryview(buf)
    except TypeError:
        raise ProtocolError(f"frame of type {type(frame).__name__} is not a buffer") from None
    if view.format != "B" or view.ndim != 1:
        view = view.cast("B")
    return view


def frame_budget(header: Header, limits: Limits = DEFAULT_LIMITS) -> tuple[int, int]:
    """How many data frames, and at most how many bytes, may follow ``header``.

    Pure arithmetic on the validated manifest, so a receiver can stop reading a message
    at the first frame past what its header announced, before it holds the excess: chunk
    frames have exact sizes and a shared frame is at most one chunk (see :func:`prepare`).
    """
    chunk = header.chunk_bytes
    frames = 0
    chunked = 0
    for spec in header.tensors:
        if spec.nbytes > chunk:
            frames = max(frames, spec.frame + math.ceil(spec.nbytes / chunk))
            chunked += spec.nbytes
        else:
            frames = max(frames, spec.frame + 1)
    frames = min(frames, limits.max_frames)
    shared = max(0, frames - chunked // chunk)
    return frames, min(chunked + shared * chunk, limits.max_total_bytes + frames * _ALIGN)


def shared_layout(header: Header, limits: Limits = DEFAULT_LIMITS) -> list[tuple[int, int]]:
    """``(offset, size)`` of each data frame of ``header`` inside a shared-payload file.

    The frames' sizes follow from the manifest alone (chunk frames are exact, a shared
    frame ends where its last tensor ends); each frame starts at a multiple of 64 bytes,
    so tensor views into the file stay aligned. Both sides compute the same layout: the
    sender writes it, the receiver checks the file's size against it before mapping.
    Refused with :class:`ProtocolError` beyond ``limits`` (checked before any list of
    frames is allocated).
    """
    chunk = header.chunk_bytes
    sizes: dict[int, int] = {}
    for spec in header.tensors:
        count = math.ceil(spec.nbytes / chunk) if spec.nbytes > chunk else 1
        if spec.frame + count > limits.max_frames:
            raise ProtocolError(
                f"tensor {spec.name[:80]!r} lies in frame {spec.frame + count - 1}, "
                f"limit {limits.max_frames} frames"
            )
        if spec.nbytes > chunk:
            for i in range(count):
                sizes[spec.frame + i] = min(chunk, spec.nbytes - i * chunk)
        else:
            end = spec.offset + spec.nbytes
            if end > chunk:
                raise ProtocolError(f"tensor {spec.name[:80]!r} ends past its frame's chunk")
            sizes[spec.frame] = max(sizes.get(spec.frame, 0), end)
    layout: list[tuple[int, int]] = []
    offset = 0
    for index in range(max(sizes, default=-1) + 1):
        offset = -(-offset // _ALIGN) * _ALIGN
        size = sizes.get(index, 0)
        layout.append((offset, size))
        offset += size
    if offset > limits.max_total_bytes + len(layout) * _ALIGN:
        raise ProtocolError(f"shared payload of {offset} bytes, limit {limits.max_total_bytes}")
    return layout


def _check_layout(specs: Sequence[TensorSpec], sizes: Sequence[int], chunk: int) -> None:
    """Every tensor inside its frames, no overlaps, chunk frames exact, shared frames at
    most one chunk, no stray frames."""
    owner: dict[int, str] = {}  # frame -> name of the large tensor that owns it
    packed: dict[int, list[tuple[int, int, str]]] = {}
    for spec in specs:
        where = f"tensor {spec.name[:80]!r}"
        if spec.nbytes <= chunk:
            if spec.frame >= len(sizes) or spec.offset + spec.nbytes > sizes[spec.frame]:
                raise ProtocolError(f"{where}: lies outside the frames received (truncated?)")
            packed.setdefault(spec.frame, []).append((spec.offset, spec.nbytes, spec.name))
            continue
        count = math.ceil(spec.nbytes / chunk)
        if spec.offset != 0 or spec.frame + count > len(sizes):
            raise ProtocolError(f"{where}: needs {count} chunk frames that were not received")
        for i in range(count):
            index = spec.frame + i
            want = min(chunk, spec.nbytes - i * chunk)
            if sizes[index] != want:
                raise ProtocolError(f"{where}: chunk {i} is {sizes[index]} bytes, expected {want}")
            if index in owner:
                raise ProtocolError(f"{where}: frame {index} is also used by {owner[index]!r}")
            owner[index] = spec.name
    for index, parts in packed.items():
        if index in owner:
            raise ProtocolError(f"frame {index} is both a chunk of {owner[index]!r} and shared")
        if sizes[index] > chunk:
            raise ProtocolError(f"shared frame {index} is {sizes[index]} bytes, more than a chunk")
        parts.sort()
        end = 0
        for offset, nbytes, name in parts:
            if nbytes and offset < end:
                raise ProtocolError(f"tensor {name[:80]!r} overlaps another tensor")
            end = max(end, offset + nbytes)
    stray = set(range(len(sizes))) - owner.keys() - packed.keys()
    if stray:
        raise ProtocolError(f"{len(stray)} frame(s) belong to no tensor, e.g. #{min(stray)}")


def _target(into: Mapping[str, np.ndarray] | None, spec: TensorSpec) -> np.ndarray | None:
    """The caller's array to fill for ``spec``, if it has exactly the right layout."""
    target = None if into is None else into.get(spec.name)
    if (
        isinstance(target, np.ndarray)
        and target.dtype == WIRE_DTYPES[spec.dtype]
        and target.shape == spec.shape
        and target.flags.c_contiguous
        and target.flags.writeable
    ):
        return target
    return None


def decode(
    frames: Sequence[Any],
    limits: Limits = DEFAULT_LIMITS,
    *,
    into: Mapping[str, np.ndarray] | None = None,
) -> tuple[Header, dict[str, np.ndarray]]:
    """Validate and decode one message; raises :class:`ProtocolError` on anything wrong.

    ``frames`` are the message parts without ZeroMQ routing frames. Arrays come back
    with the manifest's names, dtypes and shapes, in manifest order.

    ``into`` (name -> writable C-contiguous array, e.g. numpy views of a torch model's
    ``state_dict()``): tensors whose name, dtype and shape match are copied straight into
    those arrays (one memcpy, no allocation, no later ``load_state_dict`` copy) and the
    result maps the name to that same array; the others decode as usual. Nothing is
    written before the whole message has been validated.
    """
    if not frames:
        raise ProtocolError("empty message")
    header = parse_header(_as_view(frames[0]), limits)
    return header, decode_body(header, frames[1:], limits, into=into)


def decode_body(
    header: Header,
    frames: Sequence[Any],
    limits: Limits = DEFAULT_LIMITS,
    *,
    into: Mapping[str, np.ndarray] | None = None,
    whole: memoryview | None = None,
) -> dict[str, np.ndarray]:
    """The tensors of a message whose header was already parsed (see :func:`decode`).

    ``whole``: the buffer the ``frames`` are slices of, laid out by :func:`shared_layout`
    (a shared payload, mapped privately); a tensor of several chunks that lie back to
    back in it is then a view of it rather than a reassembled copy, and ``into`` is not
    used: the views already are the one copy ``into`` saves on the wire (a client then
    loads its network straight from the mapping).

    Every failure is a :class:`ProtocolError`, whatever raised it: the checks before the
    allocations are meant to make the allocations safe, and this is the backstop that
    keeps a gap in them from ever taking the receiving process down.
    """
    try:
        data = [_as_view(frame) for frame in frames]
        return _decode_tensors(header, data, limits, into, whole)
    except ProtocolError:
        raise
    except Exception as exc:  # the backstop described above
        raise ProtocolError(
            f"message could not be decoded ({type(exc).__name__}: {str(exc)[:200]})"
        ) from None


def _contiguous(layout: list[tuple[int, int]] | None, spec: TensorSpec, chunk: int) -> int | None:
    """Where a chunked tensor starts in a shared payload whose chunks lie back to back
    (None: not a shared payload, or the chunks are apart and must be joined)."""
    if layout is None:
        return None
    start = layout[spec.frame][0]
    count = math.ceil(spec.nbytes / chunk)
    if all(layout[spec.frame + i][0] == start + i * chunk for i in range(count)):
        return start
    return None


def _decode_tensors(
    header: Header,
    data: list[memoryview],
    limits: Limits,
    into: Mapping[str, np.ndarray] | None,
    whole: memoryview | None = None,
) -> dict[str, np.ndarray]:
    if len(data) > limits.max_frames:
        raise ProtocolError(f"message has {len(data)} tensor frames, limit {limits.max_frames}")
    for index, view in enumerate(data):
        if len(view) > limits.max_frame_bytes:
            raise ProtocolError(f"frame {index} is larger than {limits.max_frame_bytes} bytes")
    _check_layout(header.tensors, [len(view) for view in data], header.chunk_bytes)
    chunk = header.chunk_bytes
    layout = shared_layout(header, limits) if whole is not None else None
    out: dict[str, np.ndarray] = {}
    for spec in header.tensors:
        dtype = WIRE_DTYPES[spec.dtype]
        target = _target(into, spec) if whole is None else None
        if target is not None:
            flat = target.reshape(-1).view(np.uint8)
            if spec.nbytes > chunk:
                for i, start in enumerate(range(0, spec.nbytes, chunk)):
                    flat[start : start + chunk] = np.frombuffer(data[spec.frame + i], np.uint8)
            elif spec.nbytes:
                view = data[spec.frame][spec.offset : spec.offset + spec.nbytes]
                flat[:] = np.frombuffer(view, dtype=np.uint8)
            array = target
        elif spec.nbytes == 0:
            array = np.empty(spec.shape, dtype=dtype)
        elif spec.nbytes > chunk and (begin := _contiguous(layout, spec, chunk)) is not None:
            assert whole is not None  # a layout exists only with whole
            view = whole[begin : begin + spec.nbytes]
            array = np.frombuffer(view, dtype=dtype).reshape(spec.shape)
            if array.ctypes.data % dtype.alignment:
                array = array.copy()
        elif spec.nbytes > chunk:
            flat = np.empty(spec.nbytes, dtype=np.uint8)
            for i, start in enumerate(range(0, spec.nbytes, chunk)):
                flat[start : start + chunk] = np.frombuffer(data[spec.frame + i], dtype=np.uint8)
            array = flat.view(dtype).reshape(spec.shape)
        else:
            view = data[spec.frame][spec.offset : spec.offset + spec.nbytes]
            array = np.frombuffer(view, dtype=dtype).reshape(spec.shape)
            if array.ctypes.data % dtype.alignment:
                array = array.copy()
        out[spec.name] = array
    return out
