"""The admin service over real CurveZMQ sockets on 127.0.0.1, with provisioned kits.

The service runs in this process (a thread) over a real run folder through
LocalFederationControl; the console runs in-process and, where the process boundary
matters (exit codes, kit verification, stdin), as a real ``mmarc admin`` process.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path
from typing import Any

import pytest
import zmq
from mmarc.runtime.admin import (
    AdminClient,
    AdminConnectionError,
    AdminLimits,
    AdminService,
    LocalFederationControl,
)
from mmarc.runtime.provision import KitInfo, provision, verify_kit
from mmarc.runtime.security.audit import read_audit
from mmarc.runtime.security.uploads import UploadEntry, UploadLimits, read_upload, scan_folder
from mmarc.runtime.transport import CurveKeyPair, SecurityConfig

from mmarc import api
from mmarc.cli.console import Console
from mmarc.provisioning import check_inputs

ROOT = Path(__file__).resolve().parents[2]
CORPUS = Path(__file__).parents[1] / "fixtures" / "corpus" / "provision"
EXAMPLE = ROOT / "examples" / "digits_cnn"
SUPER = "admin@admin.com"
LEAD = "leadIT@org1.com"
RESEARCHER = "siteresearcher@org2.com"
SECURE = "leadIT@secure.com"


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    ws = tmp_path_factory.mktemp("admin") / "ws"
    provision(
        check_inputs(CORPUS / "clara40_project1.yml", CORPUS / "clara40_authz_config.json"), ws
    )
    return ws


def start_service(ws: Path, runs: Path, limits: AdminLimits | None = None) -> AdminService:
    kit = verify_kit(ws / "localhost", role="server")
    control = LocalFederationControl(runs, list(kit.clients))
    extra = {"limits": limits} if limits is not None else {}
    return AdminService.from_kit(
        kit, control, compile_plan=api.compile_for_runtime, bind="tcp://127.0.0.1:*", **extra
    ).start()


@pytest.fixture
def service(ws: Path, tmp_path: Path) -> Iterator[AdminService]:
    svc = start_service(ws, tmp_path / "runs")
    try:
        yield svc
    finally:
        svc.close()
        shutil.rmtree(ws / "localhost" / "transfer", ignore_errors=True)
        (ws / "localhost" / "audit.log").unlink(missing_ok=True)


def admin(ws: Path, email: str, svc: AdminService, timeout_s: float = 10) -> AdminClient:
    return AdminClient.from_kit(
        verify_kit(ws / email),
        endpoint=svc.endpoint,
        timeout_s=timeout_s,
        compile_plan=api.compile_for_runtime,
    )


def run(client: AdminClient, *lines: str, transfer: Path | None = None) -> list[tuple[bool, str]]:
    console = Console(client, transfer)
    return [(o.ok, o.text) for o in map(console.execute, lines)]


@pytest.fixture
def mmar(tmp_path: Path) -> Path:
    folder = tmp_path / "digits"
    shutil.copytree(EXAMPLE / "config", folder / "config")
    shutil.copytree(EXAMPLE / "custom", folder / "custom")
    return folder


def audit(svc: AdminService) -> list[dict[str, Any]]:
    return read_audit(svc.audit.path)


def test_unprovisioned_keys_are_refused_at_the_handshake(ws: Path, service: AdminService) -> None:
    server_key = verify_kit(ws / "localhost").keys.public
    stranger = SecurityConfig.for_client(server_key, CurveKeyPair.generate())
    fl_client = verify_kit(ws / "client1")  # provisioned, but as an FL client, not an admin
    for security in (stranger, SecurityConfig.for_client(server_key, fl_client.keys)):
        with (
            AdminClient(security, service.endpoint, timeout_s=5) as client,
            pytest.raises(AdminConnectionError, match="refused this admin key"),
        ):
            client.request("hello")
    assert service.stats["requests"] == 0
    with admin(ws, SUPER, service) as client:
        assert client.request("hello").data["user"] == SUPER


def test_each_command_group_is_authorized_and_audited(ws: Path, service: AdminService) -> None:
    with admin(ws, RESEARCHER, service) as client:
        results = run(
            client,
            "upload_folder /nonexistent-but-refused-first",
            "deploy digits client client3",
            "start client client1",
            "check_status server",
            "shutdown client client3",
            "set_run_number 2",
            "check_status client client3",
            "start client client3",
        )
    assert [ok for ok, _ in results[:6]] == [False] * 6
    assert "not uploaded" in results[0][1]  # refused locally: the folder does not exist
    for _, text in results[1:6]:
        assert text.startswith(f"refused: {RESEARCHER} may not"), text
    assert results[6][0] and "| client3 | stopped |" in results[6][1]  # a table
    assert not results[7][0] and "| client3 | not done: nothing deployed" in results[7][1]
    with admin(ws, SECURE, service) as client:
        secure = run(client, "check_status client client4", "shutdown client client4")
    assert not secure[0][0] and secure[0][1].startswith("refused:")
    assert secure[1] == (True, "shut down client4")
    records = [r for r in audit(service) if r["command"] != "hello"]
    assert [(r["user"], r["command"], r["decision"]) for r in records] == [
        (RESEARCHER, "deploy", "refused"),
        (RESEARCHER, "start", "refused"),
        (RESEARCHER, "check_status", "refused"),
        (RESEARCHER, "shutdown", "refused"),
        (RESEARCHER, "set_run_number", "refused"),
        (RESEARCHER, "check_status", "allowed"),
        (RESEARCHER, "start", "allowed"),
        (SECURE, "check_status", "refused"),
        (SECURE, "shutdown", "allowed"),
    ]
    assert records[1]["sites"] == ["client1"] and records[1]["args"] == ["client", "client1"]
    assert records[6]["result"].endswith("client3: nothing deployed: deploy an MMAR first")
    assert records[8]["result"] == "ok"


def test_upload_deploy_start_over_a_real_run_folder(
    ws: Path, service: AdminService, mmar: Path, tmp_path: Path
) -> None:
    runs = tmp_path / "runs"
    with admin(ws, SUPER, service) as client:
        results = run(
            client,
            "set_run_number 1",
            "upload_folder digits",  # found in the transfer folder, as in Clara
            "deploy digits server",
            # client3's org2 is strict (no custom code there): the others still get it
            "deploy digits client",
            "deploy digits client client1 client2",
            "start client client1",  # the server first
            "start server",
            "start client",  # every site with something deployed; client3 is reported
            "check_status client",
            transfer=mmar.parent,
        )
        assert [ok for ok, _ in results] == [True, True, True, True, True, False, True, True, True]
        assert "| client1 | ok " in results[3][1]
        assert "| client3 | not done: custom code is not allowed for site client3" in results[3][1]
        assert "client3" in results[7][1] and "nothing deployed" in results[7][1]
        status = client.request("check_status", ["client"]).data
        assert status["client1"]["state"] == "training" and status["client3"]["deployed"] is None
        assert "client1" in results[8][1] and "training" in results[8][1]  # a table, not JSON
        assert "{" not in results[8][1]
        (runs / "run_1" / "metrics.jsonl").write_text('{"round": 1, "val_acc": 0.5}\n')
        (runs / "run_1" / "cross_site_validation.json").write_text(
            json.dumps({"client1": {"client2": {"val_acc": 0.9}}, "client2": {}})
        )
        assert client.request("metrics").data["metrics"] == [{"round": 1, "val_acc": 0.5}]
        assert client.request("validate", ["client1", "client2"]).data == {
            "client1": {"client2": {"val_acc": 0.9}}
        }
        assert "training" in client.request("logs", ["client1", "5"]).text
        listing = client.request("ls", ["run_1"]).data["entries"]
        assert {e["name"] for e in listing} >= {"mmar_server", "mmar_client1", "mmar_client2"}
        plan = json.loads(client.request("cat", ["run_1/mmar_client1/plan.json"]).text)
        assert run(client, "abort client", "shutdown server") == [
            (True, "aborted client1, client2, client3, client4"),
            (True, "shut down server"),
        ]
    stored = ws / "localhost" / "transfer" / "digits"
    assert (stored / "custom" / "digits_net.py").read_bytes() == (
        EXAMPLE / "custom" / "digits_net.py"
    ).read_bytes()
    assert (runs / "run_1" / "mmar_client2" / "custom" / "digits_net.py").is_file()
    assert results[1][1].endswith(f"plan sha256 {plan['sha256']}")  # same plan both times
    upload = next(r for r in audit(service) if r["command"] == "upload_folder")
    assert upload["decision"] == "allowed" and upload["files"] == 4


def test_invalid_mmar_is_refused_on_both_sides(ws: Path, service: AdminService, mmar: Path) -> None:
    train = mmar / "config" / "config_train.json"
    train.write_text(train.read_text().replace('"@dataloader"', '"@dataloadr"', 1))
    with admin(ws, SUPER, service) as client:
        local = client.upload_folder(mmar)
        assert not local.ok and "error[R001]" in local.text and "not uploaded" in local.text
        assert service.stats["requests"] == 0  # nothing was sent
        # A console that skips its own check: the server compiles and refuses too.
        entries = scan_folder(mmar)
        remote = client.request(
            "upload_folder", ["digits"], files=entries, blobs=read_upload(mmar, entries)
        )
    assert remote.status == "error" and "error[R001]" in remote.text
    assert "config/config_train.json:" in remote.text  # located relative to the MMAR
    storage = ws / "localhost" / "transfer"
    assert not (storage / "digits").exists()
    assert list((storage / ".staging").iterdir()) == []


@pytest.mark.parametrize("path", ["../escaped.py", "/tmp/absolute.py", "a/../../x.py"])
def test_traversal_uploads_are_dropped(ws: Path, service: AdminService, path: str) -> None:
    with admin(ws, SUPER, service, timeout_s=1) as client:
        with pytest.raises(AdminConnectionError, match="no answer"):
            client.request("upload_folder", ["evil"], files=[UploadEntry(path, 3)], blobs=[b"x=1"])
        assert client.request("hello").ok  # and the service goes on
    assert service.stats["invalid"] == 1
    assert not (ws / "localhost" / "escaped.py").exists()
    assert not Path("/tmp/absolute.py").exists()
    assert audit(service)[0]["decision"] == "invalid" and audit(service)[0]["user"] == SUPER


def test_oversize_uploads_are_refused(ws: Path, tmp_path: Path, mmar: Path) -> None:
    limits = AdminLimits(uploads=UploadLimits(max_total_bytes=20_000, max_file_bytes=16_000))
    svc = start_service(ws, tmp_path / "runs", limits)
    try:
        with admin(ws, SUPER, svc, timeout_s=2) as client:
            (mmar / "models").mkdir()
            (mmar / "models" / "a.bin").write_bytes(b"\0" * 15_000)
            entries = scan_folder(mmar)  # the server's limits, not the console's, apply
            reply = client.request(
                "upload_folder", ["digits"], files=entries, blobs=read_upload(mmar, entries)
            )
            assert reply.status == "error" and "larger than the limit of 20000" in reply.text
            big = [UploadEntry("models/b.bin", 17_000)]
            with pytest.raises(AdminConnectionError):
                client.request("upload_folder", ["x"], files=big, blobs=[b"\0" * 17_000])
        assert svc.stats["invalid"] == 1
        assert not (ws / "localhost" / "transfer" / "digits").exists()
    finally:
        svc.close()
        (ws / "localhost" / "audit.log").unlink(missing_ok=True)


def test_symlinks_are_not_uploaded(ws: Path, service: AdminService, mmar: Path) -> None:
    (mmar / "config" / "secrets.json").symlink_to("/etc/passwd")
    with admin(ws, SUPER, service) as client:
        reply = client.upload_folder(mmar)
    assert not reply.ok and "symbolic links cannot be uploaded" in reply.text
    assert service.stats["requests"] == 0


def test_byoc_refused_where_the_uploaders_group_forbids_it(tmp_path: Path, mmar: Path) -> None:
    authz = json.loads((CORPUS / "clara40_authz_config.json").read_text())
    authz["groups"]["general"]["role_rights"]["site_researcher"]["upload_mmar"] = True
    (tmp_path / "authz_config.json").write_text(json.dumps(authz))
    ws = tmp_path / "ws"
    provision(check_inputs(CORPUS / "clara40_project1.yml", tmp_path / "authz_config.json"), ws)
    svc = start_service(ws, tmp_path / "runs")
    try:
        with admin(ws, RESEARCHER, svc) as client:
            refused = client.upload_folder(mmar)
            assert refused.status == "error"
            assert "custom code is not allowed for org org2" in refused.text
            plain = tmp_path / "plain"
            shutil.copytree(ROOT / "examples" / "spleen_synth" / "config", plain / "config")
            assert client.upload_folder(plain).ok
            (plain / "config" / "dataset_site.json").write_text('{"training": []}')
            datalist = client.upload_folder(plain)
            assert "custom datalists are not allowed" in datalist.text
    finally:
        svc.close()
    assert not (ws / "localhost" / "transfer" / "digits").exists()


def raw_dealer(ctx: zmq.Context[Any], kit: KitInfo, endpoint: str) -> zmq.Socket[Any]:
    sock = ctx.socket(zmq.DEALER)
    sock.setsockopt(zmq.LINGER, 0)
    kit.client_security().apply_client(sock)
    sock.connect(endpoint)
    return sock


def test_random_and_truncated_frames_do_not_crash_the_service(
    ws: Path, service: AdminService
) -> None:
    rng = random.Random(7)
    port = int(service.endpoint.rsplit(":", 1)[1])
    for i in range(30):  # unauthenticated garbage at the TCP level
        # The server may drop the connection mid-send: that is the point.
        with socket.create_connection(("127.0.0.1", port), timeout=2) as raw, suppress(OSError):
            if i % 3 == 0:  # a ZMTP greeting start, then noise
                raw.sendall(b"\xff" + b"\0" * 8 + b"\x7f\x03\x00CURVE" + rng.randbytes(50))
            else:
                raw.sendall(rng.randbytes(rng.randint(1, 2000)))
            if i % 2:
                raw.shutdown(socket.SHUT_WR)
    ctx: zmq.Context[Any] = zmq.Context()
    try:
        sock = raw_dealer(ctx, verify_kit(ws / SUPER), service.endpoint)
        envelope = {"v": 1, "id": "x", "cmd": "upload_folder", "args": ["m"]}
        garbage: list[list[bytes]] = [
            [rng.randbytes(64)],
            [b""],
            [b"{"],
            [b"[1, 2, 3]"],
            [b"\xff\xfe"],
            [b'{"v": 1, "id": "x", "cmd": "hello", "user": "leadIT@org1.com"}'],
            [b'{"v": 2, "id": "x", "cmd": "hello"}'],
            [b'{"v": 1, "id": "x", "cmd": "hello", "args": [NaN]}'],
            [b'{"v": 1, "id": "x", "id": "y", "cmd": "hello"}'],
            [b'{"v": 1, "id": "x", "cmd": "hello", "args": ' + b"[" * 5000 + b"]" * 5000 + b"}"],
            [json.dumps({**envelope, "files": [["a.json", 5], ["b.json", 5]]}).encode(), b"12345"],
            [json.dumps({**envelope, "files": [["a.json", 5]]}).encode(), b"123"],
            [json.dumps({**envelope, "files": [["a.json", -1]]}).encode(), b""],
            [b'{"v": 1, "id": "' + b"x" * 300_000 + b'", "cmd": "hello"}'],
        ]
        garbage += [[rng.randbytes(rng.randint(0, 300)) for _ in range(3)] for _ in range(20)]
        for frames in garbage:
            sock.send_multipart(frames)
        sock.send_multipart([b'{"v": 1, "id": "last", "cmd": "hello"}'])
        assert sock.poll(5000), "the service stopped answering"
        reply = json.loads(sock.recv())
        assert reply["re"] == "last" and reply["data"]["user"] == SUPER
        sock.close()
    finally:
        ctx.term()
    assert service.stats["invalid"] == len(garbage)
    assert service.stats["internal_error"] == 0
    assert {r["decision"] for r in audit(service) if r["command"] == ""} == {"invalid"}
    with admin(ws, LEAD, service) as client:  # other admins are served as before
        assert client.request("check_status", ["server"]).ok


def test_requests_are_rate_limited_per_admin(ws: Path, tmp_path: Path) -> None:
    svc = start_service(ws, tmp_path / "runs", AdminLimits(rate_per_s=2.0, burst=3))
    ctx: zmq.Context[Any] = zmq.Context()
    try:
        sock = raw_dealer(ctx, verify_kit(ws / LEAD), svc.endpoint)
        for i in range(12):
            sock.send_multipart([json.dumps({"v": 1, "id": f"r{i}", "cmd": "hello"}).encode()])
        replies = []
        while sock.poll(700):
            replies.append(json.loads(sock.recv()))
        answered = [r for r in replies if r["re"]]
        assert 3 <= len(answered) <= 5, replies
        limited = [r for r in replies if not r["re"]]
        assert len(limited) == 1 and "rate limited" in limited[0]["text"]  # one notice, no flood
        assert svc.stats["rate_limited"] >= 7
        time.sleep(0.6)
        sock.send_multipart([b'{"v": 1, "id": "again", "cmd": "hello"}'])
        assert sock.poll(3000) and json.loads(sock.recv())["re"] == "again"
        with admin(ws, SUPER, svc) as client:  # another admin has its own bucket
            assert client.request("hello").ok
        sock.close()
    finally:
        ctx.term()
        svc.close()
        (ws / "localhost" / "audit.log").unlink(missing_ok=True)


def test_rate_limited_requests_are_audited_per_admin_and_second(ws: Path, tmp_path: Path) -> None:
    """Issue 10, finding 11: 200 requests of one admin, most over its rate limit, are all in
    the audit log: each answered one on its own line, the dropped ones counted in one
    line per admin and second, written while the service runs."""
    svc = start_service(ws, tmp_path / "runs", AdminLimits(rate_per_s=2.0, burst=3))
    path = svc.audit.path
    ctx: zmq.Context[Any] = zmq.Context()
    sock = raw_dealer(ctx, verify_kit(ws / LEAD), svc.endpoint)

    def accounted() -> int:
        return sum(r.get("count", 1) for r in read_audit(path) if r["user"] == LEAD)

    try:
        for i in range(200):
            sock.send_multipart([json.dumps({"v": 1, "id": f"r{i}", "cmd": "hello"}).encode()])
        deadline = time.monotonic() + 30
        while accounted() < 200 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert accounted() == 200, read_audit(path)
    finally:
        sock.close()
        ctx.term()
        svc.close()
    records = [r for r in read_audit(path) if r["user"] == LEAD]
    path.unlink()
    assert sum(r.get("count", 1) for r in records) == 200
    limited = [r for r in records if r["decision"] == "rate_limited"]
    answered = [r for r in records if r["decision"] == "allowed"]
    assert limited and answered and len(limited) + len(answered) == len(records)
    assert all(r["result"] == "dropped" and r["count"] >= 1 for r in limited)
    assert len({r["second"] for r in limited}) == len(limited)  # one line a second
    assert svc.stats["rate_limited"] == sum(r["count"] for r in limited)


def test_ls_and_cat_stay_inside_the_run_folder(
    ws: Path, service: AdminService, tmp_path: Path
) -> None:
    runs = tmp_path / "runs"
    (tmp_path / "secret.txt").write_text("patient data")
    (runs / "leak.txt").symlink_to(tmp_path / "secret.txt")
    (runs / "leakdir").symlink_to(tmp_path)
    with admin(ws, SUPER, service) as client:
        results = run(
            client, "cat ../secret.txt", "cat leak.txt", "cat leakdir/secret.txt", "ls leakdir"
        )
        assert all(not ok for ok, _ in results), results
        assert all("patient data" not in text for _, text in results)
        kinds = {e["name"]: e["type"] for e in client.request("ls").data["entries"]}
        assert kinds["leak.txt"] == "link"


def mmarc(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mmarc.cli", *args],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
        timeout=120,
    )


def test_admin_cli_in_a_real_process(ws: Path, service: AdminService, tmp_path: Path) -> None:
    kit = ws / LEAD
    endpoint = ["--server", service.endpoint]
    # Scripts: commands run in order; the first failure stops them with exit status 1.
    failed = mmarc("admin", str(kit), *endpoint, "-c", "check_status server", "-c", "metrics")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "| state         | stopped |" in failed.stdout  # a table for people
    assert "{" not in failed.stdout
    assert "no run number" in failed.stderr
    # --json: the same answer as data, for scripts
    scripted = mmarc("admin", str(kit), *endpoint, "--json", "-c", "check_status client client1")
    assert scripted.returncode == 0, scripted.stdout + scripted.stderr
    assert json.loads(scripted.stdout)["client1"] == {"state": "stopped", "deployed": None}
    refused = mmarc("admin", str(ws / RESEARCHER), *endpoint, "-c", "shutdown server", "-c", "ls")
    assert refused.returncode == 1 and "refused:" in refused.stderr
    assert "Traceback" not in refused.stderr
    trusted = verify_kit(kit).project_fingerprint
    assert mmarc("admin", str(kit), *endpoint, "--project-key", trusted, "-c", "ls").returncode == 0
    wrong = mmarc("admin", str(kit), *endpoint, "--project-key", "sha256:" + "0" * 64, "-c", "ls")
    assert wrong.returncode == 1 and "another project key" in wrong.stderr
    console = mmarc(
        "admin", str(kit), *endpoint, stdin="help\ncheck_status client client1\nnonsense\nbye\n"
    )
    assert console.returncode == 0, console.stderr
    assert "upload_folder MMAR_FOLDER" in console.stdout and "| client1 |" in console.stdout
    assert "unknown command 'nonsense'" in console.stdout
    edited = tmp_path / "kit"
    shutil.copytree(kit, edited)
    config = edited / "startup" / "fed_admin.json"
    config.write_text(config.read_text().replace("8003", "9003"))
    bad = mmarc("admin", str(edited), *endpoint, "-c", "ls")
    assert bad.returncode == 1 and "startup/fed_admin.json: modified" in bad.stderr
    assert mmarc("admin", str(tmp_path / "missing"), "-c", "ls").returncode == 2
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        nobody = f"tcp://127.0.0.1:{probe.getsockname()[1]}"
    gone = mmarc("admin", str(kit), "--server", nobody, "--timeout", "1", "-c", "ls")
    assert (
        gone.returncode == 1
        and gone.stderr == f"mmarc: error: no answer from {nobody} within 1 s\n"
    )


def test_console_completion() -> None:
    console = Console(None)  # type: ignore[arg-type]  # completion needs no connection
    console.sites = ["client1", "client2"]
    assert "check_status " in console.complete("che", "che")
    assert console.complete("c", "start c") == ["client "]
    assert console.complete("cl", "start client cl") == ["client1 ", "client2 "]
    assert console.complete("s", "deploy digits s") == ["server "]
    assert console.complete("", "logs ") == ["client1 ", "client2 ", "server "]
    assert console.complete("exam", "upload_folder exam") == ["examples/"]
