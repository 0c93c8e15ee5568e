"""The UI database: migrated on start, and nothing lost when ``mmarc ui`` restarts.

A first app records users, a session, a run with its rounds and a study's results in a
real SQLite file; it shuts down; a second app over the same workspace serves all of it
(the old session cookie included). ``mmarc ui import-study DIR`` imports a study's
``results.csv`` in a real process; a bad one is refused with its line number, whole.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from helpers import REPO, run_cli
from sqlalchemy import select, text
from ui_helpers import PASSWORD, SUPER, log_in, results_csv

from mmarc.study.results import read_csv
from mmarc.ui.app import create_app
from mmarc.ui.auth import COOKIE, add_user
from mmarc.ui.db import Run, StudyResult, database_of
from mmarc.ui.errors import UiError
from mmarc.ui.recorder import sync_metrics
from mmarc.ui.studies import import_study
from mmarc.ui.workspace import Workspace

GOOD = (
    {"round": 0, "epoch": 1, "accuracy": 0.81, "loss": 0.52, "wall_s": 3.5, "bytes": 1000},
    {"round": 1, "epoch": 2, "accuracy": 0.9, "loss": 0.31, "wall_s": 7.1, "bytes": 2000},
)


def test_everything_recorded_survives_a_restart(workspace: Path) -> None:
    first = create_app(workspace)
    add_user(first.state.ui.db, SUPER, PASSWORD)
    with TestClient(first, base_url="http://127.0.0.1") as client:
        csrf = log_in(client)
        cookie = client.cookies[COOKIE]
        with first.state.ui.db.session() as s:
            run = Run(
                email=SUPER,
                mmar="digits_fl",
                plan_sha256="f" * 64,
                status="finished",
                params={"server": {"num_rounds": 2}, "sites": {"client1": {"DATA_ROOT": "/d"}}},
                artifacts=[],
                note="",
            )
            s.add(run)
            s.commit()
            run_id = run.id
        rows = [
            {"round": 0, "global_metric": {"round": -1, "metric": "acc", "value": 0.5}},
            {"round": 1, "global_metric": {"round": 0, "metric": "acc", "value": 0.75}},
        ]
        assert sync_metrics(first.state.ui.db, run_id, rows) == 2
        assert (
            client.post(
                "/provision",
                data={
                    "csrf": csrf,
                    "name": "p",
                    "host": "127.0.0.1",
                    "fed_learn_port": "18002",
                    "admin_port": "18003",
                    "min_clients": "1",
                    "max_clients": "5",
                    "sites": "client1 org1",
                    "admins": f"{SUPER} org1 super",
                    "policy": "",
                },
            ).status_code
            == 200
        )
        imported = client.post(
            "/runs/import-study",
            data={"csrf": csrf, "study": "lr-sweep"},
            files={"results": ("results.csv", results_csv(*GOOD).encode(), "text/csv")},
        )
        assert "Imported 2 rows" in imported.text
    second = create_app(workspace)  # the same SQLite file, migrated again (a no-op)
    with TestClient(second, base_url="http://127.0.0.1") as client:
        client.cookies.set(COOKIE, cookie)
        runs = client.get("/runs", follow_redirects=False)
        assert runs.status_code == 200, runs.text  # the session survived too
        assert "digits_fl" in runs.text and "0.7500" in runs.text and "lr-sweep" in runs.text
        client.cookies.clear()
        log_in(client)  # the password hash survived
        results = client.get(f"/results?run={run_id}")
        assert "0.5000" in results.text and "0.7500" in results.text
        with second.state.ui.db.session() as s:  # a second run, to compare with the first
            other = Run(
                email=SUPER,
                mmar="digits_fl",
                plan_sha256="e" * 64,
                status="aborted",
                params={"server": {"num_rounds": 5}, "sites": {"client1": {"DATA_ROOT": "/d"}}},
                artifacts=[],
                note="",
            )
            s.add(other)
            s.commit()
            other_id = other.id
        compared = client.get(f"/runs/compare?a={run_id}&b={other_id}")
        assert compared.status_code == 200
        differing = compared.text.split('class="differs"')
        assert len(differing) == 2 and "server.num_rounds" in differing[1], compared.text
        assert "0.7500" in compared.text
        with second.state.ui.db.engine.connect() as connection:
            version = connection.execute(text("select version_num from alembic_version"))
            assert version.scalar_one() == "0001"


def test_import_study_command(tmp_path: Path) -> None:
    study = tmp_path / "lr-sweep"
    study.mkdir()
    (study / "results.csv").write_text(results_csv(*GOOD))
    ws = tmp_path / "ws"
    done = run_cli("ui", "import-study", str(study), "-w", str(ws))
    assert done.returncode == 0, done.stderr
    assert "2 rows of lr-sweep imported" in done.stdout
    (study / "results.csv").write_text(results_csv(*GOOD, {"round": 2, "accuracy": "high"}))
    database = database_of(Workspace(ws))
    with pytest.raises(UiError, match=r"results.csv:4: accuracy 'high' is not a number"):
        import_study(database, study)
    with database.session() as s:  # nothing of the bad file was stored
        assert len(s.scalars(select(StudyResult)).all()) == 2
    database.close()


def test_a_real_study_output_imports_whole(tmp_path: Path) -> None:
    """The committed results.csv of a real ``mmarc study`` run (docs/study) reads as written."""
    study = tmp_path / "mnist_seed"
    study.mkdir()
    shutil.copy(REPO / "docs" / "study" / "results.csv", study / "results.csv")
    written = read_csv(study / "results.csv")
    (tmp_path / "ws").mkdir()
    database = database_of(Workspace(tmp_path / "ws"))
    assert import_study(database, study) == len(written) > 0
    with database.session() as s:
        stored = s.scalars(select(StudyResult).order_by(StudyResult.id)).all()
    assert [(r.setting, r.round, r.wall_seconds) for r in stored] == [
        (w["setting"], int(w["round"]), float(w["wall_s"])) for w in written
    ]
