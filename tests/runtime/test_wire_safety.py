"""Hostile peers on the wire (issue 10, findings 3, 8 and 9), over real sockets on 127.0.0.1.

Each test first does what the attacker of the finding did, then checks the safe
behaviour: the message is refused as a protocol error and counted, the server keeps
serving an honest client, its memory stays bounded, and tasks reach only the
connection that authenticated as their site. The memory tests run the server in its own
process, so that its peak resident memory (``VmHWM`` in /proc) measures the server alone.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest
import zmq
from mmarc.runtime.protocol import (
    PROTOCOL_VERSION,
    Header,
    Limits,
    MessageKind,
    ProtocolError,
    decode,
    encode,
)
from mmarc.runtime.transport import (
    DEFAULT_SOCKET_OPTIONS,
    ClientEndpoint,
    CurveKeyPair,
    SecurityConfig,
    ServerEndpoint,
)

RUN = "run-w"
MiB = 1024 * 1024

# --- helpers -------------------------------------------------------------------------------


def header_frame(**fields: Any) -> bytes:
    obj: dict[str, Any] = {"v": list(PROTOCOL_VERSION), "kind": "result", "run": RUN}
    obj.update(fields)
    return json.dumps(obj).encode()


def dealer(
    context: zmq.Context[Any],
    endpoint: str,
    identity: bytes,
    *,
    keys: CurveKeyPair | None = None,
    server_key: bytes | None = None,
    connect: bool = True,
) -> zmq.Socket[Any]:
    """A raw DEALER, as an attacker would use; ``connect=False`` to attach a monitor first."""
    socket = context.socket(zmq.DEALER)
    socket.setsockopt(zmq.ROUTING_ID, identity)
    socket.setsockopt(zmq.LINGER, 0)
    if keys is not None and server_key is not None:
        socket.curve_serverkey = server_key
        socket.curve_publickey = keys.public
        socket.curve_secretkey = keys.secret
    if connect:
        socket.connect(endpoint)
    return socket


def wait_event(monitor: zmq.Socket[Any], wanted: int, timeout_ms: int = 10_000) -> int:
    """Block until the socket monitor reports one of the ``wanted`` events; returns it."""
    from zmq.utils.monitor import recv_monitor_message

    deadline = time.monotonic() + timeout_ms / 1000
    while (left := deadline - time.monotonic()) > 0:
        if not monitor.poll(int(left * 1000) + 1):
            break
        event = int(recv_monitor_message(monitor)["event"])
        if event & wanted:
            return event
    raise AssertionError(f"socket event {wanted:#x} did not happen")


def reply(server: ServerEndpoint, socket: zmq.Socket[Any], timeout: float = 10) -> Header:
    """Serve ``server`` (in this thread) until ``socket`` has an answer; returns its header."""
    deadline = time.monotonic() + timeout
    while not socket.poll(0):
        assert time.monotonic() < deadline, "no answer from the server"
        server.recv(0.02)
    header, _ = decode(socket.recv_multipart())
    return header


def register(client: ClientEndpoint, server: ServerEndpoint) -> None:
    """Register ``client`` while the server thread handles its side."""
    done = threading.Event()
    error: list[BaseException] = []

    def target() -> None:
        try:
            client.register(timeout=10)
        except BaseException as exc:
            error.append(exc)
        finally:
            done.set()

    threading.Thread(target=target, daemon=True).start()
    deadline = time.monotonic() + 10
    while not done.is_set() and time.monotonic() < deadline:
        server.recv(0.05)
    assert done.is_set() and not error, error


# --- finding 3: a header that made numpy raise crashed the server ---------------------------

HUGE_SHAPES = [[0, 10**30], [0, 2**62, 2**62], [0, 2**63], [2**40, 0, 2**40]]


@pytest.mark.parametrize("shape", HUGE_SHAPES)
def test_huge_dimensions_in_an_empty_tensor_are_a_protocol_error(shape: list[int]) -> None:
    frames = [header_frame(tensors=[["w", "float32", shape, 0, 0, 0]]), b""]
    with pytest.raises(ProtocolError, match="more elements"):
        decode(frames)


def test_huge_dimension_message_is_dropped_and_the_server_keeps_serving() -> None:
    with ServerEndpoint(run_id=RUN) as server:
        context = zmq.Context()
        attacker = dealer(context, server.endpoint, b"mallory")
        try:
            for shape in HUGE_SHAPES:  # unauthenticated, not even registered
                attacker.send_multipart(
                    [header_frame(tensors=[["w", "float32", shape, 0, 0, 0]]), b""]
                )
            for _ in HUGE_SHAPES:
                answer = reply(server, attacker)
                assert answer.kind is MessageKind.ERROR and answer.meta["code"] == "malformed"
        finally:
            attacker.close()
            context.term()
        assert server.stats["rejected"] == len(HUGE_SHAPES)
        assert all(isinstance(r.error, ProtocolError) for r in server.rejected)
        honest = ClientEndpoint(server.endpoint, "site-1", run_id=RUN, heartbeat_interval=None)
        try:
            register(honest, server)
            honest.send(MessageKind.RESULT, round=0, tensors={"w": np.ones(5, np.float32)})
            message = server.recv(10)
            assert message is not None and message.tensors["w"].sum() == 5
        finally:
            honest.close()


@pytest.mark.parametrize(
    ("fields", "match"),
    [
        ({"extra": 1}, "unknown field"),
        ({"meta": {"steps": 10**400}}, "beyond 64 bits"),
        ({"meta": {"a": [[[[[[[[[1]]]]]]]]]}}, "nested too deeply"),
        ({"kind": "task"}, "cannot send 'task'"),
        ({"kind": "registered"}, "cannot send 'registered'"),
    ],
)
def test_header_allow_list_refuses_what_a_client_may_not_send(
    fields: dict[str, Any], match: str
) -> None:
    with ServerEndpoint(run_id=RUN) as server:
        context = zmq.Context()
        attacker = dealer(context, server.endpoint, b"mallory")
        try:
            attacker.send(header_frame(**fields))
            answer = reply(server, attacker)
        finally:
            attacker.close()
            context.term()
        assert answer.meta["code"] == "malformed"
        assert len(server.rejected) == 1 and server.rejected[0].error.args[0]
        assert match in str(server.rejected[0].error)


# --- finding 9: a many-frame message was held whole, and decoded into more copies -----------

SERVER_PROCESS = r"""
import json, sys
from mmarc.runtime.protocol import MessageKind
from mmarc.runtime.transport import CurveKeyPair, SecurityConfig, ServerEndpoint

args = json.loads(sys.argv[1])
security = None
if args["secret"]:
    keys = CurveKeyPair.from_secret(args["secret"].encode())
    security = SecurityConfig.for_server(
        keys, {key.encode(): name for name, key in args["participants"].items()}
    )
server = ServerEndpoint(run_id=args["run"], security=security)
server.expect_payload(args["model_bytes"], 1)  # what the workflow does with its model
print(server.endpoint, flush=True)
while True:
    message = server.recv(0.2)
    if message is None:
        continue
    if message.kind is MessageKind.RESULT:
        total = float(sum(t.sum() for t in message.tensors.values()))
        server.send(message.client, MessageKind.TASK, meta={"sum": total})
    elif message.kind is MessageKind.BYE:
        print(json.dumps(dict(server.stats)), flush=True)
        break
server.close(linger_ms=1000)
"""


def status_kib(pid: int, field: str) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise AssertionError(f"{field} missing from /proc/{pid}/status")


@pytest.fixture
def server_process() -> Iterator[Callable[..., tuple[subprocess.Popen[str], str]]]:
    started: list[subprocess.Popen[str]] = []

    def start(
        secret: bytes = b"", participants: dict[str, bytes] | None = None
    ) -> tuple[subprocess.Popen[str], str]:
        args = {
            "run": RUN,
            "secret": secret.decode(),
            "participants": {n: k.decode() for n, k in (participants or {}).items()},
            "model_bytes": 1 * MiB,
        }
        proc = subprocess.Popen(
            [sys.executable, "-c", SERVER_PROCESS, json.dumps(args)],
            stdout=subprocess.PIPE,
            text=True,
        )
        started.append(proc)
        assert proc.stdout is not None
        return proc, proc.stdout.readline().strip()

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
        proc.wait(10)


def honest_round_trip(
    proc: subprocess.Popen[str], endpoint: str, security: SecurityConfig | None = None
) -> dict[str, int]:
    """An honest client is served after the attack; returns the server's counters."""
    client = ClientEndpoint(
        endpoint, "site-1", run_id=RUN, security=security, heartbeat_interval=None
    )
    try:
        client.register(timeout=20)
        client.send(MessageKind.RESULT, round=0, tensors={"w": np.ones(256, np.float32)})
        task = client.recv(timeout=20)
        assert task is not None and task.meta["sum"] == 256
    finally:
        client.close()  # says bye: the server prints its counters and exits
    assert proc.stdout is not None
    stats: dict[str, int] = json.loads(proc.stdout.readline())
    assert proc.wait(20) == 0
    return stats


def test_unauthenticated_many_frame_message_is_never_buffered(
    server_process: Callable[..., tuple[subprocess.Popen[str], str]],
) -> None:
    """CurveZMQ: a peer without a participant key never gets a byte past the handshake."""
    server_keys, site, stranger = (CurveKeyPair.generate() for _ in range(3))
    proc, endpoint = server_process(server_keys.secret, {"site-1": site.public})
    before = status_kib(proc.pid, "VmRSS")
    chunk = np.ones(16 * MiB, np.uint8)  # one buffer, sent zero-copy as every frame
    frames = 25  # 400 MiB
    spec = ["w", "uint8", [frames * chunk.size], frames * chunk.size, 0, 0]
    context = zmq.Context()
    attacker = dealer(
        context, endpoint, b"mallory", keys=stranger, server_key=server_keys.public, connect=False
    )
    monitor = attacker.get_monitor_socket()
    attacker.connect(endpoint)
    try:
        attacker.send_multipart(
            [header_frame(client="mallory", tensors=[spec]), *([memoryview(chunk)] * frames)],
            copy=False,
        )
        wait_event(monitor, zmq.EVENT_HANDSHAKE_FAILED_AUTH)
    finally:
        attacker.disable_monitor()
        monitor.close()
        attacker.close()
        context.term()
    grown = status_kib(proc.pid, "VmHWM") - before
    assert grown < 64 * 1024, f"server grew by {grown} KiB for a 400 MiB hostile message"
    security = SecurityConfig.for_client(server_keys.public, site)
    honest_round_trip(proc, endpoint, security)


def test_oversized_messages_are_dropped_unread_and_the_server_keeps_serving(
    server_process: Callable[..., tuple[subprocess.Popen[str], str]],
) -> None:
    """Plain TCP (anyone may connect): one frame past MAXMSGSIZE is cut off before it is
    buffered; a message past the model-derived limit costs one copy, libzmq's own, and
    is released frame by frame (it used to be held and reassembled: twice or more)."""
    proc, endpoint = server_process()
    before = status_kib(proc.pid, "VmRSS")
    big = np.ones(Limits().max_frame_bytes + MiB, np.uint8)
    chunk = np.ones(16 * MiB, np.uint8)
    frames = 16  # 256 MiB, declared as one tensor chunked exactly as prepare() would
    spec = ["w", "uint8", [frames * chunk.size], frames * chunk.size, 0, 0]
    context = zmq.Context()
    try:
        attacker = dealer(context, endpoint, b"mallory", connect=False)
        monitor = attacker.get_monitor_socket()
        attacker.connect(endpoint)
        attacker.send_multipart([header_frame(), memoryview(big)], copy=False)
        wait_event(monitor, zmq.EVENT_DISCONNECTED)
        grown = status_kib(proc.pid, "VmHWM") - before
        assert grown < 64 * 1024, f"a frame over MAXMSGSIZE grew the server by {grown} KiB"
        attacker.disable_monitor()
        monitor.close()
        attacker.close()
        attacker = dealer(context, endpoint, b"mallory-2")
        attacker.send_multipart(
            [header_frame(tensors=[spec], chunk=chunk.size), *([memoryview(chunk)] * frames)],
            copy=False,
        )
        assert attacker.poll(30_000)
        answer, _ = decode(attacker.recv_multipart())
        attacker.close()
    finally:
        context.term()
    assert answer.kind is MessageKind.ERROR and "limit" in answer.meta["detail"]
    grown = status_kib(proc.pid, "VmHWM") - before
    payload_kib = frames * chunk.size // 1024
    assert grown < payload_kib * 1.3, f"server grew by {grown} KiB for {payload_kib} KiB"
    assert status_kib(proc.pid, "VmRSS") - before < payload_kib // 4  # nothing kept
    stats = honest_round_trip(proc, endpoint)
    assert stats["rejected"] == 1 and stats["dropped_bytes"] >= frames * chunk.size


def test_message_past_its_header_budget_is_dropped_frame_by_frame() -> None:
    """A small manifest followed by many frames: refused at the first frame too many."""
    with ServerEndpoint(run_id=RUN) as server:
        context = zmq.Context()
        attacker = dealer(context, server.endpoint, b"mallory")
        valid = encode(Header(MessageKind.RESULT, run_id=RUN), {"w": np.ones(4, np.float32)})
        try:
            attacker.send_multipart([bytes(valid[0]), bytes(valid[1]), *([b"x" * 4096] * 500)])
            answer = reply(server, attacker)
        finally:
            attacker.close()
            context.term()
        assert "past the 1 frame(s)" in answer.meta["detail"]
        assert server.stats["dropped_bytes"] >= 500 * 4096


# --- finding 8: a provisioned client took another site's routing id and its tasks -----------


def test_routing_id_is_bound_to_the_authenticated_site() -> None:
    server_keys, key_a, key_b = (CurveKeyPair.generate() for _ in range(3))
    security = SecurityConfig.for_server(
        server_keys, {key_a.public: "site-a", key_b.public: "site-b"}
    )
    with ServerEndpoint(run_id=RUN, security=security) as server:
        site_b = ClientEndpoint(
            server.endpoint,
            "site-b",
            run_id=RUN,
            security=SecurityConfig.for_client(server_keys.public, key_b),
            heartbeat_interval=None,
        )
        context = zmq.Context()
        # site-a's key, claiming site-b's name as routing id (what the attack did) and a
        # routing id in the new form with site-b's name and a token of its own
        hijackers = [
            dealer(
                context,
                server.endpoint,
                ident,
                keys=key_a,
                server_key=server_keys.public,
                connect=False,
            )
            for ident in (b"site-b", b"site-b/" + b"0" * 32)
        ]
        try:
            register(site_b, server)
            for socket in hijackers:
                monitor = socket.get_monitor_socket()
                socket.connect(server.endpoint)
                socket.send_multipart(
                    encode(Header(MessageKind.HEARTBEAT, run_id=RUN, client="site-a"))
                )
                wait_event(monitor, zmq.EVENT_HANDSHAKE_SUCCEEDED)
                socket.disable_monitor()
                monitor.close()
                answer = reply(server, socket)  # its routing id names another site
                assert answer.kind is MessageKind.REFUSED and answer.meta["code"] == "identity"
            server.send("site-b", MessageKind.TASK, round=0, meta={"task": "train"})
            task = site_b.recv(timeout=10)
            assert task is not None and task.kind is MessageKind.TASK
            for socket in hijackers:  # never site-b's task
                assert not socket.poll(300)
            # Registering as site-b with site-a's key, or as site-a from a routing id
            # that names site-b: both refused.
            for socket, claim in ((hijackers[1], "site-b"), (hijackers[0], "site-a")):
                socket.send_multipart(
                    encode(Header(MessageKind.REGISTER, run_id=RUN, client=claim, msg_id="r"))
                )
                got = reply(server, socket)
                assert got.kind is MessageKind.REFUSED, got
            # A result claiming to come from site-b on site-a's connection: refused.
            hijackers[0].send_multipart(
                encode(Header(MessageKind.RESULT, run_id=RUN, client="site-b"), {"w": np.ones(2)})
            )
            assert server.recv(0.5) is None
            assert "does not match its key" in str(server.rejected[-1].error)
            assert server.clients["site-b"].identity == site_b.routing_id
            assert server.clients["site-b"].user_id == "site-b"
        finally:
            for socket in hijackers:
                socket.close()
            context.term()
            site_b.close()


def test_registration_must_come_from_a_name_and_token_routing_id() -> None:
    with ServerEndpoint(run_id=RUN) as server:
        context = zmq.Context()
        socket = dealer(context, server.endpoint, b"site-1")  # the old, guessable form
        try:
            socket.send_multipart(encode(Header(MessageKind.REGISTER, run_id=RUN, client="site-1")))
            got = reply(server, socket)
        finally:
            socket.close()
            context.term()
        assert got.kind is MessageKind.REFUSED and "random token" in got.meta["reason"]
        assert not server.clients


def test_client_routing_ids_are_fresh_per_endpoint() -> None:
    with ServerEndpoint(run_id=RUN) as server:
        one = ClientEndpoint(server.endpoint, "site-1", run_id=RUN, heartbeat_interval=None)
        two = ClientEndpoint(server.endpoint, "site-1", run_id=RUN, heartbeat_interval=None)
        try:
            assert one.routing_id != two.routing_id
            assert one.routing_id.startswith(b"site-1/")
        finally:
            one.close(bye=False)
            two.close(bye=False)


def test_a_peer_flooding_a_busy_server_is_held_back_not_dropped() -> None:
    """Per connection the server queues at most ``server_recv_hwm`` messages; the rest
    wait in the peer's own queue (TCP backpressure) and all arrive once it reads."""
    with ServerEndpoint(run_id=RUN) as server:
        assert server._socket.getsockopt(zmq.RCVHWM) == DEFAULT_SOCKET_OPTIONS.server_recv_hwm
        context = zmq.Context()
        flood = dealer(context, server.endpoint, b"mallory")
        count = 4 * DEFAULT_SOCKET_OPTIONS.server_recv_hwm
        frame = memoryview(np.zeros(256 * 1024, np.uint8))
        try:
            for _ in range(count):  # the server is busy: it reads nothing meanwhile
                flood.send_multipart([header_frame(), frame], copy=False)
            deadline = time.monotonic() + 30
            while server.stats["rejected"] < count and time.monotonic() < deadline:
                server.recv(0.05)
        finally:
            flood.close()
            context.term()
        assert server.stats["rejected"] == count
