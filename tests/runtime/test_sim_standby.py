"""The hand-over to the simulator's early worker (runtime/sim/standby.py).

The launcher starts the clients' worker before the plan exists and later writes it one
line: its ``clients`` arguments and its log. The line comes through a pipe from the
launcher, but the worker still reads it as input: anything else than that shape is
refused in one line. A real worker never handed a plan is stopped by ``close``; one
handed garbage ends with one line and no traceback.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from mmarc.runtime.sim.standby import (
    HandoverError,
    Standby,
    handover_line,
    read_handover,
    start_early,
    take_early,
    worker_env,
)

from mmarc.cli import sim_clients


def test_the_handover_line_reads_back_as_the_clients_arguments_and_the_log(
    tmp_path: Path,
) -> None:
    line = handover_line(["--plan", "p.json", "--spec", "s.json"], tmp_path / "clients.log")
    assert line.endswith("\n") and line.count("\n") == 1
    assert read_handover(line) == (
        ["clients", "--plan", "p.json", "--spec", "s.json"],
        tmp_path / "clients.log",
    )


@pytest.mark.parametrize("line", ["", "\n", "   \n"])
def test_an_empty_line_withdraws_the_worker(line: str) -> None:
    assert read_handover(line) is None


@pytest.mark.parametrize(
    ("doc", "why"),
    [
        ([], "not an object"),
        ({"argv": ["clients"]}, "not an object with 'argv' and 'log'"),
        ({"argv": ["clients"], "log": "x", "more": 1}, "not an object"),
        ({"argv": "clients", "log": "x"}, "'argv' is not a list of strings"),
        ({"argv": ["clients", 3], "log": "x"}, "'argv' is not a list of strings"),
        ({"argv": [], "log": "x"}, "role is not 'clients'"),
        ({"argv": ["server", "--bind", "tcp://*:1"], "log": "x"}, "role is not 'clients'"),
        ({"argv": ["clients"], "log": ""}, "'log' is not a file name"),
        ({"argv": ["clients"], "log": 7}, "'log' is not a file name"),
    ],
)
def test_a_malformed_handover_is_refused_naming_what_is_wrong(doc: object, why: str) -> None:
    with pytest.raises(HandoverError, match=why):
        read_handover(json.dumps(doc))


def test_a_handover_that_is_not_json_is_refused() -> None:
    with pytest.raises(HandoverError, match="not JSON"):
        read_handover("{not json\n")


def test_the_worker_shares_the_cores_among_the_clients_unless_told(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    cores = os.cpu_count() or 1
    assert worker_env(2)["OMP_NUM_THREADS"] == str(max(1, cores // 2))
    assert worker_env(10_000)["OMP_NUM_THREADS"] == "1"
    assert worker_env(2, {"OMP_NUM_THREADS": "3"})["OMP_NUM_THREADS"] == "3"
    assert worker_env(2, {"MMARC_FL_DUMP": "1"})["MMARC_FL_DUMP"] == "1"


def test_a_standby_never_handed_a_plan_is_stopped_by_close() -> None:
    """What the launcher does when the compile fails: the worker holds nothing yet (no
    child, no file), so it is killed at once and reaped."""
    standby = Standby.start(2)
    pid = standby.proc.pid
    assert standby.proc.poll() is None  # importing
    standby.close()
    assert standby.proc.returncode == -signal.SIGKILL
    assert not Path(f"/proc/{pid}").exists()
    assert standby.progress.closed


@pytest.mark.slow
def test_a_worker_handed_garbage_says_so_in_one_line(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "mmarc.runtime.sim.worker", "standby"],
        input='{"argv": ["server"], "log": "x"}\n',
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert lines[-1] == "mmarc standby: error: the hand-over's role is not 'clients'"
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    ("argv", "clients"),
    [
        (["run", "mmar", "--sim", "4"], 4),
        (["run", "--sim=2", "mmar", "--rounds", "3"], 2),
        (["run", "mmar", "--local"], None),
        (["run", "mmar", "--sim", "0"], None),
        (["run", "mmar", "--sim", "x"], None),
        (["run", "mmar", "--sim"], None),
        (["run", "mmar", "--sim", "2", "--help"], None),
        (["validate", "mmar", "--sim", "2"], None),
        ([], None),
    ],
)
def test_the_console_script_starts_the_worker_early_only_for_run_sim(
    argv: list[str], clients: int | None
) -> None:
    assert sim_clients(argv) == clients


def test_an_early_worker_is_taken_once_and_only_for_its_clients() -> None:
    start_early(2)
    early = take_early(2)
    assert early is not None and early.proc.poll() is None
    assert take_early(2) is None  # taken already
    early.close()
    start_early(3)
    other = take_early(3)
    assert other is not None
    other.close()
    start_early(2)
    assert take_early(4) is None  # started for another federation: stopped, not handed on
    assert take_early(2) is None


def test_an_early_worker_nobody_takes_is_stopped_when_the_process_exits() -> None:
    """A usage error after the early start (the command line refused): the launcher
    exits and leaves no worker behind."""
    code = (
        "import sys\n"
        "from mmarc.runtime.sim.standby import start_early\n"
        "import mmarc.runtime.sim.standby as s\n"
        "start_early(2)\n"
        "print(s._early[1].proc.pid, flush=True)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    pid = int(proc.stdout.strip())
    assert not Path(f"/proc/{pid}").exists(), "the early worker outlived its launcher"
