"""Wire protocol: bitwise round trips, chunking, and rejection of anything malformed."""

from __future__ import annotations

import contextlib
import json

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from mmarc.runtime.protocol import (
    PROTOCOL_VERSION,
    Header,
    Limits,
    MessageKind,
    ProtocolError,
    VersionMismatch,
    decode,
    encode,
    prepare,
)


def model_dict() -> dict[str, object]:
    rng = np.random.default_rng(0)
    return {
        "conv.weight": torch.randn(32, 1, 3, 3),
        "conv.bias": torch.randn(32),
        "fc.weight": rng.standard_normal((256, 6272)).astype(np.float32),
        "bn.running_mean": np.zeros(16, dtype=np.float32),
        "bn.num_batches_tracked": torch.tensor(7),
        "half": rng.standard_normal((3, 5)).astype(np.float16),
        "mask": rng.random(100) > 0.5,
        "empty": np.zeros((0, 4), dtype=np.float64),
        "strided": rng.standard_normal((64, 64))[::2, ::3],  # not contiguous
    }


def as_np(value: object) -> np.ndarray:
    return value.numpy() if isinstance(value, torch.Tensor) else np.asarray(value)


def header(**fields: object) -> Header:
    base: dict[str, object] = {"kind": MessageKind.TASK, "run_id": "run-1", "round": 2}
    base.update(fields)
    return Header(**base)  # type: ignore[arg-type]


def test_round_trip_is_bitwise_equal() -> None:
    tensors = model_dict()
    frames = encode(header(client="site-1", meta={"task": "train", "steps": 10}), tensors)
    got_header, got = decode(frames)
    assert got_header.kind is MessageKind.TASK
    assert (got_header.run_id, got_header.round, got_header.client) == ("run-1", 2, "site-1")
    assert got_header.meta == {"task": "train", "steps": 10}
    assert list(got) == list(tensors)
    for name, value in tensors.items():
        want = as_np(value)
        assert got[name].dtype == want.dtype and got[name].shape == want.shape, name
        assert got[name].tobytes() == np.ascontiguousarray(want).tobytes(), name


def test_small_tensors_share_frames_and_large_ones_are_zero_copy() -> None:
    big = np.arange(100_000, dtype=np.float32)
    payload = prepare({"a": np.ones(3), "b": np.ones(5), "big": big})
    assert len(payload.frames) == 2  # one shared frame for a and b, one for big
    assert np.shares_memory(np.frombuffer(payload.frames[1], dtype=np.float32), big)
    _, got = decode(encode(header(), payload))
    assert all(got[name].ctypes.data % got[name].dtype.alignment == 0 for name in got)


def test_large_tensor_is_chunked_and_reassembled() -> None:
    data = np.random.default_rng(1).standard_normal(300_001).astype(np.float32)
    frames = encode(header(), prepare({"w": data}, chunk_bytes=64 * 1024))
    assert len(frames) == 1 + -(-data.nbytes // (64 * 1024))
    assert all(len(f) == 64 * 1024 for f in frames[1:-1])
    _, got = decode(frames)
    assert got["w"].tobytes() == data.tobytes()


def test_truncated_chunked_message_is_rejected() -> None:
    data = np.zeros(100_000, dtype=np.float32)
    frames = encode(header(), prepare({"w": data}, chunk_bytes=64 * 1024))
    with pytest.raises(ProtocolError, match="chunk frames"):
        decode(frames[:-1])
    frames[-1] = bytes(frames[-1])[:-4]
    with pytest.raises(ProtocolError, match="expected"):
        decode(frames)


def manifest_frames(**changes: object) -> list[bytes]:
    """A valid one-tensor message with header fields replaced by ``changes``."""
    frames = encode(header(), {"w": np.zeros((2, 3), dtype=np.float32)})
    obj = json.loads(bytes(frames[0]))
    obj.update(changes)
    return [json.dumps(obj).encode(), *[bytes(f) for f in frames[1:]]]


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"kind": "launch_missiles"}, "unknown message kind"),
        ({"round": "3"}, "'round' must be an integer"),
        ({"round": True}, "'round' must be an integer"),
        ({"run": 5}, "'run' must be a string"),
        ({"run": "x" * 1000}, "longer than"),
        ({"client": "bad name/x"}, "not a valid name"),
        ({"meta": []}, "'meta' must be a JSON object"),
        ({"tensors": {}}, "'tensors' must be a list"),
        ({"tensors": [["w", "object", [2, 3], 24, 0, 0]]}, "not allowed"),
        ({"tensors": [["w", "float32", [2, 4], 24, 0, 0]]}, "byte length"),
        ({"tensors": [["w", "float32", [2, -3], 24, 0, 0]]}, "non-negative"),
        ({"tensors": [["w", "float32", [2, 3], 24, 5, 0]]}, "outside the frames"),
        ({"tensors": [["w", "float32", [2, 3], 24, 0, 8]]}, "outside the frames"),
        ({"tensors": [["w", "float32", [2, 3], 24]]}, "manifest entry"),
        ({"tensors": [["w\n", "float32", [2, 3], 24, 0, 0]]}, "printable"),
        ({"tensors": [[7, "float32", [2, 3], 24, 0, 0]]}, "printable"),
        ({"tensors": [["w", "float32", [6], 24, 0, 0], ["w", "float32", [6], 24, 0, 0]]}, "unique"),
        (
            {"tensors": [["a", "float32", [4], 16, 0, 0], ["b", "float32", [2], 8, 0, 8]]},
            "overlaps",
        ),
        ({"tensors": []}, "belong to no tensor"),
        ({"chunk": 10}, "'chunk'"),
        ({"v": "1.0"}, "'v' must be"),
    ],
)
def test_invalid_header_fields_are_rejected(changes: dict[str, object], match: str) -> None:
    with pytest.raises(ProtocolError, match=match):
        decode(manifest_frames(**changes))


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\xff\xfe\x00garbage",
        b"[1, 2, 3]",
        b'{"v": [1, 0], "kind": "task", "round": NaN}',
        b'{"v": [1, 0], "kind": "task", "round": 1e999}',
        b'{"v": [1, 0], "v": [1, 0], "kind": "task"}',
        b"[" * 100_000 + b"]" * 100_000,
        b'{"v": [1, 0], "kind": "task", "round": ' + b"9" * 5000 + b"}",
    ],
)
def test_garbage_header_frames_are_rejected(raw: bytes) -> None:
    with pytest.raises(ProtocolError):
        decode([raw])


def test_limits_are_enforced() -> None:
    frames = encode(header(), {"w": np.zeros(1000, dtype=np.float64)})
    with pytest.raises(ProtocolError, match="bytes, limit"):
        decode(frames, Limits(max_total_bytes=4000))
    with pytest.raises(ProtocolError, match="header frame is"):
        decode(frames, Limits(max_header_bytes=20))
    with pytest.raises(ProtocolError, match="tensors, limit"):
        decode(frames, Limits(max_tensors=0))


def test_other_major_version_names_both_versions() -> None:
    frames = manifest_frames(v=[PROTOCOL_VERSION[0] + 1, 3], id="m-1", client="site-9")
    with pytest.raises(VersionMismatch) as info:
        decode(frames)
    err = info.value
    assert err.peer == (PROTOCOL_VERSION[0] + 1, 3) and err.ours == PROTOCOL_VERSION
    assert f"{PROTOCOL_VERSION[0] + 1}.3" in str(err) and "{}.{}".format(*PROTOCOL_VERSION) in str(
        err
    )
    assert (err.msg_id, err.client) == ("m-1", "site-9")


def test_newer_minor_version_with_unknown_keys_is_accepted() -> None:
    frames = manifest_frames(v=[PROTOCOL_VERSION[0], PROTOCOL_VERSION[1] + 1], extra={"a": 1})
    got_header, got = decode(frames)
    assert got_header.version[1] == PROTOCOL_VERSION[1] + 1 and got["w"].shape == (2, 3)


def test_encode_refuses_what_the_wire_cannot_carry() -> None:
    with pytest.raises(TypeError, match="bfloat16"):
        encode(header(), {"w": torch.zeros(2, dtype=torch.bfloat16)})
    with pytest.raises(TypeError, match="dtype"):
        encode(header(), {"w": np.array(["a", "b"])})
    with pytest.raises(TypeError, match="cannot send"):
        encode(header(), {"w": [1, 2, 3]})


def test_big_endian_input_arrives_with_the_same_values() -> None:
    data = np.arange(10, dtype=">f8")
    _, got = decode(encode(header(), {"w": data}))
    assert np.array_equal(got["w"], data) and got["w"].dtype == np.dtype("<f8")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=200), min_size=1, max_size=4))
def test_random_frames_only_ever_raise_protocol_error(frames: list[bytes]) -> None:
    with contextlib.suppress(ProtocolError):
        decode(frames)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_mutated_valid_headers_only_ever_raise_protocol_error(data: st.DataObject) -> None:
    frames = [bytes(f) for f in encode(header(), {"a": np.ones(3), "b": np.ones(20_000)})]
    raw = bytearray(frames[0])
    for _ in range(data.draw(st.integers(1, 5))):
        raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    with contextlib.suppress(ProtocolError):
        decode([bytes(raw), *frames[1:]])


def test_decode_into_fills_matching_arrays_in_place() -> None:
    rng = np.random.default_rng(2)
    sent = {
        "big": rng.standard_normal(50_000).astype(np.float32),  # chunked below
        "mid": rng.standard_normal((100, 100)),  # one frame of its own
        "small": np.arange(4, dtype=np.int64),  # shared frame
        "other": np.ones(3, dtype=np.float32),  # target has the wrong shape
    }
    model = torch.nn.Linear(100, 100, dtype=torch.float64)
    targets = {
        "big": np.zeros(50_000, dtype=np.float32),
        "mid": model.weight.detach().numpy(),  # a torch parameter, shared memory
        "small": np.zeros(4, dtype=np.int64),
        "other": np.zeros(4, dtype=np.float32),
    }
    frames = encode(header(), prepare(sent, chunk_bytes=64 * 1024))
    _, got = decode(frames, into=targets)
    for name in ("big", "mid", "small"):
        assert got[name] is targets[name] and np.array_equal(targets[name], sent[name])
    assert got["other"] is not targets["other"] and np.array_equal(got["other"], sent["other"])
    assert torch.equal(model.weight.detach(), torch.from_numpy(sent["mid"]))


def test_decode_into_writes_nothing_when_the_message_is_invalid() -> None:
    target = np.zeros(10)
    frames = encode(header(), {"w": np.ones(10), "v": np.ones(100_000)})
    with pytest.raises(ProtocolError):
        decode([frames[0], frames[1]], into={"w": target})  # second frame missing
    assert not target.any()
