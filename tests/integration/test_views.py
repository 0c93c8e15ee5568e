"""The CLI's views subscribe to the runtime's events; nothing in the runtime draws.

:class:`ProgressView` in plain-line mode (what logs and CI see) turns the server's events
into lines; :func:`emit` keeps a broken subscriber from stopping a run.
"""

from __future__ import annotations

import io
import logging

import pytest
from mmarc.runtime.events import RunEvent, emit

from mmarc.cli.views import ProgressView


def test_progress_dicts_become_typed_events() -> None:
    event = RunEvent.from_progress({"event": "joined", "client": "site-1", "clients": 1})
    assert event.kind == "joined" and dict(event.fields) == {"client": "site-1", "clients": 1}
    assert event.get("client") == "site-1" and event.get("missing", 7) == 7


def test_a_failing_subscriber_never_reaches_the_run(caplog: pytest.LogCaptureFixture) -> None:
    def broken(event: RunEvent) -> None:
        raise RuntimeError("view crashed")

    with caplog.at_level(logging.WARNING):
        emit(broken, "iteration", epoch=1, loss=0.5)
        emit(None, "iteration")
    assert "view crashed" in caplog.text


def test_plain_view_prints_a_line_per_event_worth_one() -> None:
    out = io.StringIO()
    view = ProgressView("title", live=False, out=out)
    events = [
        {
            "event": "sim_start",
            "mmar_name": "digits",
            "n_clients": 2,
            "split": "iid",
            "run_dir": "/runs/digits-1",
        },
        {"event": "ready", "end_round": 3},
        {"event": "joined", "client": "site-1", "clients": 1},
        {"event": "round_start", "round": 1},
        {
            "event": "round",
            "round": 1,
            "clients": ["site-1", "site-2"],
            "seconds": 0.5,
            "global_metric": {"metric": "val_acc", "value": 0.5},
            "best": None,
        },
        {"event": "note", "text": "site-2 exited with status 1"},
        {"event": "final", "global_metric": {"metric": "val_acc", "value": 0.75}},
    ]
    with view:
        for info in events:
            view(RunEvent.from_progress(info))
    lines = [line.split("] ", 1)[-1] for line in out.getvalue().splitlines()]
    assert view.title == "digits: 2 clients, iid split, run digits-1"
    assert lines == [
        "site-1 joined (1 live)",
        "round 1/2: 2 client(s), 0.50 s, global model before it: val_acc 0.5000, best: -",
        "site-2 exited with status 1",
        "final global model: val_acc 0.7500",
    ]
