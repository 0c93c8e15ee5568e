"""Kits end to end, real processes on 127.0.0.1: provision, start from kits, drive by admin.

``mmarc provision`` writes a server, two client and an admin kit; ``mmarc server KIT``
and ``mmarc client KIT`` start from them; ``mmarc admin KIT --cmd`` uploads a tiny
digits_fl, deploys it, starts server and clients, checks status and metrics, and shuts
everything down. Also: an edited kit refuses to start, an unprovisioned key is refused.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import free_port, tiny_fl_mmar

pytest.importorskip("sklearn")

MMARC = [sys.executable, "-m", "mmarc.cli"]
CORPUS = Path(__file__).parent / "fixtures" / "corpus" / "provision"
ADMIN = "admin@admin.com"


def project_yml(path: Path, fl_port: int, admin_port: int) -> Path:
    """A small Clara 4.0 project (like clara40_project1.yml) with 2 clients."""
    path.write_text(
        f"""name: Project1
config_folder: config
server:
  org: nvidia
  cn: 127.0.0.1
  fed_learn_port: {fl_port}
  admin_port: {admin_port}
  admin_storage: transfer
  min_num_clients: 2
  max_num_clients: 100
  auth: true
fl_clients:
  - org: org1
    client_name: client1
  - org: org1
    client_name: client2
admin_clients:
  - org: nvidia
    email: {ADMIN}
""",
        encoding="utf-8",
    )
    return path


def provision(tmp: Path, ports: tuple[int, int] | None = None) -> Path:
    tmp.mkdir(parents=True, exist_ok=True)
    ws = tmp / "ws"
    fl_port, admin_port = ports or (free_port(), free_port())
    project = project_yml(tmp / "project.yml", fl_port, admin_port)
    authz = json.loads((CORPUS / "clara40_authz_config.json").read_text())
    authz["users"] = {ADMIN: {"org": "nvidia", "roles": ["super"]}}
    (tmp / "authz.json").write_text(json.dumps(authz))
    done = subprocess.run(
        [*MMARC, "provision", str(project), "-a", str(tmp / "authz.json"), "-o", str(ws)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return ws


def start(args: list[str], log: Path) -> subprocess.Popen[str]:
    handle = open(log, "w")  # noqa: SIM115 (the process owns it)
    return subprocess.Popen(
        [*MMARC, *args], stdout=handle, stderr=subprocess.STDOUT, text=True, cwd=log.parent
    )


def admin(
    ws: Path, *cmds: str, cwd: Path, as_json: bool = False
) -> subprocess.CompletedProcess[str]:
    args = [*MMARC, "admin", str(ws / ADMIN), *(["--json"] if as_json else [])]
    for cmd in cmds:
        args += ["--cmd", cmd]
    return subprocess.run(args, capture_output=True, text=True, timeout=60, cwd=cwd)


def wait_for(text: str, log: Path, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if log.exists() and text in log.read_text():
            return
        time.sleep(0.2)
    raise AssertionError(f"{text!r} not in {log}:\n{log.read_text() if log.exists() else ''}")


def stop(*procs: subprocess.Popen[str]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    for proc in procs:
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.mark.slow
def test_provisioned_federation_driven_by_admin(tmp_path: Path) -> None:
    ws = provision(tmp_path)
    mmar = tiny_fl_mmar(tmp_path, n_train=16, n_val=8, num_rounds=1)
    config = mmar / "config" / "config_fed_server.json"
    server_cfg = json.loads(config.read_text())
    server_cfg["aggregator"]["args"]["aggregation_weights"] = {"client1": 1.0, "client2": 1.0}
    config.write_text(json.dumps(server_cfg))
    server = start(["server", str(ws / "127.0.0.1")], tmp_path / "server.log")
    clients: list[subprocess.Popen[str]] = []
    try:
        wait_for("listening on", tmp_path / "server.log")
        for name in ("client1", "client2"):
            clients.append(start(["client", str(ws / name)], tmp_path / f"{name}.log"))
        for name in ("client1", "client2"):
            wait_for("connected to", tmp_path / f"{name}.log")
        done = admin(
            ws,
            f"upload_folder {mmar}",
            "set_run_number 1",
            "deploy digits_fl server",
            "deploy digits_fl client",
            "start server",
            cwd=tmp_path,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        # both clients were connected: deployed to each, site by site
        assert "| client1 | ok" in done.stdout and "| client2 | ok" in done.stdout, done.stdout
        time.sleep(2)
        done = admin(ws, "start client", "check_status server", cwd=tmp_path)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "| state         | training" in done.stdout, done.stdout
        deadline = time.monotonic() + 240  # returns as soon as it finished; slow when shared
        status = ""
        while time.monotonic() < deadline:
            status = admin(ws, "check_status server", cwd=tmp_path).stdout
            if "finished" in status:
                break
            time.sleep(1)
        assert "finished" in status, status + (tmp_path / "server.log").read_text()
        metrics = admin(ws, "metrics", cwd=tmp_path)
        assert metrics.returncode == 0 and "| round | global model" in metrics.stdout, (
            metrics.stdout
        )
        scripted = admin(ws, "metrics", cwd=tmp_path, as_json=True)
        rows = json.loads(scripted.stdout)["metrics"]
        assert rows[0]["round"] == 0 and rows[-1]["phase"] == "final", scripted.stdout
        done = admin(ws, "check_status client", "abort server", "shutdown server", cwd=tmp_path)
        assert done.returncode == 0, done.stdout + done.stderr
        for proc in (server, *clients):
            assert proc.wait(30) == 0
    finally:
        stop(server, *clients)


def test_edited_kit_refuses_to_start(tmp_path: Path) -> None:
    ws = provision(tmp_path)
    config = ws / "client1" / "startup" / "fed_client.json"
    data = json.loads(config.read_text())
    data["server"]["host"] = "10.0.0.1"
    config.write_text(json.dumps(data))
    done = subprocess.run(
        [*MMARC, "client", str(ws / "client1")], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1
    assert "fed_client.json" in done.stderr


@pytest.mark.slow
def test_unprovisioned_client_key_is_refused(tmp_path: Path) -> None:
    ws = provision(tmp_path)
    server_kit = ws / "127.0.0.1"
    server_cfg = json.loads((server_kit / "startup" / "fed_server.json").read_text())["server"]
    # another project on the same ports: a genuine kit whose key this server never saw
    other = provision(tmp_path / "other", (server_cfg["fed_learn_port"], server_cfg["admin_port"]))
    server = start(["server", str(server_kit)], tmp_path / "server.log")
    try:
        wait_for("listening on", tmp_path / "server.log")
        started = time.monotonic()
        done = subprocess.run(
            [*MMARC, "client", str(other / "client1")], capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 1, done.stderr
        assert "refused" in done.stderr and "not provisioned" in done.stderr
        assert time.monotonic() - started < 40
        assert server.poll() is None  # the server is unaffected
    finally:
        stop(server)
