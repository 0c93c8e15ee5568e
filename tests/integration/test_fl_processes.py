"""The federated runtime in real processes on 127.0.0.1: simulator, server and client CLIs.

A tiny copy of examples/digits_fl (a few dozen real digits, batch 4) keeps each run to
seconds of training; what the tests exercise is the machinery: FedAvg of what the
clients really uploaded, clients killed or frozen mid-run, a server killed with SIGKILL
and restarted, a client of another plan refused, Ctrl-C.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from helpers import FL_WEIGHTS, RUN_MARKER, free_port, processes_marked, tiny_fl_mmar

from mmarc import api

MMARC = [sys.executable, "-m", "mmarc.cli"]


def events(run_dir: Path) -> list[dict[str, Any]]:
    path = run_dir / "events.jsonl"
    if not path.exists():
        return []
    out = []
    for line in path.read_text().splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            continue
    return out


def metric_rows(run_dir: Path) -> list[dict[str, Any]]:
    path = run_dir / "metrics.jsonl"
    if not path.exists():
        return []
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [r for r in rows if "phase" not in r]


def wait_for(check: Callable[[], Any], timeout: float = 120.0, what: str = "") -> Any:
    """Test-side wait (the runtime itself never polls): check every 50 ms."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def simulate_in_thread(
    root: Path, n: int, run_dir: Path, **kw: Any
) -> tuple[threading.Thread, dict]:
    out: dict[str, Any] = {}

    def target() -> None:
        try:
            out["result"] = api.simulate(root, n, output=run_dir, **kw)
        except BaseException as exc:
            out["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread, out


def load(path: Path) -> dict[str, np.ndarray]:
    with np.load(path) as data:
        return {k: data[k].astype(np.float64) for k in data.files}


# -- a clean run: FedAvg equals the weighted average of the uploads -------------------------


@pytest.mark.slow
def test_three_clients_three_rounds_average_what_they_uploaded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tiny_fl_mmar(tmp_path, min_num_clients=3)
    run_dir = tmp_path / "run"
    monkeypatch.setenv("MMARC_FL_DUMP", "1")
    result = api.simulate(root, 3, rounds=3, output=run_dir)
    assert result.clients == {"site-1": 0, "site-2": 0, "site-3": 0}
    sites = sorted(FL_WEIGHTS)
    dumps = {s: run_dir / "clients" / s / "dump" for s in sites}
    final = torch.load(run_dir / "FL_global_model.pt", weights_only=True)
    assert final["fl"]["round"] == 2
    for r in range(3):
        received = {s: load(dumps[s] / f"round-{r:04d}-received.npz") for s in sites}
        sent = {s: load(dumps[s] / f"round-{r:04d}-sent.npz") for s in sites}
        steps = {
            s: json.loads((dumps[s] / f"round-{r:04d}.json").read_text())["steps"] for s in sites
        }
        assert all(v > 0 for v in steps.values())
        base = received["site-1"]
        for s in sites:  # everyone started the round from the same global model
            for k in base:
                np.testing.assert_array_equal(received[s][k], base[k])
        weight = {s: FL_WEIGHTS[s] * steps[s] for s in sites}
        total = sum(weight.values())
        expected = {k: base[k] + sum(weight[s] * sent[s][k] for s in sites) / total for k in base}
        if r < 2:
            got = load(dumps["site-1"] / f"round-{r + 1:04d}-received.npz")
        else:
            got = {k: v.numpy().astype(np.float64) for k, v in final["model"].items()}
        for k in expected:
            np.testing.assert_allclose(got[k], expected[k], rtol=0, atol=2e-6, err_msg=k)
    rows = metric_rows(run_dir)
    assert [row["round"] for row in rows] == [0, 1, 2]
    assert all(sorted(row["clients"]) == sites for row in rows)
    cross = json.loads((run_dir / "cross_val_results.json").read_text())
    assert set(cross) == set(sites)
    for data_client in sites:
        assert set(cross[data_client]) == {*sites, "FL_global_model"}
        assert all("val_acc" in metrics for metrics in cross[data_client].values())
    names = [e["event"] for e in events(run_dir)]
    assert names.count("round_start") == 3 and names.count("round_end") == 3
    assert names.count("client_compute") == 9
    compute = next(e for e in events(run_dir) if e["event"] == "client_compute")
    assert {"t", "round", "client", "seconds", "bytes", "pid"} <= set(compute)
    training = [
        item["image"]
        for s in sites
        for item in json.loads((run_dir / "clients" / s / "dataset.json").read_text())["training"]
    ]
    assert sorted(training) == sorted(f"images/d{i:03d}.npy" for i in range(48))
    assert (run_dir / "best_FL_global_model.pt").exists()
    assert (run_dir / "logs" / "server.log").exists()
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["last_round"] == 2 and "val_acc" in summary["final_metrics"]


# -- faults: a client killed, a client frozen past the heartbeat timeout --------------------


def _closed_without(run_dir: Path, site: str) -> bool:
    """A round from round 2 on closed without ``site`` (a line being written: not yet)."""
    try:
        return any(site not in row["clients"] for row in metric_rows(run_dir)[2:])
    except ValueError:
        return False


@pytest.mark.slow
def test_killed_and_silent_clients_do_not_stop_the_run(tmp_path: Path) -> None:
    root = tiny_fl_mmar(tmp_path, heart_beat_timeout=2.0)
    run_dir = tmp_path / "run"
    thread, out = simulate_in_thread(root, 4, run_dir, rounds=6)

    def event_of(kind: str, client: str, ordinal: int) -> dict[str, Any] | None:
        for e in events(run_dir):
            if e["event"] == kind and e.get("client") == client and e.get("round") == ordinal:
                return e
        return None

    killed = wait_for(lambda: event_of("client_recv", "site-4", 2), what="site-4 in round 2")
    os.kill(killed["pid"], signal.SIGKILL)  # mid-round: it has the task, not the result
    frozen = wait_for(lambda: event_of("client_compute", "site-3", 2), what="site-3 round 2")
    os.kill(frozen["pid"], signal.SIGSTOP)  # silent from now on: no heartbeats
    log = run_dir / "logs" / "server.log"
    try:
        wait_for(lambda: "dropped site-3" in log.read_text(), what="site-3 dropped")
        # silent until a round has closed without it: resumed at once, on a busy machine it
        # could answer the open round before the others and be counted in it again
        wait_for(lambda: _closed_without(run_dir, "site-3"), what="a round without site-3")
    finally:
        os.kill(frozen["pid"], signal.SIGCONT)
    thread.join(240)
    assert "error" not in out, out.get("error")
    result = out["result"]
    assert result.clients["site-4"] == -signal.SIGKILL
    assert result.clients["site-3"] == 0 and result.clients["site-1"] == 0
    text = log.read_text()
    assert "dropped site-4" in text and "site-3 rejoined" in text
    rows = metric_rows(run_dir)
    assert [row["round"] for row in rows] == [0, 1, 2, 3, 4, 5]
    # while frozen, at least one round closed without it (which one depends on the load)
    assert any("site-3" not in row["clients"] for row in rows[2:])
    assert all("site-4" not in row["clients"] for row in rows[2:])
    assert all({"site-1", "site-2"} <= set(row["clients"]) for row in rows[2:])


# -- a server killed with SIGKILL and restarted ---------------------------------------------


def start(args: list[str], log: Path) -> subprocess.Popen[str]:
    handle = open(log, "w")  # noqa: SIM115 (the process owns it; closed when it ends)
    # one torch thread each: three processes on two cores otherwise spin against each other
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.Popen(
        [*MMARC, *args],
        stdout=handle,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=log.parent,
        env=env,
    )


@pytest.mark.slow
def test_server_killed_and_restarted_resumes_without_losing_a_round(tmp_path: Path) -> None:
    root = tiny_fl_mmar(tmp_path, num_rounds=6)
    run_dir = tmp_path / "server-run"
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    server_args = ["server", str(root), "--port", str(port), "--output", str(run_dir)]
    server = start(server_args, tmp_path / "server1.log")
    clients = [
        start(
            ["client", str(root), "--name", name, "--server", address, "-o", str(tmp_path / name)],
            tmp_path / f"{name}.log",
        )
        for name in ("site-1", "site-2")
    ]
    try:
        wait_for(lambda: len(metric_rows(run_dir)) >= 2, what="two completed rounds")
        server.send_signal(signal.SIGKILL)
        server.wait(30)
        done_before = len(metric_rows(run_dir))
        restarted = start(server_args, tmp_path / "server2.log")
        pid = restarted.pid
        assert restarted.wait(240) == 0, (tmp_path / "server2.log").read_text()
        assert [c.wait(60) for c in clients] == [0, 0]
    finally:
        for proc in [server, *clients]:
            if proc.poll() is None:
                proc.kill()
    rows = metric_rows(run_dir)
    assert [row["round"] for row in rows] == list(range(6))  # each round once, none lost
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["resumed_after"] >= done_before - 1
    second = (tmp_path / "server2.log").read_text()
    assert f"server resumed after round {summary['resumed_after']}" in second
    restarted_starts = [
        e["round"] for e in events(run_dir) if e["event"] == "round_start" and e["pid"] == pid
    ]
    assert min(restarted_starts) == summary["resumed_after"] + 2  # 1-based: the next round
    saved = torch.load(run_dir / "FL_global_model.pt", weights_only=True)
    assert saved["fl"]["round"] == 5


# -- a client of another plan; Ctrl-C ---------------------------------------------------------


def test_client_of_another_plan_is_refused_on_both_sides(tmp_path: Path) -> None:
    root = tiny_fl_mmar(tmp_path)
    port = free_port()
    server = start(["server", str(root), "--port", str(port)], tmp_path / "server.log")
    try:
        wait_for(lambda: "listening on" in (tmp_path / "server.log").read_text(), what="server")
        refused = subprocess.run(
            [
                *MMARC,
                "client",
                str(root),
                "--name",
                "site-1",
                "--server",
                f"tcp://127.0.0.1:{port}",
                "--set",
                "learning_rate=0.01",
                "-o",
                str(tmp_path / "c"),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=tmp_path,
        )
        assert refused.returncode == 1, refused.stderr
        line = refused.stderr.strip().splitlines()[-1]
        assert line.startswith("mmarc: error: the server refused site-1:")
        assert "settings.learning_rate (0.01 on the client, 0.001 on the server)" in line
        assert "Traceback" not in refused.stderr
        wait_for(lambda: "site-1 refused" in (tmp_path / "server.log").read_text(), what="log")
    finally:
        server.send_signal(signal.SIGTERM)
        code = server.wait(30)
    assert code == 130
    assert "Traceback" not in (tmp_path / "server.log").read_text()


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@pytest.mark.slow
@pytest.mark.parametrize("launcher_sigint", ["default", "ignored"])
def test_ctrl_c_stops_every_process_of_a_simulation(tmp_path: Path, launcher_sigint: str) -> None:
    """``ignored``: the launcher inherits SIGINT ignored (a non-interactive shell's
    background job), its workers still stop on it: the run still ends as interrupted."""
    root = tiny_fl_mmar(tmp_path)
    run_dir = tmp_path / "run"
    proc = subprocess.Popen(
        [*MMARC, "run", str(root), "--sim", "2", "--rounds", "200", "-o", str(run_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, RUN_MARKER: str(run_dir)},
        start_new_session=True,
        preexec_fn=_ignore_sigint if launcher_sigint == "ignored" else None,
    )
    try:
        wait_for(lambda: len(metric_rows(run_dir)) >= 1, what="a completed round")
        os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C does
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert re.search(r"interrupted; every process was stopped", err)
    assert not processes_marked(str(run_dir)), "a worker outlived Ctrl-C"
    for log in (run_dir / "logs").glob("*.log"):  # each worker said "stopped" in one line
        assert "Traceback" not in log.read_text(), log.name


@pytest.mark.slow
def test_a_killed_launcher_leaves_no_socket_folder_behind(tmp_path: Path) -> None:
    """SIGKILL to ``mmarc run --sim`` (nothing of it can clean up): the parent-death signal
    stops the zygote's reaper and the processes it waits for, and the reaper then removes
    the run's socket folder (in /dev/shm: models left there would hold memory)."""
    root = tiny_fl_mmar(tmp_path)
    run_dir = tmp_path / "run"
    marker = str(run_dir)
    proc = subprocess.Popen(
        [*MMARC, "run", str(root), "--sim", "2", "--rounds", "200", "-o", str(run_dir)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, RUN_MARKER: marker},
        start_new_session=True,
    )
    try:
        wait_for(lambda: len(metric_rows(run_dir)) >= 1, what="a completed round")
        reaper = wait_for(
            lambda: [c for _, c in processes_marked(marker).values() if "sim/reaper.py" in c],
            what="the zygote's reaper",
        )
        folder = Path(reaper[0].split()[-1])  # its last argument
        assert folder.name.startswith("mmarc-sim-") and folder.is_dir(), reaper
        proc.kill()
        proc.wait()
        wait_for(lambda: not processes_marked(marker), timeout=60, what="the run's processes")
        assert not folder.exists(), f"{folder} outlived the killed launcher"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for pid in processes_marked(marker):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
