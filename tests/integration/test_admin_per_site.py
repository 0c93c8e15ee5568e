"""``deploy MMAR client`` / ``start client`` act site by site on the real kit server.

The server side is the production :class:`ServerFederationControl` (its kit channel on a
real CurveZMQ socket) behind the real :class:`AdminService`; one provisioned client polls
the kit channel with its own key, the others never connect. One offline site, or one
whose org forbids custom code, must not stop the deployment to the rest: the answer
lists every site with ok or why not, as a table for people and as data with ``--json``.
"""

from __future__ import annotations

import json
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from mmarc.runtime.admin import AdminClient, AdminService
from mmarc.runtime.provision import KitInfo, provision, verify_kit
from mmarc.runtime.server.control import ServerFederationControl
from mmarc.runtime.transport.sockets import DEFAULT_SOCKET_OPTIONS, client_socket, new_context

from mmarc import api
from mmarc.cli.console import Console
from mmarc.provisioning import check_inputs

ROOT = Path(__file__).resolve().parents[2]
CORPUS = Path(__file__).parents[1] / "fixtures" / "corpus" / "provision"
EXAMPLE = ROOT / "examples" / "digits_cnn"
SUPER = "admin@admin.com"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """clara40_project1 (client3's org2 forbids custom code) on free ports of 127.0.0.1."""
    tmp = tmp_path_factory.mktemp("per_site")
    text = (CORPUS / "clara40_project1.yml").read_text()
    text = text.replace("cn: localhost", "cn: 127.0.0.1")
    text = text.replace("fed_learn_port: 8002", f"fed_learn_port: {_free_port()}")
    text = text.replace("admin_port: 8003", f"admin_port: {_free_port()}")
    project = tmp / "project.yml"
    project.write_text(text)
    provision(check_inputs(project, CORPUS / "clara40_authz_config.json"), tmp / "ws")
    return tmp / "ws"


@pytest.fixture
def server(ws: Path) -> Iterator[tuple[KitInfo, AdminService]]:
    kit = verify_kit(ws / "127.0.0.1", role="server")
    control = ServerFederationControl(kit, host="127.0.0.1")
    service = AdminService.from_kit(
        kit, control, compile_plan=api.compile_for_runtime, bind="tcp://127.0.0.1:*"
    ).start()
    try:
        yield kit, service
    finally:
        service.close()
        control.close()
        shutil.rmtree(kit.path / "runs", ignore_errors=True)
        shutil.rmtree(kit.admin_storage, ignore_errors=True)


def poll_once(ws: Path, name: str) -> dict[str, object]:
    """One kit-channel poll as client ``name`` (what ``mmarc client KIT`` sends)."""
    kit = verify_kit(ws / name, role="client")
    context = new_context(DEFAULT_SOCKET_OPTIONS)
    sock = client_socket(
        context, kit.fed_learn_url, identity=name.encode(), security=kit.client_security()
    )
    try:
        request = {"name": name, "seq": 1, "have_version": 0, "state": {"state": "idle"}}
        sock.send(json.dumps(request).encode())
        assert sock.poll(10_000), "the kit channel did not answer"
        reply = json.loads(sock.recv_multipart()[0])
        assert isinstance(reply, dict)
        return reply
    finally:
        sock.close(linger=0)
        context.term()


def test_deploy_acts_on_eligible_sites_and_reports_the_others(
    ws: Path, server: tuple[KitInfo, AdminService], tmp_path: Path
) -> None:
    _, service = server
    mmar = tmp_path / "digits"
    shutil.copytree(EXAMPLE / "config", mmar / "config")
    shutil.copytree(EXAMPLE / "custom", mmar / "custom")
    admin = verify_kit(ws / SUPER)
    with AdminClient.from_kit(
        admin, endpoint=service.endpoint, timeout_s=30, compile_plan=api.compile_for_runtime
    ) as client:
        assert client.request("hello").ok
        people = Console(client)
        scripts = Console(client, as_json=True)
        assert people.execute(f"upload_folder {mmar}").ok
        assert people.execute("set_run_number 1").ok
        # heard from just now (a site unheard of for 10 s is offline); client2 and client4
        # never connect
        assert poll_once(ws, "client1")["ok"] is True
        assert poll_once(ws, "client3")["ok"] is True  # connected; org2 forbids custom code
        shown = people.execute("deploy digits client")
        assert shown.ok, shown.text
        lines = shown.text.splitlines()
        assert any(line.startswith("| client1 | ok") for line in lines), shown.text
        assert "| client2 | not done: offline (never connected)" in shown.text
        assert "| client3 | not done: custom code is not allowed for site client3" in shown.text
        assert "{" not in shown.text
        # --json: the same outcome as data, site by site
        data = json.loads(scripts.execute("deploy digits client").text)
        assert data["sites"]["client1"] == {"ok": True, "detail": ""}
        assert data["sites"]["client2"]["ok"] is False
        assert data["sites"]["client2"]["detail"].startswith("offline")
        assert data["sites"]["client3"]["ok"] is False
        assert data["sites"]["client4"]["ok"] is False
        status = json.loads(scripts.execute("check_status client").text)
        assert status["client1"]["deployed"] == data["plan_sha256"]
        assert status["client2"]["deployed"] is None and status["client3"]["deployed"] is None
        # only offline or forbidden sites: the command fails, still site by site
        none = people.execute("deploy digits client client2 client3")
        assert not none.ok and none.text.startswith("error: no site could be deployed")
        assert "| client2 | not done: offline" in none.text
    # the library call scripts can use instead of the console: the same data
    reply = api.admin(ws / SUPER, "check_status", ["client"], endpoint=service.endpoint)
    assert reply.ok
    assert {s: v["deployed"] for s, v in reply.data.items()} == {
        s: v["deployed"] for s, v in status.items()
    }


def test_a_federation_wide_refusal_stays_one_error(
    ws: Path, server: tuple[KitInfo, AdminService], tmp_path: Path
) -> None:
    _, service = server
    mmar = tmp_path / "digits"
    shutil.copytree(EXAMPLE / "config", mmar / "config")
    shutil.copytree(EXAMPLE / "custom", mmar / "custom")
    admin = verify_kit(ws / SUPER)
    with AdminClient.from_kit(admin, endpoint=service.endpoint, timeout_s=30) as client:
        people = Console(client)
        assert people.execute(f"upload_folder {mmar}").ok
        assert poll_once(ws, "client1")["ok"] is True
        assert people.execute("deploy digits client client1").ok
        # client1 is eligible, but no client may start before the server does
        refused = people.execute("start client")
        assert not refused.ok
        assert refused.text == "error: start the server before its clients"
