"""Same-host payloads (:mod:`mmarc.runtime.transport.shared`) over real ipc:// sockets.

A model sent to many sites is written once and reaches each through a file of its own
that its reader unlinks; small payloads and TCP stay in frames; and every way a header
can point at something other than the file it promises (missing, resized, a link, a
FIFO, a path, frames as well, on an endpoint that takes none) is refused, with the
server still serving.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import zmq
from mmarc.runtime.protocol import (
    DEFAULT_LIMITS,
    Header,
    MessageKind,
    ProtocolError,
    TensorSpec,
    decode_body,
    prepare,
    shared_layout,
)
from mmarc.runtime.transport import ClientEndpoint, ServerEndpoint, TransportError
from mmarc.runtime.transport.shared import SHARED_MIN_BYTES, SharedFolder, shared_folder

pytestmark = pytest.mark.skipif(not zmq.has("ipc"), reason="ZeroMQ without ipc transport")

RUN, PLAN = "run-s", "plan-s"


@pytest.fixture
def folder() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="mmarc-shm-test-"))  # 0700, like the simulator's
    yield path
    for child in path.iterdir():
        child.unlink()
    path.rmdir()


def payload_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.suffix == ".bin")


def joined(server: ServerEndpoint, *names: str) -> list[ClientEndpoint]:
    clients = [ClientEndpoint(server.endpoint, n, run_id=RUN, plan_hash=PLAN) for n in names]
    threads = [threading.Thread(target=c.register, args=({}, 5)) for c in clients]
    for thread in threads:
        thread.start()
    seen: set[str] = set()
    while seen != set(names):
        message = server.recv(5)
        assert message is not None, "a client did not register"
        seen.add(message.client)
    for thread in threads:
        thread.join(5)
    return clients


def root(array: np.ndarray) -> object:
    """What an array's memory finally belongs to: an array that owns it, or a buffer."""
    base: object = array
    while isinstance(base, np.ndarray) and base.base is not None:
        base = base.base
    return base


def model(seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        "big": rng.standard_normal((5000, 1000)).astype(np.float32),  # 20 MB: 2 chunks
        "bias": rng.standard_normal(1000).astype(np.float32),
        "steps": np.array(7, dtype=np.int64),
    }


def test_a_broadcast_is_written_once_and_each_reader_unlinks_its_name(folder: Path) -> None:
    server = ServerEndpoint(f"ipc://{folder / 'server'}", run_id=RUN, plan_hash=PLAN)
    clients = joined(server, "site-1", "site-2")
    try:
        sent = model()
        payload = prepare(sent, chunk_bytes=server.chunk_bytes)
        failed = server.broadcast(["site-1", "site-2"], MessageKind.TASK, round=0, tensors=payload)
        assert failed == {}
        # one kept copy plus one link per recipient: the bytes exist once
        files = payload_files(folder)
        assert len(files) == 3
        assert len({(folder / f).stat().st_ino for f in files}) == 1
        for client in clients:
            task = client.recv(5)
            assert task is not None and task.header.shared
            for name, array in sent.items():
                assert task.tensors[name].tobytes() == array.tobytes(), name
            task.tensors["big"][0, 0] = 1.0  # private: the next reader does not see it
        assert len(payload_files(folder)) == 1  # both links consumed, the kept one left
        # the update comes back the same way, and the server's arrays view the mapping
        clients[0].send(MessageKind.RESULT, round=0, tensors=sent)
        result = None
        while result is None or result.kind is not MessageKind.RESULT:
            result = server.recv(5)
        assert result.header.shared
        assert result.tensors["big"].tobytes() == sent["big"].tobytes()
        assert not isinstance(root(result.tensors["big"]), np.ndarray)  # a view, not a copy
    finally:
        for client in clients:
            client.close(bye=False)
        server.close(linger_ms=0)
    assert payload_files(folder) == []  # the kept copy goes with the endpoint


def test_small_payloads_and_tcp_stay_in_frames(folder: Path) -> None:
    assert shared_folder("tcp://127.0.0.1:5555") is None
    server = ServerEndpoint(f"ipc://{folder / 'server'}", run_id=RUN, plan_hash=PLAN)
    (client,) = joined(server, "site-1")
    over_tcp = ServerEndpoint("tcp://127.0.0.1:*", run_id=RUN, plan_hash=PLAN)
    tcp_client = ClientEndpoint(over_tcp.endpoint, "site-2", run_id=RUN, heartbeat_interval=None)
    try:
        assert client.shared_payloads and not tcp_client.shared_payloads
    finally:
        tcp_client.close(bye=False)
        over_tcp.close(linger_ms=0)
    try:
        small = {"w": np.ones(SHARED_MIN_BYTES // 8, dtype=np.float32)}
        server.send("site-1", MessageKind.TASK, round=0, tensors=small)
        task = client.recv(5)
        assert task is not None and task.header.shared == ""
        assert np.array_equal(task.tensors["w"], small["w"])
        assert payload_files(folder) == []
    finally:
        client.close(bye=False)
        server.close(linger_ms=0)


def test_a_folder_others_can_enter_is_not_used(folder: Path) -> None:
    folder.chmod(0o755)
    assert shared_folder(f"ipc://{folder / 'server'}") is None
    folder.chmod(0o700)
    assert shared_folder(f"ipc://{folder / 'server'}") == folder


# --- hostile headers -------------------------------------------------------------------------


def raw_header(shared: str, tensors: list[list[object]] | None = None) -> bytes:
    entries = tensors if tensors is not None else [["w", "float32", [1024, 1024], 4194304, 0, 0]]
    header = {"v": [1, 1], "kind": "result", "run": RUN, "client": "site-9", "id": "m-1"}
    return json.dumps({**header, "meta": {}, "tensors": entries, "shm": shared}).encode()


def refusal(server: ServerEndpoint, frames: list[bytes]) -> str:
    """Send ``frames`` from a bare DEALER; the reason the server refused them."""
    context = zmq.Context.instance()
    peer = context.socket(zmq.DEALER)
    peer.connect(server.endpoint)
    try:
        before = len(server.rejected)
        peer.send_multipart(frames)
        for _ in range(100):
            server.recv(0.05)
            if len(server.rejected) > before:
                return str(server.rejected[-1].error)
        raise AssertionError("the server did not refuse the message")
    finally:
        peer.close(linger=0)


def test_every_header_that_does_not_lead_to_its_file_is_refused(folder: Path) -> None:
    server = ServerEndpoint(f"ipc://{folder / 'server'}", run_id=RUN, plan_hash=PLAN)
    try:
        name = "ab" * 16 + ".bin"
        assert "cannot be opened" in refusal(server, [raw_header(name)])  # no such file

        (folder / name).write_bytes(b"\0" * 100)  # shorter than the manifest says
        assert "holds 100 bytes, its manifest says 4194304" in refusal(server, [raw_header(name)])
        assert not (folder / name).exists()  # read once: unlinked

        target = folder / "elsewhere"
        target.write_bytes(b"\0" * 4194304)
        (folder / name).symlink_to(target)  # a link is not followed
        assert "cannot be opened" in refusal(server, [raw_header(name)])
        (folder / name).unlink(missing_ok=True)

        os.mkfifo(folder / name)  # nor is anything but a regular file read
        assert "not a file of this user" in refusal(server, [raw_header(name)])
        (folder / name).unlink(missing_ok=True)

        for bad in ("../" + name, "/etc/passwd", name.upper(), name + "/x"):
            assert "'shm' must name a shared-payload file" in refusal(server, [raw_header(bad)])

        (folder / name).write_bytes(b"\0" * 4194304)  # the right file, and frames as well
        assert "carries data frames too" in refusal(server, [raw_header(name), b"\0" * 64])

        # a manifest whose frame index would make the layout a billion entries long
        far = [["w", "float32", [16], 64, 10**9, 0]]
        assert "limit" in refusal(server, [raw_header(name, far)])

        # still serving: a client registers and gets a shared model
        (client,) = joined(server, "site-1")
        server.send("site-1", MessageKind.TASK, round=0, tensors=model())
        task = client.recv(5)
        assert task is not None and task.header.shared
        client.close(bye=False)
    finally:
        server.close(linger_ms=0)
        target_file = folder / "elsewhere"
        target_file.unlink(missing_ok=True)


def test_an_endpoint_without_a_shared_folder_refuses_a_shared_header() -> None:
    server = ServerEndpoint("tcp://127.0.0.1:*", run_id=RUN, plan_hash=PLAN)
    try:
        name = "cd" * 16 + ".bin"
        assert "takes no shared payloads" in refusal(server, [raw_header(name)])
    finally:
        server.close(linger_ms=0)


# --- layout ---------------------------------------------------------------------------------


def test_the_layout_aligns_frames_and_joins_no_chunks_it_can_view(folder: Path) -> None:
    sent = model(1)
    payload = prepare(sent, chunk_bytes=16 * 1024 * 1024)
    header = Header(MessageKind.RESULT, tensors=payload.specs, chunk_bytes=payload.chunk_bytes)
    layout = shared_layout(header)
    assert all(offset % 64 == 0 for offset, _ in layout)
    assert [size for _, size in layout] == [len(memoryview(f).cast("B")) for f in payload.frames]
    shared = SharedFolder(folder)
    try:
        name = shared.publish(header, payload, many=False)
        assert name is not None
        reader = SharedFolder(folder)
        frames, whole = reader.open(Header(**{**_fields(header), "shared": name}), DEFAULT_LIMITS)
        tensors = decode_body(header, frames, DEFAULT_LIMITS, whole=whole)
        reader.close()
    finally:
        shared.close()
    base = np.frombuffer(whole, dtype=np.uint8)
    assert np.shares_memory(tensors["big"], base)  # 20 MB in two chunks, one view
    for key, array in sent.items():
        assert tensors[key].tobytes() == array.tobytes()
    beyond = TensorSpec("x", "float32", (4,), 16, DEFAULT_LIMITS.max_frames, 0)
    with pytest.raises(ProtocolError, match="limit"):
        shared_layout(Header(MessageKind.RESULT, tensors=(beyond,)))


def _fields(header: Header) -> dict[str, object]:
    return {slot: getattr(header, slot) for slot in Header.__slots__}


def test_a_folder_that_cannot_take_a_payload_falls_back_to_frames(
    folder: Path, caplog: pytest.LogCaptureFixture
) -> None:
    server = ServerEndpoint(f"ipc://{folder / 'server'}", run_id=RUN, plan_hash=PLAN)
    (client,) = joined(server, "site-1")
    limit = resource.getrlimit(resource.RLIMIT_FSIZE)
    old_handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    try:
        resource.setrlimit(resource.RLIMIT_FSIZE, (1024 * 1024, limit[1]))  # like a full /dev/shm
        try:
            for seed in (1, 2):  # the first write fails; the second send does not try again
                sent = model(seed)
                server.send("site-1", MessageKind.TASK, round=seed, tensors=sent)
                task = client.recv(5)
                assert task is not None and task.header.shared == ""
                assert task.tensors["big"].tobytes() == sent["big"].tobytes()
                assert payload_files(folder) == []  # the cut file was removed
        finally:
            resource.setrlimit(resource.RLIMIT_FSIZE, limit)
        said = [r for r in caplog.records if "cannot write shared payloads" in r.getMessage()]
        assert len(said) == 1
    finally:
        signal.signal(signal.SIGXFSZ, old_handler)
        client.close(bye=False)
        server.close(linger_ms=0)


def test_a_shared_model_is_loaded_from_its_mapping_not_copied_into_buffers(folder: Path) -> None:
    server = ServerEndpoint(f"ipc://{folder / 'server'}", run_id=RUN, plan_hash=PLAN)
    (client,) = joined(server, "site-1")
    try:
        sent = model(3)
        buffers = {name: np.zeros_like(array) for name, array in sent.items()}
        server.send("site-1", MessageKind.TASK, round=0, tensors=sent)
        task = client.recv(5, into=buffers)
        assert task is not None and task.header.shared
        assert task.tensors["big"] is not buffers["big"] and not buffers["big"].any()
        assert not isinstance(root(task.tensors["big"]), np.ndarray)  # the mapping itself
        assert task.tensors["big"].tobytes() == sent["big"].tobytes()
    finally:
        client.close(bye=False)
        server.close(linger_ms=0)


def test_a_message_that_cannot_be_delivered_leaves_no_file(folder: Path) -> None:
    server = ServerEndpoint(f"ipc://{folder / 'server'}", run_id=RUN, plan_hash=PLAN)
    (client,) = joined(server, "site-1")
    client.close(bye=False)  # still registered on the server, but gone
    try:
        refused = None
        deadline = time.monotonic() + 10
        while refused is None and time.monotonic() < deadline:
            try:
                server.send("site-1", MessageKind.TASK, round=0, tensors=model())
            except TransportError as exc:
                refused = exc
            time.sleep(0.05)
        assert refused is not None, "the send to a closed client never failed"
        # every earlier send that went out left its file for a reader that never came;
        # the one that failed removed its own
        sent_before = len(payload_files(folder))
        with pytest.raises(TransportError):
            server.send("site-1", MessageKind.TASK, round=1, tensors=model())
        assert len(payload_files(folder)) == sent_before
    finally:
        server.close(linger_ms=0)
