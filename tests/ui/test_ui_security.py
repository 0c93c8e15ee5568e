"""The web UI's defences, over real HTTP requests to the real app and a real SQLite file.

CSRF: a form without the session's token is refused and changes nothing. Session
fixation: a session token planted in a browser before log-in is never the logged-in
one. Path traversal: zip members and download paths that climb out are refused by name
and nothing lands outside. SQL injection: attack strings in form fields reach the
database as bound values, are stored and shown verbatim (escaped), and every table stays.
"""

from __future__ import annotations

import json
import shutil
import stat
import zipfile
from pathlib import Path

from fastapi.testclient import TestClient
from helpers import EXAMPLES, csrf_of, zip_folder
from sqlalchemy import inspect, select
from ui_helpers import PASSWORD, SUPER, log_in, provision_form, results_csv

from mmarc.ui.auth import COOKIE
from mmarc.ui.db import StudyResult, User

ATTACKS = [
    "x'); DROP TABLE users; --",
    "' OR '1'='1",
    '"; DELETE FROM runs; --',
    "<script>alert(1)</script>",
]
TABLES = {"users", "sessions", "runs", "round_metrics", "study_results", "alembic_version"}


def test_a_form_without_the_csrf_token_is_refused(client: TestClient, workspace: Path) -> None:
    csrf = log_in(client)
    no_token = provision_form(csrf)
    del no_token["csrf"]
    assert client.post("/provision", data=no_token).status_code == 403
    other = TestClient(client.app, base_url="http://127.0.0.1")
    foreign = csrf_of(other.get("/login").text)  # a real token, of another session
    refused = client.post("/provision", data=provision_form(foreign))
    assert refused.status_code == 403 and "CSRF" in refused.text
    assert not (workspace / "kits").exists()
    assert client.post("/logout", data={}).status_code == 403
    assert client.get("/provision", follow_redirects=False).status_code == 200  # still in
    assert client.post("/provision", data=provision_form(csrf)).status_code == 200
    assert (workspace / "kits" / ".project").is_dir()


def test_log_in_always_starts_a_new_session(client: TestClient) -> None:
    attacker = TestClient(client.app, base_url="http://127.0.0.1")
    attacker.get("/login")
    planted = attacker.cookies[COOKIE]
    client.cookies.set(COOKIE, planted)  # fixed into the victim's browser
    page = client.get("/login")
    done = client.post(
        "/login",
        data={"csrf": csrf_of(page.text), "email": SUPER, "password": PASSWORD},
        follow_redirects=False,
    )
    assert done.status_code == 303
    issued = done.cookies[COOKIE]
    assert issued != planted
    header = done.headers["set-cookie"].lower()
    assert "httponly" in header and "samesite=strict" in header
    assert attacker.get("/provision", follow_redirects=False).status_code == 303  # not in
    client.cookies.set(COOKIE, issued)
    assert client.get("/provision", follow_redirects=False).status_code == 200


def _zip(path: Path, members: dict[str, bytes], link: str | None = None) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        if link is not None:
            info = zipfile.ZipInfo(link)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, "/etc/passwd")
    return path


#: Zips that try to write outside the upload: (members, a symlink member, what is named).
CLIMBING_ZIPS = [
    ({"m/config/a.json": b"{}", "../evil.txt": b"x"}, None, "../evil.txt"),
    ({"m/config/a.json": b"{}", "m/../../evil.txt": b"x"}, None, "m/../../evil.txt"),
    ({"/tmp/evil.txt": b"x"}, None, "/tmp/evil.txt"),
    ({"m\\..\\..\\evil.txt": b"x"}, None, "backslashes"),
    ({"m/config/a.json": b"{}"}, "m/config/evil.txt", "m/config/evil.txt"),
]


def test_a_zip_that_climbs_out_is_refused(
    client: TestClient, workspace: Path, tmp_path: Path
) -> None:
    csrf = log_in(client)
    assert client.post("/provision", data=provision_form(csrf)).status_code == 200
    for members, link, named in CLIMBING_ZIPS:
        archive = _zip(tmp_path / "m.zip", members, link)
        answer = client.post(
            "/upload",
            data={"csrf": csrf},
            files={"mmar": ("m.zip", archive.read_bytes(), "application/zip")},
        )
        assert answer.status_code == 400, answer.text
        assert named in answer.text.replace("&#39;", "'"), named
        assert not list(tmp_path.rglob("evil.txt"))
        assert list((workspace / "mmars").iterdir()) == []


def test_download_paths_that_climb_out_are_refused(client: TestClient, workspace: Path) -> None:
    csrf = log_in(client)
    assert client.post("/provision", data=provision_form(csrf)).status_code == 200
    for path in ("../../ui.db", "/etc/passwd", "run_1/../../../ui.db", "run_1\\..\\x"):
        answer = client.get("/results/file", params={"path": path})
        assert answer.status_code == 400, (path, answer.text)
        assert b"SQLite" not in answer.content and b"root:" not in answer.content
    for name in ("..%2F..%2Fui.db", "..", "kits%2F127.0.0.1"):
        answer = client.get(f"/download/{name}.zip")
        assert answer.status_code in (403, 404), (name, answer.status_code)
        assert b"SQLite" not in answer.content
    refused = client.post(f"/download/{'..%2Fui.db'}", data={"csrf": csrf})
    assert refused.status_code in (403, 404)


def test_sql_injection_in_every_field_is_stored_inertly(
    client: TestClient, workspace: Path, tmp_path: Path
) -> None:
    db = client.app.state.ui.db  # type: ignore[attr-defined]
    for attack in ATTACKS:
        page = client.get("/login")
        for email, password in ((attack, attack), (SUPER, attack)):
            answer = client.post(
                "/login", data={"csrf": csrf_of(page.text), "email": email, "password": password}
            )
            assert answer.status_code == 401
    csrf = log_in(client)
    fields = ("name", "host", "fed_learn_port", "admin_port", "min_clients", "max_clients")
    for attack in ATTACKS:
        form = provision_form(csrf, **{f: attack for f in fields})
        form.update(sites=f"{attack} org1", admins=f"{attack} org1 super", policy=attack)
        answer = client.post("/provision", data=form)
        assert answer.status_code == 400  # the compiler refuses, located at the fields
        assert "<script>alert" not in answer.text
        assert "field-error" in answer.text
    assert client.post("/provision", data=provision_form(csrf)).status_code == 200
    for attack in ATTACKS:
        csv_text = results_csv({"setting": attack})
        answer = client.post(
            "/runs/import-study",
            data={"csrf": csrf, "study": attack},
            files={"results": ("results.csv", csv_text.encode(), "text/csv")},
        )
        assert answer.status_code == 200 and "Imported 1 rows" in answer.text, answer.text
        assert "<script>alert" not in answer.text
    # the settings forms: every generated field and each site's environment values
    shutil.copytree(EXAMPLES / "digits_fl" / "config", tmp_path / "digits_fl" / "config")
    shutil.copytree(EXAMPLES / "digits_fl" / "custom", tmp_path / "digits_fl" / "custom")
    archive = zip_folder(tmp_path / "digits_fl", tmp_path / "digits_fl.zip")
    kept = client.post(
        "/upload",
        data={"csrf": csrf},
        files={"mmar": ("digits_fl.zip", archive.read_bytes(), "application/zip")},
    )
    assert kept.status_code == 200, kept.text
    attack = " ".join(ATTACKS)  # SQL and markup at once
    for side, names in (
        ("server", ("name", "min_num_clients", "num_rounds", "weight:client1")),
        ("client", ("local_epochs", "fedprox_mu", "env:client1:DATA_ROOT")),
    ):
        answer = client.post(
            f"/settings/{side}",
            data={"csrf": csrf, "mmar": "digits_fl", "save": "1", **dict.fromkeys(names, attack)},
        )
        assert answer.status_code in (200, 400), answer.text
        assert "<script>alert" not in answer.text
    env = json.loads((workspace / "site_environment.json").read_text())
    assert env["client1"]["DATA_ROOT"] == attack
    with db.session() as s:
        stored = s.scalars(select(StudyResult).order_by(StudyResult.id)).all()
        assert [(r.study, r.setting) for r in stored] == [(a, a) for a in ATTACKS]
        assert s.scalars(select(User.email)).all() == [SUPER]
    assert set(inspect(db.engine).get_table_names()) >= TABLES
