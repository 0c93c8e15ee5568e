"""A federation server stops within seconds of SIGTERM, whatever it is waiting for.

Python runs a signal's handler only when the main thread executes bytecode. The server
waits in ``zmq_poll`` (for clients, for results) and on its initial-model child; a SIGTERM
the kernel hands to another thread (TenSEAL's thread pool, the persist writer), or one
that arrives just before the poll blocks, used to trip the handler without waking the
wait, so a server with no client connected never stopped. These tests reproduce that
exactly (the signal taken by another thread) and stop a real HE server process while it
waits for the child building its first model, which must not outlive it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import zmq
from helpers import tiny_fl_he_mmar
from mmarc.runtime.provision.he import run_contexts
from mmarc.runtime.security.ckks import context_fingerprint, load_context
from mmarc.runtime.server.admission import registration_meta
from mmarc.runtime.transport import ClientEndpoint, ServerEndpoint
from mmarc.runtime.transport.sockets import MAX_BLOCK_S

from mmarc import api


class Stopped(Exception):
    """What this module's signal handler raises (the workers raise KeyboardInterrupt)."""


def _stop(signum: int, frame: Any) -> None:
    raise Stopped


def test_a_signal_another_thread_takes_still_ends_the_wait() -> None:
    assert threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGUSR1, _stop)
    endpoint = ServerEndpoint(run_id="stop")
    rescue = zmq.Context()
    nudge = rescue.socket(zmq.DEALER)
    nudge.setsockopt(zmq.LINGER, 0)
    sent, done = threading.Event(), threading.Event()

    def signal_this_thread() -> None:
        time.sleep(0.2)
        sent.set()
        signal.pthread_kill(threading.get_ident(), signal.SIGUSR1)  # the handler's C part runs here

    def wake_a_hung_wait() -> None:  # without the fix: the wait ends here, 6 s late
        if not done.wait(6):
            nudge.connect(endpoint.endpoint)
            nudge.send(b"wake up")

    threads = [
        threading.Thread(target=f, daemon=True) for f in (signal_this_thread, wake_a_hung_wait)
    ]
    try:
        for thread in threads:
            thread.start()
        started = time.monotonic()
        with pytest.raises(Stopped):
            endpoint.recv(None)  # nothing will come: only the signal can end this
        waited = time.monotonic() - started
        assert sent.is_set() and waited < 0.2 + MAX_BLOCK_S + 1.0, f"stopped after {waited:.1f} s"
    finally:
        done.set()
        signal.signal(signal.SIGUSR1, previous)
        endpoint.close()
        for thread in threads:
            thread.join(10)
        nudge.close()
        rescue.term()


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_an_he_server_stops_while_it_waits_for_its_first_model(tmp_path: Path) -> None:
    root = tiny_fl_he_mmar(tmp_path, min_num_clients=1)
    plan = api.compile_plan(root).plan
    assert plan is not None
    plan_path = tmp_path / "plan.json"
    plan_path.write_bytes(plan.to_json())
    server_file, client_file = run_contexts(tmp_path / "he")
    run_dir = tmp_path / "run"
    args = ["--plan", plan_path, "--mmar", root, "--run-dir", run_dir, "--he-context", server_file]
    server = subprocess.Popen(
        [sys.executable, "-m", "mmarc.runtime.sim.worker", "server", *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )
    site = None
    try:
        assert server.stdout is not None
        for line in server.stdout:
            event = json.loads(line[1:]) if line.startswith("@") else {}
            if event.get("event") == "listening":
                break
        # the one client it needs joins: the server now waits for the child building its
        # first model (importing MONAI takes seconds), the slow phase of its start
        site = ClientEndpoint(
            event["endpoint"], "site-1", run_id=plan.mmar_name, plan_hash=plan.sha256
        )
        fingerprint = context_fingerprint(load_context(client_file, secret=True))
        site.register(registration_meta(plan, he=fingerprint), timeout=30)
        (builder,) = _children(server.pid)
        assert _alive(builder)
        started = time.monotonic()
        server.send_signal(signal.SIGTERM)
        _, err = server.communicate(timeout=10)
        stopped = time.monotonic() - started
    finally:
        if server.poll() is None:
            server.kill()
            server.communicate()
        if site is not None:
            site.close()
    assert server.returncode == 130 and "stopped" in err, err
    assert stopped < 10
    assert not _alive(builder), "the initial-model child outlived its server"
    assert not [p.name for p in run_dir.iterdir() if p.name.startswith(".initial-")]
