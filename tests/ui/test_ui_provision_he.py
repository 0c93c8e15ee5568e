"""Step 1 with homomorphic encryption switched on: the project's ``he`` section is written
with the CKKS settings provisioning uses, and the kits get their TenSEAL contexts (the
sites the secret one, the server only the public one)."""

from __future__ import annotations

from pathlib import Path

import yaml
from fastapi.testclient import TestClient
from mmarc.runtime.security.ckks import CKKSParams
from ui_helpers import log_in, provision_form

from mmarc.ui.workspace import Workspace


def test_he_on_writes_the_section_and_the_contexts(client: TestClient, workspace: Path) -> None:
    csrf = log_in(client)
    done = client.post("/provision", data=provision_form(csrf, he="on"))
    assert done.status_code == 200, done.text
    ws = Workspace(workspace)
    project = yaml.safe_load(ws.project_yml.read_text())
    assert CKKSParams.from_section(project["he"]) == CKKSParams()
    server_kit = ws.server_kit()
    assert list(server_kit.rglob("server_context.tenseal"))
    assert not list(server_kit.rglob("client_context.tenseal"))
    site_kit = ws.kit("client1")
    assert list(site_kit.rglob("client_context.tenseal"))
    assert 'name="he" checked' in client.get("/provision").text  # the form reads it back


def test_he_off_writes_no_contexts(client: TestClient, workspace: Path) -> None:
    csrf = log_in(client)
    assert client.post("/provision", data=provision_form(csrf)).status_code == 200
    assert not list(Workspace(workspace).kits.rglob("*.tenseal"))
