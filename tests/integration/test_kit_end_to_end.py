"""Kits end to end, real processes on 127.0.0.1: provision, start from kits, drive by admin.

``mmarc provision`` writes a server, two client and an admin kit; ``mmarc server KIT``
and ``mmarc client KIT`` start from them; ``mmarc admin KIT --cmd`` uploads a tiny
digits_fl, deploys it, starts server and clients, checks status and metrics, and shuts
everything down. Also: an edited kit refuses to start, an unprovisioned key is refused,
a kit re-signed with another key is refused once the project's key is pinned, a
compromised server cannot make a client remove folders outside its run folder, and a
client removed with ``remove_client`` registers again (issue 10, findings 7, 10, 12).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import zmq
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from helpers import free_port, tiny_fl_mmar
from mmarc.runtime.provision import verify_kit
from mmarc.runtime.security.manifest import sign_folder
from mmarc.runtime.security.pins import PIN_FILE, STATE_DIR_ENV
from mmarc.runtime.server.control import pack_folder
from mmarc.runtime.transport.sockets import server_socket

pytest.importorskip("sklearn")

MMARC = [sys.executable, "-m", "mmarc.cli"]
CORPUS = Path(__file__).parents[1] / "fixtures" / "corpus" / "provision"
ADMIN = "admin@admin.com"


@pytest.fixture(autouse=True)
def pin_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Sites started here pin project keys in the test's own folder, never the user's."""
    folder = tmp_path / "state"
    monkeypatch.setenv(STATE_DIR_ENV, str(folder))
    return folder


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
        done = subprocess.run(  # run where that project's key is pinned: another site
            [*MMARC, "client", str(other / "client1")],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, STATE_DIR_ENV: str(tmp_path / "other-site-state")},
        )
        assert done.returncode == 1, done.stderr
        assert "refused" in done.stderr and "not provisioned" in done.stderr
        assert time.monotonic() - started < 40
        assert server.poll() is None  # the server is unaffected
    finally:
        stop(server)


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*MMARC, *args], capture_output=True, text=True, timeout=60)


def resign(kit: Path) -> str:
    """Re-sign a kit whole with a fresh key, as whoever can replace a kit could (its
    signature then holds on its own); returns the new key's fingerprint."""
    startup = kit / "startup"
    info = json.loads((startup / "MANIFEST.json").read_text())["signed"]["info"]
    return str(sign_folder(startup, Ed25519PrivateKey.generate(), info)["project_key"])


def test_kit_resigned_with_another_key_is_refused(tmp_path: Path, pin_store: Path) -> None:
    """Finding 7: the first kit run pins the project's key; another key is refused."""
    ws = provision(tmp_path)
    project_key = verify_kit(ws / "127.0.0.1").project_fingerprint
    server = start(["server", str(ws / "127.0.0.1")], tmp_path / "server.log")
    clients: list[subprocess.Popen[str]] = []
    try:
        wait_for("listening on", tmp_path / "server.log")
        assert f"key {project_key} pinned on first use" in (tmp_path / "server.log").read_text()
        pins = json.loads((pin_store / PIN_FILE).read_text())["projects"]
        assert pins["Project1"]["fingerprint"] == project_key
        # a genuine kit, checked with the flag `mmarc provision` prints
        args = ["client", str(ws / "client1"), "--project-key", project_key]
        clients.append(start(args, tmp_path / "client1.log"))
        wait_for("connected to", tmp_path / "client1.log")
        forged = resign(ws / "client2")
        refused = cli("client", str(ws / "client2"))
        assert refused.returncode == 1, refused.stderr
        assert project_key in refused.stderr and forged in refused.stderr
        assert f"--project-key {forged}" in refused.stderr
        assert "Traceback" not in refused.stderr
        wrong = cli("client", str(ws / "client2"), "--project-key", project_key)
        assert wrong.returncode == 1 and "signed by another project key" in wrong.stderr
        # re-keyed on purpose: the new key, confirmed out of band, replaces the pin ...
        args = ["client", str(ws / "client2"), "--project-key", forged]
        clients.append(start(args, tmp_path / "client2.log"))
        wait_for("connected to", tmp_path / "client2.log")
        assert f"re-pinned to key {forged}" in (tmp_path / "client2.log").read_text()
        # ... so kits of the old key are now the ones refused
        old = cli("server", str(ws / "127.0.0.1"))
        assert old.returncode == 1 and forged in old.stderr and project_key in old.stderr
        assert server.poll() is None
    finally:
        stop(server, *clients)


def reply(**fields: Any) -> list[bytes]:
    """A kit-channel reply as a server sends it."""
    base = {"ok": True, "deploy_version": 0, "start_epoch": 0, "abort_epoch": 0}
    return [json.dumps({**base, "shutdown": False, "endpoint": None, **fields}).encode()]


def test_compromised_server_cannot_remove_folders_on_a_client(tmp_path: Path) -> None:
    """Finding 10: a server holding the real server kit deploys MMARs named to escape the
    client's run folder; the client refuses each, stays up, and removes nothing else."""
    ws = provision(tmp_path)
    kit = ws / "client1"
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "precious.txt").write_text("patient data")
    payload = tmp_path / "payload"
    (payload / "config").mkdir(parents=True)
    (payload / "config" / "config_train.json").write_text("{}")
    blob = pack_folder(payload)
    mmars = kit / "run" / "mmar"
    hostile: list[Any] = [
        str(victim),
        os.path.relpath(victim, mmars),
        "..",
        ".",
        "../../startup",
        "ok/../..",
        "..\\victim",
        "x" * 200,
        7,
    ]
    script = [[*reply(deploy_version=i, mmar_name=n), blob] for i, n in enumerate(hostile, 1)]
    script += [[b"not json"], [b"[1, 2]"], reply(start_epoch="1/../x"), reply(abort_epoch=-1)]
    good = len(hostile) + 1
    script += [[*reply(deploy_version=good, mmar_name="digits_ok"), blob]]
    script += [reply(deploy_version=good), reply(deploy_version=good, shutdown=True)]
    server_kit = verify_kit(ws / "127.0.0.1", role="server")
    context: zmq.Context[Any] = zmq.Context()
    evil = server_socket(
        context,
        f"tcp://127.0.0.1:{server_kit.fed_learn_port}",
        security=server_kit.server_security(),
    )
    client = start(["client", str(kit)], tmp_path / "client.log")
    states: list[str] = []
    try:
        deadline = time.monotonic() + 90
        while script and time.monotonic() < deadline:
            if not evil.socket.poll(200):
                continue
            identity, request = evil.socket.recv_multipart()
            states.append(json.loads(request)["state"]["state"])
            evil.socket.send_multipart([identity, *script.pop(0)])
        assert not script, (tmp_path / "client.log").read_text()
        assert client.wait(30) == 0, (tmp_path / "client.log").read_text()
    finally:
        stop(client)
        evil.close(linger_ms=0)
        context.term()
    log = (tmp_path / "client.log").read_text()
    for version in range(1, len(hostile) + 1):
        assert f"deploy (version {version}) refused" in log, log
    assert "Traceback" not in log
    assert (victim / "precious.txt").read_text() == "patient data"
    verify_kit(kit, role="client")  # the kit itself is untouched
    assert sorted(p.name for p in mmars.iterdir()) == ["digits_ok"]
    assert (mmars / "digits_ok" / "config" / "config_train.json").is_file()
    assert states[-2:] == ["deployed", "deployed"]
    assert any(s.startswith("deploy refused: ") for s in states)


def metric_rows(ws: Path) -> list[dict[str, Any]]:
    path = ws / "127.0.0.1" / "runs" / "run_1" / "server" / "metrics.jsonl"
    if not path.exists():
        return []
    rows = []
    for line in path.read_text().splitlines():
        try:
            rows.append(json.loads(line))
        except ValueError:
            continue
    return [r for r in rows if isinstance(r.get("clients"), list)]


def wait_rows(ws: Path, check: Any, server_log: Path, timeout: float = 120) -> list[Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = metric_rows(ws)
        if any(check(r) for r in rows):
            return rows
        time.sleep(0.5)
    raise AssertionError(f"no such round in {metric_rows(ws)}\n{server_log.read_text()}")


@pytest.mark.slow
def test_removed_client_registers_again_as_a_new_member(tmp_path: Path) -> None:
    """Finding 12: after remove_client the site's next process registers again, fresh,
    and once deployed and started joins the run at the round then running."""
    ws = provision(tmp_path)
    mmar = tiny_fl_mmar(
        tmp_path, n_train=8, n_val=4, num_rounds=500, min_num_clients=1, wait_after_min_clients=5
    )
    config = mmar / "config" / "config_fed_server.json"
    server_cfg = json.loads(config.read_text())
    server_cfg["aggregator"]["args"]["aggregation_weights"] = {"client1": 1.0, "client2": 1.0}
    config.write_text(json.dumps(server_cfg))
    server_log = tmp_path / "server.log"
    server = start(["server", str(ws / "127.0.0.1")], server_log)
    procs = [server]
    try:
        wait_for("listening on", server_log)
        for name in ("client1", "client2"):
            procs.append(start(["client", str(ws / name)], tmp_path / f"{name}.log"))
        for name in ("client1", "client2"):
            wait_for("connected to", tmp_path / f"{name}.log")
        steps = [f"upload_folder {mmar}", "set_run_number 1", "deploy digits_fl server"]
        steps += ["deploy digits_fl client", "start server", "start client"]
        done = admin(ws, *steps, cwd=tmp_path)
        assert done.returncode == 0, done.stdout + done.stderr
        wait_rows(ws, lambda r: r["clients"] == ["client1", "client2"], server_log)
        done = admin(ws, "remove_client client2", cwd=tmp_path)
        assert done.returncode == 0, done.stdout + done.stderr
        assert procs[2].wait(30) == 0  # the removed process was told to shut down
        removed_at = max(r["round"] for r in metric_rows(ws))
        status = admin(ws, "check_status client", cwd=tmp_path)
        assert status.returncode == 0 and "client2" not in status.stdout, status.stdout
        procs.append(start(["client", str(ws / "client2")], tmp_path / "client2-again.log"))
        wait_for("connected to", tmp_path / "client2-again.log")
        status = admin(ws, "check_status client client2", cwd=tmp_path, as_json=True)
        assert status.returncode == 0, status.stdout + status.stderr
        site = json.loads(status.stdout)["client2"]
        assert site["state"] == "idle", site
        assert site["deployed"] is None  # a new member: nothing deployed yet
        assert procs[3].poll() is None
        done = admin(ws, "deploy digits_fl client client2", "start client client2", cwd=tmp_path)
        assert done.returncode == 0, done.stdout + done.stderr
        rows = wait_rows(
            ws, lambda r: r["round"] > removed_at and "client2" in r["clients"], server_log
        )
        assert any(r["round"] > removed_at and r["clients"] == ["client1"] for r in rows)
        done = admin(ws, "abort server", "shutdown server", cwd=tmp_path)
        assert done.returncode == 0, done.stdout + done.stderr
        for proc in (server, procs[1], procs[3]):
            assert proc.wait(30) == 0
    finally:
        stop(*procs)
