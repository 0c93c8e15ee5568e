"""What the web UI tests share: the test users, logging in, the provisioning form, a
results.csv, and ``mmarc`` processes (started, waited for by their log, stopped)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from fastapi.testclient import TestClient
from helpers import csrf_of, free_port
from mmarc.runtime.security.pins import STATE_DIR_ENV

__all__ = [
    "MMARC",
    "PASSWORD",
    "SUPER",
    "log_in",
    "process_env",
    "provision_form",
    "results_csv",
    "start_mmarc",
    "stop_all",
    "wait_for_text",
]

SUPER = "admin@example.org"
PASSWORD = "correct horse battery"
MMARC = [sys.executable, "-m", "mmarc.cli"]


def process_env(tmp: Path) -> dict[str, str]:
    """The environment of a test's ``mmarc`` processes: key pins kept under ``tmp``."""
    return {
        **os.environ,
        STATE_DIR_ENV: str(tmp / "state"),
        "OMP_NUM_THREADS": "1",
        "NO_COLOR": "1",
    }


def start_mmarc(args: list[str], log: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """``mmarc ARGS`` as a real process in ``log``'s folder, its output into ``log``."""
    handle = open(log, "wb")  # noqa: SIM115 (the process owns it)
    return subprocess.Popen(
        [*MMARC, *args], stdout=handle, stderr=subprocess.STDOUT, env=env, cwd=log.parent
    )


def wait_for_text(text: str, log: Path, timeout: float = 60.0) -> None:
    """Wait until ``text`` is in ``log``; AssertionError with the log otherwise."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if log.exists() and text in log.read_text(errors="replace"):
            return
        time.sleep(0.2)
    raise AssertionError(f"{text!r} not in {log}:\n{log.read_text(errors='replace')}")


def stop_all(procs: list[subprocess.Popen[bytes]]) -> None:
    """Terminate every process still running, and kill one that does not exit."""
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    for proc in procs:
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()


def log_in(client: TestClient, email: str = SUPER, password: str = PASSWORD) -> str:
    """Log ``client`` in through the form; the CSRF token of its new session."""
    page = client.get("/login")
    done = client.post(
        "/login",
        data={"csrf": csrf_of(page.text), "email": email, "password": password},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    return csrf_of(client.get("/provision").text)


def results_csv(*rows: dict[str, object]) -> str:
    """A ``mmarc study`` results.csv (its own column contract) with ``rows`` over defaults."""
    from mmarc.study.results import COLUMNS

    default: dict[str, object] = {
        "setting": "fedavg",
        "clients": 2,
        "epochs_per_round": 1,
        "data_share": 0.5,
        "share_mode": "data",
        "seed": 0,
        "round": 0,
        "epoch": 0,
        "metric": "val_acc",
        "accuracy": 0.5,
        "loss": 0.5,
        "wall_s": 1.0,
        "bytes": 100,
        "plan_sha256": "abc123",
    }
    lines = [",".join(COLUMNS)]
    for row in rows:
        values = {**default, **row}
        lines.append(",".join('"' + str(values[c]).replace('"', '""') + '"' for c in COLUMNS))
    return "\n".join(lines) + "\n"


def provision_form(csrf: str, **changes: str) -> dict[str, str]:
    form = {
        "csrf": csrf,
        "name": "secure_project",
        "host": "127.0.0.1",
        "fed_learn_port": str(free_port()),
        "admin_port": str(free_port()),
        "min_clients": "2",
        "max_clients": "10",
        "sites": "client1 org1\nclient2 org2",
        "admins": f"{SUPER} org1 super",
        "policy": "",
    }
    form.update(changes)
    return form
