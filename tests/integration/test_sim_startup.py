"""How a simulation starts (runtime/sim/worker.py): one process imports torch and MONAI
and forks the server, the first global model's builder and the clients, so the run holds
one copy of those modules and no interpreter imports them twice.

Real processes: ``api.simulate`` on a tiny digits MMAR, the processes of the run read from
``/proc`` while it runs; a network that cannot be built ends the run with one line; the
worker started before the compile (:mod:`mmarc.runtime.sim.standby`) goes away with a
refused MMAR.
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
from helpers import RUN_MARKER, processes_marked, tiny_fl_mmar
from mmarc.runtime.server.events import ENV_VARS
from mmarc.runtime.sim import SimError
from mmarc.runtime.sim.standby import Standby

from mmarc import api


def event_pids(run_dir: Path, kind: str) -> set[int]:
    pids = set()
    for line in (run_dir / "events.jsonl").read_text().splitlines():
        event = json.loads(line)
        if event.get("event") == kind and "pid" in event:
            pids.add(int(event["pid"]))
    return pids


def simulate_watched(
    root: Path, run_dir: Path, marker: str
) -> tuple[dict[str, Any], dict[int, tuple[int, str]]]:
    """``api.simulate(root, 2, rounds=1)`` in a thread while this one notes the run's
    processes (by ``marker``) until it ends: ``({"result" or "error": ...}, pid ->
    (ppid, commands))``, ``commands`` every command line the process was seen with, in
    order, joined by newlines (the zygote execs the reaper). The test watches; the runtime
    itself never polls."""
    seen: dict[int, tuple[int, str]] = {}
    out: dict[str, Any] = {}

    def target() -> None:
        try:
            out["result"] = api.simulate(root, 2, rounds=1, output=run_dir)
        except BaseException as exc:
            out["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    while thread.is_alive():
        for pid, (ppid, cmd) in processes_marked(marker).items():
            before = seen.get(pid, (ppid, ""))[1]
            if not before.endswith(cmd):
                seen[pid] = (ppid, f"{before}\n{cmd}" if before else cmd)
        time.sleep(0.01)
    return out, seen


@pytest.mark.slow
def test_the_server_and_the_clients_are_forks_of_one_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for var in ENV_VARS:  # the run's own events.jsonl
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv(RUN_MARKER, str(tmp_path))
    root = tiny_fl_mmar(tmp_path, n_train=8, n_val=4)
    run_dir = tmp_path / "run"
    out, seen = simulate_watched(root, run_dir, str(tmp_path))
    assert "error" not in out, out.get("error")
    assert out["result"].summary["last_round"] == 0

    # the launcher runs in this process: its one child of the run is the clients' worker
    zygotes = [pid for pid, (ppid, _) in seen.items() if ppid == os.getpid()]
    assert len(zygotes) == 1, seen
    first, *later = seen[zygotes[0]][1].splitlines()
    assert "sim.worker standby" in first  # started before the compile
    # once every site is forked it execs the reaper, dropping torch and MONAI
    assert later and "runtime/sim/reaper.py" in later[-1], seen[zygotes[0]]
    (server,) = event_pids(run_dir, "round_start")
    sites = event_pids(run_dir, "client_recv")
    assert len(sites) == 2
    for pid in (server, *sites):  # forked after the imports, not interpreters of their own
        assert seen[pid][0] == zygotes[0], (pid, seen)
    builders = [cmd for _, cmd in seen.values() if "mmarc.runtime.server.initial" in cmd]
    assert not builders, "an interpreter was started to build the first global model"
    assert not (run_dir / ".initial-model.pt").exists()  # read and removed by the server
    log = (run_dir / "logs" / "clients.log").read_text()  # with what it wrote before its plan
    assert "standby INFO" in log and "torch, MONAI and ignite imported" in log


@pytest.mark.slow
def test_a_network_that_cannot_be_built_ends_the_run_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(RUN_MARKER, str(tmp_path))
    root = tiny_fl_mmar(tmp_path, n_train=8, n_val=4)
    net = root / "custom" / "digits_net.py"
    net.write_text(
        net.read_text().replace(
            "super().__init__()", "super().__init__()\n        raise ValueError('no such layer')", 1
        )
    )
    started = time.monotonic()
    with pytest.raises(SimError, match=r"first global model failed: .*no such layer") as info:
        api.simulate(root, 2, rounds=1, output=tmp_path / "run")
    assert "\n" not in str(info.value)
    assert time.monotonic() - started < 60  # no wait for clients that never come
    assert not processes_marked(str(tmp_path)), "a process of the run outlived it"


def test_a_refused_mmar_stops_the_early_worker_and_leaves_nothing(tmp_path: Path) -> None:
    """``mmarc run --sim`` starts the clients' worker before it compiles (its imports take
    seconds): an MMAR with errors still gets the located diagnostics and exit 1, the worker
    is stopped at once, and no run folder is made."""
    root = tiny_fl_mmar(tmp_path, n_train=8, n_val=4)
    train = root / "config" / "config_train.json"
    config = json.loads(train.read_text())
    config["train"]["loss"]["name"] = "NoSuchLoss"
    train.write_text(json.dumps(config, indent=1))
    run_dir = tmp_path / "run"
    cli = [sys.executable, "-m", "mmarc.cli", "run", str(root), "--sim", "2", "-o", str(run_dir)]
    env = {**os.environ, RUN_MARKER: str(tmp_path), "NO_COLOR": "1"}
    proc = subprocess.Popen(cli, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen: dict[int, tuple[int, str]] = {}
    while proc.poll() is None:  # the test watches; the runtime itself never polls
        seen.update(processes_marked(str(tmp_path)))
        time.sleep(0.01)
    out, err = proc.communicate()
    assert proc.returncode == 1, err
    assert 'error[C001]: unknown component "NoSuchLoss"' in out + err
    assert "config_train.json" in out + err and "Traceback" not in out + err
    workers = [cmd for ppid, cmd in seen.values() if ppid == proc.pid and "sim.worker" in cmd]
    assert workers and all("sim.worker standby" in cmd for cmd in workers), seen
    assert not processes_marked(str(tmp_path)), "the worker outlived the refused compile"
    assert not run_dir.exists()


def test_a_run_refused_after_the_compile_stops_the_early_worker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The launcher's own refusals (here: the datalist to split is missing) come after
    the worker was started and before it was handed the run: it is stopped too."""
    monkeypatch.setenv(RUN_MARKER, str(tmp_path))
    root = tiny_fl_mmar(tmp_path, n_train=8, n_val=4)
    (root / "data" / "dataset.json").unlink()
    started: list[Standby] = []  # the real workers, noted as they start
    real_start = Standby.start.__func__  # type: ignore[attr-defined]

    def noting_start(cls: type[Standby], *args: Any, **kwargs: Any) -> Standby:
        standby = real_start(cls, *args, **kwargs)
        started.append(standby)
        return standby

    monkeypatch.setattr(Standby, "start", classmethod(noting_start))
    with pytest.raises(SimError, match=r"dataset\.json does not exist"):
        api.simulate(root, 2, rounds=1, output=tmp_path / "run")
    (standby,) = started
    assert standby.proc.returncode == -signal.SIGKILL  # stopped while it was importing
    assert not standby.handed_over
    assert not processes_marked(str(tmp_path)), "the worker outlived the refused run"
