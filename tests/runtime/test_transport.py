"""Transport over real ZeroMQ sockets on 127.0.0.1 (random free ports)."""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest
import torch
import zmq
from mmarc.runtime.protocol import (
    CURVE_CHUNK_BYTES,
    PROTOCOL_VERSION,
    Header,
    MessageKind,
    ProtocolError,
    decode,
    encode,
)
from mmarc.runtime.transport import (
    ClientEndpoint,
    CurveKeyPair,
    Message,
    RegistrationRefused,
    SecurityConfig,
    ServerEndpoint,
    TransportError,
)

RUN = "run-1"
PLAN = "plan-abc"


def in_thread(fn: Callable[[], Any]) -> Callable[[], Any]:
    """Run ``fn`` in a thread now; the returned callable joins it and returns its result."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:
            box["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()

    def join() -> Any:
        thread.join(10)
        assert not thread.is_alive(), "thread did not finish"
        if "error" in box:
            raise box["error"]
        return box.get("value")

    return join


def recv_kind(server: ServerEndpoint, kind: MessageKind, timeout: float = 5.0) -> Message:
    deadline = time.monotonic() + timeout
    while (remaining := deadline - time.monotonic()) > 0:
        message = server.recv(remaining)
        if message is not None and message.kind is kind:
            return message
    raise AssertionError(f"no {kind} within {timeout} s")


def join_run(server: ServerEndpoint, client: ClientEndpoint) -> Message:
    done = in_thread(lambda: client.register({"site": client.name}, timeout=5))
    message = recv_kind(server, MessageKind.REGISTER)
    assert done().kind is MessageKind.REGISTERED
    return message


@pytest.fixture
def server() -> Iterator[ServerEndpoint]:
    endpoint = ServerEndpoint("tcp://127.0.0.1:*", run_id=RUN, plan_hash=PLAN)
    yield endpoint
    endpoint.close(linger_ms=0)


@pytest.fixture
def make_client(server: ServerEndpoint) -> Iterator[Callable[..., ClientEndpoint]]:
    made: list[ClientEndpoint] = []

    def make(name: str = "site-1", **kwargs: Any) -> ClientEndpoint:
        kwargs.setdefault("run_id", RUN)
        kwargs.setdefault("plan_hash", PLAN)
        kwargs.setdefault("heartbeat_interval", 0.05)
        client = ClientEndpoint(kwargs.pop("connect", server.endpoint), name, **kwargs)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close(bye=False)


def raw_dealer(endpoint: str, identity: bytes) -> tuple[zmq.Context[Any], zmq.Socket[Any]]:
    context = zmq.Context()
    dealer = context.socket(zmq.DEALER)
    dealer.setsockopt(zmq.ROUTING_ID, identity)
    dealer.setsockopt(zmq.LINGER, 0)
    dealer.connect(endpoint)
    return context, dealer


def test_model_round_trip_is_bitwise_equal(server: ServerEndpoint, make_client: Any) -> None:
    client = make_client()
    registration = join_run(server, client)
    assert registration.meta == {"site": "site-1"} and server.clients["site-1"].name == "site-1"
    rng = np.random.default_rng(0)
    model = {
        "conv.weight": torch.randn(32, 1, 3, 3),
        "fc.weight": rng.standard_normal((256, 6272)).astype(np.float32),
        "fc.bias": rng.standard_normal(256).astype(np.float32),
        "bn.num_batches_tracked": torch.tensor(3),
    }
    server.send("site-1", MessageKind.TASK, round=1, meta={"task": "train"}, tensors=model)
    task = client.recv(5)
    assert task is not None and task.kind is MessageKind.TASK and task.meta["task"] == "train"
    client.send(MessageKind.RESULT, round=1, meta={"steps": 4}, tensors=task.tensors)
    result = recv_kind(server, MessageKind.RESULT)
    assert result.client == "site-1" and result.round == 1 and result.meta == {"steps": 4}
    for name, value in model.items():
        want = value.numpy() if isinstance(value, torch.Tensor) else value
        assert result.tensors[name].tobytes() == want.tobytes()
        assert result.tensors[name].dtype == want.dtype and result.tensors[name].shape == want.shape


def test_broadcast_reaches_every_client(server: ServerEndpoint, make_client: Any) -> None:
    clients = [make_client(f"site-{i}") for i in range(3)]
    for client in clients:
        join_run(server, client)
    weights = {"w": np.arange(50_000, dtype=np.float32)}
    failed = server.broadcast(
        [c.name for c in clients] + ["ghost"], MessageKind.TASK, round=0, tensors=weights
    )
    assert list(failed) == ["ghost"] and isinstance(failed["ghost"], TransportError)
    for client in clients:
        task = client.recv(5)
        assert task is not None and task.client == client.name
        assert np.array_equal(task.tensors["w"], weights["w"])


def test_300_mb_tensor_streams_in_chunks(server: ServerEndpoint, make_client: Any) -> None:
    client = make_client()
    join_run(server, client)
    big = np.arange(75_000_000, dtype=np.float32)  # 300 MB, beyond one 64 MiB frame
    client.send(MessageKind.RESULT, round=0, tensors={"big": big, "b": np.ones(3)})
    result = recv_kind(server, MessageKind.RESULT, timeout=30)
    spec = next(s for s in result.header.tensors if s.name == "big")
    assert spec.nbytes == big.nbytes > 4 * result.header.chunk_bytes
    assert np.array_equal(result.tensors["big"], big)


def test_malformed_frames_are_rejected_and_the_server_keeps_serving(
    server: ServerEndpoint, make_client: Any
) -> None:
    context, dealer = raw_dealer(server.endpoint, b"mallory")
    valid = [bytes(f) for f in encode(Header(MessageKind.RESULT, run_id=RUN), {"w": np.ones(10)})]
    bad_messages = [
        [b"not json"],
        [os.urandom(64), os.urandom(1000)],
        valid[:1],  # truncated: the tensor frame is missing
        [valid[0], valid[1][:-8]],  # truncated tensor frame
        [json.dumps({"v": list(PROTOCOL_VERSION), "kind": "task", "tensors": 5}).encode()],
        [b""],
    ]
    try:
        for frames in bad_messages:
            dealer.send_multipart(frames)
        assert server.recv(0.5) is None  # nothing reaches the application
        assert len(server.rejected) == len(bad_messages)
        assert all(isinstance(r.error, ProtocolError) for r in server.rejected)
        assert {r.identity for r in server.rejected} == {b"mallory"}
        for _ in bad_messages:  # each got an error reply
            header, _ = decode(dealer.recv_multipart())
            assert header.kind is MessageKind.ERROR and header.meta["code"] == "malformed"
        # A frame larger than MAXMSGSIZE drops that connection inside ZeroMQ.
        dealer.send_multipart([valid[0], b"\0" * (server.limits.max_frame_bytes + 1)])
    finally:
        dealer.close()
        context.term()
    # Plain TCP garbage at the port (not even ZMTP).
    host, port = server.endpoint.removeprefix("tcp://").rsplit(":", 1)
    with socket.create_connection((host, int(port))) as raw:
        raw.sendall(os.urandom(4096))
    client = make_client()
    join_run(server, client)
    client.send(MessageKind.RESULT, round=0, tensors={"w": np.ones(4)})
    assert recv_kind(server, MessageKind.RESULT).tensors["w"].sum() == 4


def test_other_protocol_version_is_refused_naming_both(server: ServerEndpoint) -> None:
    context, dealer = raw_dealer(server.endpoint, b"site-2")
    future = (PROTOCOL_VERSION[0] + 1, 0)
    frame = json.dumps(
        {"v": list(future), "kind": "register", "id": "r-1", "client": "site-2", "run": RUN}
    ).encode()
    try:
        dealer.send(frame)
        assert server.recv(0.3) is None
        assert dealer.poll(5000)
        header, _ = decode(dealer.recv_multipart())
    finally:
        dealer.close()
        context.term()
    assert header.kind is MessageKind.REFUSED and header.in_reply_to == "r-1"
    reason = header.meta["reason"]
    assert f"{future[0]}.{future[1]}" in reason and "{}.{}".format(*PROTOCOL_VERSION) in reason
    assert "site-2" not in server.clients


def test_other_plan_or_run_is_refused(server: ServerEndpoint, make_client: Any) -> None:
    client = make_client("site-1", plan_hash="other-plan")
    done = in_thread(lambda: client.register(timeout=5))
    assert server.recv(0.3) is None
    with pytest.raises(RegistrationRefused, match="plan hash"):
        done()
    client = make_client("site-2", run_id="run-2")
    done = in_thread(lambda: client.register(timeout=5))
    assert server.recv(0.3) is None
    with pytest.raises(RegistrationRefused, match="run"):
        done()
    assert not server.clients


def test_admit_hook_can_refuse(make_client: Any) -> None:
    with ServerEndpoint(run_id=RUN, admit=lambda m: "not on the list") as server:
        client = make_client("site-1", connect=server.endpoint, plan_hash="")
        done = in_thread(lambda: client.register(timeout=5))
        assert server.recv(0.3) is None
        with pytest.raises(RegistrationRefused, match="not on the list"):
            done()


def test_messages_before_registering_get_not_registered(server: ServerEndpoint) -> None:
    context, dealer = raw_dealer(server.endpoint, b"site-3")
    try:
        dealer.send_multipart(encode(Header(MessageKind.RESULT, run_id=RUN, client="site-3")))
        assert server.recv(0.3) is None
        header, _ = decode(dealer.recv_multipart())
    finally:
        dealer.close()
        context.term()
    assert header.kind is MessageKind.ERROR and header.meta["code"] == "not_registered"


def test_heartbeats_keep_clients_alive_and_silence_is_detected(
    server: ServerEndpoint, make_client: Any
) -> None:
    alive = make_client("site-1")
    quiet = make_client("site-2", heartbeat_interval=None)
    join_run(server, alive)
    join_run(server, quiet)
    assert server.recv(0.4) is None  # serve heartbeats for a while
    assert server.dead_clients(timeout=0.3) == ["site-2"]
    assert alive.server_alive(timeout=0.3) and not quiet.server_alive(timeout=0.3)
    alive.close(bye=False)  # stops heartbeats without saying bye, like a crash
    assert server.recv(0.5) is None
    assert sorted(server.dead_clients(timeout=0.3)) == ["site-1", "site-2"]


def test_bye_unregisters(server: ServerEndpoint, make_client: Any) -> None:
    client = make_client()
    join_run(server, client)
    client.close()
    assert recv_kind(server, MessageKind.BYE).client == "site-1"
    assert "site-1" not in server.clients


def test_client_reregisters_after_server_restart(make_client: Any) -> None:
    first = ServerEndpoint("tcp://127.0.0.1:*", run_id=RUN)
    endpoint = first.endpoint
    client = make_client("site-1", connect=endpoint, plan_hash="")
    join_run(first, client)
    first.close(linger_ms=0)
    second = ServerEndpoint(endpoint, run_id=RUN)
    try:
        # The client is waiting for a task; its heartbeats learn that the new server does
        # not know it, and it registers again by itself.
        waiting = in_thread(lambda: client.recv(timeout=5))
        assert recv_kind(second, MessageKind.REGISTER).client == "site-1"
        second.send("site-1", MessageKind.TASK, round=7)
        task = waiting()
        assert task is not None and task.kind is MessageKind.TASK and task.round == 7
        assert client.registrations == 2
    finally:
        second.close(linger_ms=0)


def curve_server(participants: dict[bytes, str]) -> tuple[ServerEndpoint, bytes]:
    keys = CurveKeyPair.generate()
    security = SecurityConfig.for_server(keys, participants)
    return ServerEndpoint(run_id=RUN, security=security), keys.public


def test_curve_binds_keys_to_participants(make_client: Any) -> None:
    site1, site2 = CurveKeyPair.generate(), CurveKeyPair.generate()
    server, server_key = curve_server({site1.public: "site-1", site2.public: "site-2"})
    try:
        client = make_client(
            "site-1",
            connect=server.endpoint,
            plan_hash="",
            security=SecurityConfig.for_client(server_key, site1),
        )
        registration = join_run(server, client)
        assert registration.user_id == "site-1"
        client.send(MessageKind.RESULT, round=0, tensors={"w": np.ones(3)})
        assert recv_kind(server, MessageKind.RESULT).user_id == "site-1"
        # site-2's key claiming to be site-3: authenticated as site-2, so refused.
        impostor = make_client(
            "site-3",
            connect=server.endpoint,
            plan_hash="",
            security=SecurityConfig.for_client(server_key, site2),
        )
        done = in_thread(lambda: impostor.register(timeout=5))
        assert server.recv(0.3) is None
        with pytest.raises(RegistrationRefused, match="does not match"):
            done()
        # An unknown key never gets through the handshake.
        stranger = make_client(
            "site-4",
            connect=server.endpoint,
            plan_hash="",
            security=SecurityConfig.for_client(server_key, CurveKeyPair.generate()),
        )
        done = in_thread(lambda: stranger.register(timeout=5))
        assert server.recv(0.3) is None
        with pytest.raises(RegistrationRefused, match="handshake"):
            done()
        assert set(server.clients) == {"site-1"}
    finally:
        server.close(linger_ms=0)


def test_curve_model_travels_in_small_chunks_within_the_servers_bound(make_client: Any) -> None:
    site1 = CurveKeyPair.generate()
    server, server_key = curve_server({site1.public: "site-1"})
    try:
        client = make_client(
            "site-1",
            connect=server.endpoint,
            plan_hash="",
            security=SecurityConfig.for_client(server_key, site1),
        )
        join_run(server, client)
        model = {"w": np.random.default_rng(1).standard_normal((16, 1_000_000)).astype(np.float32)}
        # the bound a round sets from its model; 64 chunks of 1 MiB: past a bound made for 16 MiB
        server.expect_payload(model["w"].nbytes, 1)
        assert server.chunk_bytes == client.chunk_bytes == CURVE_CHUNK_BYTES
        server.send("site-1", MessageKind.TASK, round=0, meta={}, tensors=model)
        task = client.recv(5)
        assert task is not None and task.header.chunk_bytes == CURVE_CHUNK_BYTES
        client.send(MessageKind.RESULT, round=0, tensors=task.tensors)
        result = recv_kind(server, MessageKind.RESULT)
        assert result.header.chunk_bytes == CURVE_CHUNK_BYTES
        assert result.tensors["w"].tobytes() == model["w"].tobytes()
    finally:
        server.close(linger_ms=0)


def test_curve_key_validation() -> None:
    with pytest.raises(ValueError, match="40-character"):
        CurveKeyPair(b"short", b"x" * 40)
    pair = CurveKeyPair.generate()
    assert CurveKeyPair.from_secret(pair.secret) == pair
    assert "secret" not in repr(pair) or pair.secret.decode() not in repr(pair)
    with pytest.raises(ValueError, match="same participant"):
        SecurityConfig.for_server(pair, {CurveKeyPair.generate().public: "a", pair.public: "a"})


def test_invalid_client_name_is_refused_locally() -> None:
    with pytest.raises(ValueError, match="client name"):
        ClientEndpoint("tcp://127.0.0.1:1", "bad/name", run_id=RUN)


def test_recv_timeout_returns_none_quickly(server: ServerEndpoint) -> None:
    start = time.monotonic()
    assert server.recv(0.05) is None
    assert time.monotonic() - start < 0.5


def test_client_receives_the_global_model_into_its_parameters(
    server: ServerEndpoint, make_client: Any
) -> None:
    client = make_client()
    join_run(server, client)
    sent = torch.nn.Sequential(torch.nn.Linear(300, 200), torch.nn.ReLU(), torch.nn.Linear(200, 5))
    local = torch.nn.Sequential(torch.nn.Linear(300, 200), torch.nn.ReLU(), torch.nn.Linear(200, 5))
    server.send("site-1", MessageKind.TASK, round=0, tensors=sent.state_dict())
    views = {name: value.numpy() for name, value in local.state_dict().items()}
    task = client.recv(5, into=views)
    assert task is not None and all(task.tensors[name] is views[name] for name in views)
    for name, value in sent.state_dict().items():
        assert torch.equal(local.state_dict()[name], value)


def test_client_refuses_a_server_of_another_major_version(make_client: Any) -> None:
    context = zmq.Context()
    router = context.socket(zmq.ROUTER)
    router.setsockopt(zmq.LINGER, 0)
    router.bind("tcp://127.0.0.1:*")
    endpoint = router.getsockopt_string(zmq.LAST_ENDPOINT)
    try:
        client = make_client("site-1", connect=endpoint)
        done = in_thread(lambda: client.register(timeout=5))
        while True:  # skip heartbeats until the register arrives
            identity, frame = router.recv_multipart()
            if json.loads(frame)["kind"] == "register":
                break
        reply = {"v": [PROTOCOL_VERSION[0] + 1, 2], "kind": "refused", "meta": {}}
        router.send_multipart([identity, json.dumps(reply).encode()])
        with pytest.raises(RegistrationRefused) as info:
            done()
        assert f"{PROTOCOL_VERSION[0] + 1}.2" in info.value.reason
        assert "{}.{}".format(*PROTOCOL_VERSION) in info.value.reason
    finally:
        router.close()
        context.term()
