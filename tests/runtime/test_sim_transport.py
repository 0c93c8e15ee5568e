"""The simulator's wire: a Unix domain socket in a private folder, TCP on request.

Real endpoints on the address :func:`server_bind` gives: a client registers and a model
goes there and back bit for bit; the folder is the user's alone and goes away with the
run; ``tcp`` (and an unknown transport) behave as documented.
"""

from __future__ import annotations

import shutil
import stat
import threading

import numpy as np
import pytest
import zmq
from mmarc.runtime.protocol import MessageKind
from mmarc.runtime.sim.launcher import SimError, server_bind, simulate
from mmarc.runtime.transport import ClientEndpoint, ServerEndpoint

needs_ipc = pytest.mark.skipif(not zmq.has("ipc"), reason="ZeroMQ without ipc transport")


@needs_ipc
def test_ipc_bind_is_a_private_unix_socket_that_carries_a_model() -> None:
    folder, bind = server_bind("ipc")
    assert folder is not None and bind == f"ipc://{folder / 'server'}"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    server = ServerEndpoint(bind, run_id="r", plan_hash="p")
    client = ClientEndpoint(server.endpoint, "site-1", run_id="r", plan_hash="p")
    try:
        registered = threading.Thread(target=lambda: client.register({}, timeout=5))
        registered.start()
        while server.recv(5) is None:
            pass
        registered.join(5)
        model = {"w": np.random.default_rng(0).standard_normal((300, 1000)).astype(np.float32)}
        server.send("site-1", MessageKind.TASK, round=0, meta={"task": "train"}, tensors=model)
        task = client.recv(5)
        assert task is not None and task.kind is MessageKind.TASK
        client.send(MessageKind.RESULT, round=0, meta={}, tensors=task.tensors)
        result = None
        while result is None or result.kind is not MessageKind.RESULT:
            result = server.recv(5)
        assert result.tensors["w"].tobytes() == model["w"].tobytes()
    finally:
        client.close(bye=False)
        server.close(linger_ms=0)
        shutil.rmtree(folder)


def test_tcp_bind_is_loopback_with_a_free_port() -> None:
    assert server_bind("tcp") == (None, "tcp://127.0.0.1:*")


def test_unknown_transport_is_refused_before_anything_starts(tmp_path) -> None:
    with pytest.raises(SimError, match="transport 'udp'"):
        simulate(None, tmp_path, transport="udp")  # type: ignore[arg-type]
