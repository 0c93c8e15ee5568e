"""A run's state has one source: its record, ended once from what the server says.

The metric series the live panel shows is built from rows in the server's own shape
(``combined_metric`` of the runtime), so the status line's value is the chart's last
point, the last global model's. A run record ends once, with its finish time, however
many lookers report the end. A real ``mmarc server`` that dies (SIGKILL, so it reports
nothing) leaves its running run marked failed the next time a page looks, and the
training page's heading, the top bar, the Runs page and the Results step all say so.
"""

from __future__ import annotations

import datetime as _dt
import signal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from mmarc.runtime.server.selection import Report, combined_metric
from ui_helpers import (
    SUPER,
    log_in,
    process_env,
    provision_form,
    start_mmarc,
    stop_all,
    wait_for_text,
)

from mmarc.ui.admin_link import ask
from mmarc.ui.db import Run, utcnow
from mmarc.ui.recorder import metric_series
from mmarc.ui.run_state import (
    ABORTED,
    DEAD_AFTER_S,
    FAILED,
    FINISHED,
    RUNNING,
    end_run,
    server_ending,
)
from mmarc.ui.steps.training import live_event
from mmarc.ui.workspace import Workspace


def _reports(value: float) -> list[Report]:
    return [Report("client1", "val_acc", value, 4), Report("client2", "val_acc", value, 4)]


def test_the_status_line_and_the_chart_read_one_series() -> None:
    # what a 2-round run writes: round N's clients judge the model of round N-1 before
    # training on it; the final phase judges the last model
    rows = [
        {"round": 0, "global_metric": combined_metric(-1, _reports(0.125))},
        {"round": 1, "global_metric": combined_metric(0, _reports(0.125))},
        {"phase": "final", "round": 1, "global_metric": combined_metric(1, _reports(0.375))},
    ]
    series = metric_series(rows)
    assert series["metric"] == "val_acc"
    assert [(p["round"], p["value"], p["final"]) for p in series["points"]] == [
        (-1, 0.125, False),
        (0, 0.125, False),
        (1, 0.375, True),
    ]
    # an aborted run has no final row: its last point is the last model judged
    assert metric_series(rows[:2])["points"][-1] == {"round": 0, "value": 0.125, "final": False}
    assert metric_series([{"round": 0, "global_metric": None}, "junk"])["points"] == []


def test_a_run_ends_once_with_its_finish_time(client: TestClient) -> None:
    db = client.app.state.ui.db  # type: ignore[attr-defined]
    with db.session() as s:
        run = Run(email=SUPER, mmar="m", plan_sha256="a" * 64, status=RUNNING, note="")
        s.add(run)
        s.commit()
        run_id = run.id
    assert end_run(db, run_id, FINISHED)
    with db.session() as s:
        first = s.get(Run, run_id)
        assert first is not None and first.status == FINISHED and first.finished_at is not None
    assert not end_run(db, run_id, FAILED, "too late")  # once: a second report changes nothing
    with db.session() as s:
        again = s.get(Run, run_id)
        assert again is not None
        assert (again.status, again.finished_at, again.note) == (FINISHED, first.finished_at, "")
    with pytest.raises(ValueError, match="a run ends as one of"):
        end_run(db, run_id, RUNNING)


@pytest.mark.parametrize(
    ("status", "ending"),
    [
        ({"run_number": 3, "server": "training"}, None),
        ({"run_number": 3, "server": "finished"}, (FINISHED, "")),
        ({"run_number": 3, "server": "aborted"}, (ABORTED, "")),
        ({"run_number": 3, "server": "ended (exit 1)"}, (FAILED, "round workflow ended (exit 1)")),
        ({"run_number": 3, "server": "stopped"}, (FAILED, "restarted")),
        ({"run_number": 4, "server": "training"}, (FAILED, "current run is 4")),
        ({"run_number": None, "server": "stopped"}, (FAILED, "current run is None")),
    ],
)
def test_what_the_server_says_ends_a_run_as(
    status: dict[str, object], ending: tuple[str, str] | None
) -> None:
    found = server_ending(3, status)
    if ending is None:
        assert found is None
    else:
        assert found is not None and found[0] == ending[0] and ending[1] in found[1], found


def _backdate(client: TestClient, run_id: int, seconds: float) -> None:
    with client.app.state.ui.db.session() as s:  # type: ignore[attr-defined]
        run = s.get(Run, run_id)
        assert run is not None
        run.started_at = utcnow() - _dt.timedelta(seconds=seconds)
        s.commit()


def test_a_dead_server_marks_its_run_failed(
    client: TestClient, workspace: Path, tmp_path: Path
) -> None:
    csrf = log_in(client)
    assert client.post("/provision", data=provision_form(csrf)).status_code == 200
    ws = Workspace(workspace)
    log = tmp_path / "server.log"
    server = start_mmarc(["server", str(ws.server_kit())], log, process_env(tmp_path))
    try:
        wait_for_text("listening on", log)
        alive = ask(ws, SUPER, "check_status", ["server"])
        assert alive.ok and not alive.unreachable, alive.text
        db = client.app.state.ui.db  # type: ignore[attr-defined]
        with db.session() as s:  # a run its server was training when it died
            run = Run(
                email=SUPER,
                mmar="digits_fl",
                plan_sha256="b" * 64,
                status=RUNNING,
                started_at=utcnow(),
            )
            s.add(run)
            s.commit()
            run_id = run.id
        server.send_signal(signal.SIGKILL)  # dies without a word
        server.wait(10)

        # just started: a moment of silence is not yet a death
        page = client.get("/training")
        heading = f'id="run-status" class="run-status" data-run="{run_id}">'
        assert f"{heading}running<" in page.text
        # silent for longer than DEAD_AFTER_S: the next look marks it failed, once
        _backdate(client, run_id, DEAD_AFTER_S + 1)
        page = client.get("/training")
        assert page.status_code == 200
        assert f"{heading}failed<" in page.text
        top_bar = (
            f'<b id="last-run">{run_id} (digits_fl, <span class="run-status" data-run="{run_id}">'
        )
        assert f"{top_bar}failed<" in page.text
        assert "stopped answering" in page.text and "not reachable" in page.text
        with db.session() as s:
            row = s.get(Run, run_id)
            assert row is not None and row.status == FAILED and row.finished_at is not None
            finished_at = row.finished_at
        runs = client.get("/runs")
        listed = f'<td class="run-status" data-run="{run_id}" title="the server stopped answering'
        assert listed in runs.text and ">failed</td>" in runs.text
        results = client.get("/results")
        assert f'id="result-status" class="run-status" data-run="{run_id}">failed<' in results.text
        with db.session() as s:  # the later looks changed nothing
            row = s.get(Run, run_id)
            assert row is not None and row.finished_at == finished_at
        # the live panel's event carries the same record, beside the server's silence
        silent = ask(ws, SUPER, "check_status", ["server"])
        assert silent.unreachable
        event = live_event([silent, silent, silent], row)
        assert event["run"] == {
            "id": run_id,
            "mmar": "digits_fl",
            "status": FAILED,
            "note": row.note,
        }
        assert "not reachable" in event["refused"]
    finally:
        stop_all([server])
