"""Step 6: start, abort and shut down the federation, and watch it live.

Every button is an admin command sent as the logged-in admin; the UI decides nothing
itself, so a user without the right to train is refused by the server and the page
shows the server's reason. The live panel is a server-sent event stream: about once a
second the server's state, each site's state, the global model's metric series and the
run's record, as the admin service answers them to this user. Each of those looks is
also handed to the run watcher, so the record (the heading, the top bar, the Runs page)
ends the moment the server says the run did, and the page shows that record.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, StreamingResponse

from mmarc.ui.admin_link import AdminAnswer, ask, ask_many
from mmarc.ui.db import Run
from mmarc.ui.recorder import metric_series
from mmarc.ui.run_state import ABORTED, RUNNING, latest_run, start_run
from mmarc.ui.web import logged_in, posted, render, ui_of

__all__ = ["live_event", "router", "snapshot"]

router = APIRouter()

STREAM_INTERVAL_S = 1.5
#: How long ``start client`` is retried while the server is still starting its round loop.
CLIENT_START_WAIT_S = 20.0
_ACTIONS = {
    "start": (("start", ["server"]), ("start", ["client"])),
    "abort": (("abort", ["client"]), ("abort", ["server"])),
    "shutdown": (("shutdown", ["client"]), ("shutdown", ["server"])),
}


@router.get("/training", response_class=HTMLResponse)
def training_page(request: Request) -> HTMLResponse:
    session = logged_in(request)
    ui = ui_of(request)
    ui.watcher.look_at_running(session.email or "")
    return render(request, "training.html", session=session, run=latest_run(ui.db))


def _start(request: Request, email: str) -> list[AdminAnswer]:
    ui = ui_of(request)
    first = ask(ui.workspace, email, "start", ["server"])
    answers = [first]
    if not first.ok:
        return answers
    deadline = time.monotonic() + CLIENT_START_WAIT_S
    while True:
        answer = ask(ui.workspace, email, "start", ["client"])
        if answer.ok or "before its clients" not in answer.text or time.monotonic() > deadline:
            answers.append(answer)
            return answers
        time.sleep(0.5)


@router.post("/training/{action}", response_class=HTMLResponse)
async def training_action(request: Request, action: str) -> HTMLResponse:
    session, _ = await posted(request)
    ui = ui_of(request)
    email = session.email or ""
    run = latest_run(ui.db)
    if action not in _ACTIONS:
        return render(
            request,
            "training.html",
            status_code=404,
            session=session,
            run=run,
            error=f"no action {action[:20]!r}",
        )
    if action == "start":
        answers = await anyio.to_thread.run_sync(_start, request, email)
    else:
        answers = await anyio.to_thread.run_sync(
            lambda: ask_many(ui.workspace, email, list(_ACTIONS[action]), stop_at_failure=False)
        )
    ok = all(a.ok for a in answers)
    if run is not None and ok and action == "start":
        run = start_run(ui.db, run.id)
        if run is not None:
            ui.watcher.watch(run.id, email)
    elif run is not None and ok and run.status == RUNNING:  # abort, shutdown: accepted
        run_id, note = run.id, f"{action} by {email}"
        await anyio.to_thread.run_sync(lambda: ui.watcher.end(run_id, ABORTED, note))
        run = latest_run(ui.db)
    refused = next((a for a in answers if not a.ok), None)
    return render(
        request,
        "training.html",
        status_code=200 if ok else 403,
        session=session,
        run=run,
        answers=answers,
        error=f"{refused.command}: {refused.text}" if refused else None,
    )


def live_event(answers: list[AdminAnswer], run: Run | None) -> dict[str, Any]:
    """The live panel's event from the answers to ``check_status server``, ``check_status
    client`` and ``metrics``, and the run's record (after those answers were recorded).

    ``series`` (:func:`~mmarc.ui.recorder.metric_series`) is what both the status line
    and the chart show: the status line is its last point.
    """
    server, clients, metrics = (a.data if a.ok else None for a in answers)
    rows = metrics.get("metrics") if isinstance(metrics, dict) else None
    same_run = isinstance(metrics, dict) and run is not None and metrics.get("run_number") == run.id
    return {
        "server": server if isinstance(server, dict) else None,
        "clients": clients if isinstance(clients, dict) else {},
        "series": metric_series(rows if same_run and isinstance(rows, list) else []),
        "run": None
        if run is None
        else {"id": run.id, "mmar": run.mmar, "status": run.status, "note": run.note},
        "refused": "; ".join(f"{a.command}: {a.text}" for a in answers if not a.ok),
    }


def snapshot(request: Request, email: str) -> dict[str, Any]:
    """One status event as ``email`` (:func:`live_event`); the look ends the latest
    run's record if the server says the run ended."""
    ui = ui_of(request)
    answers = ask_many(
        ui.workspace,
        email,
        [("check_status", ["server"]), ("check_status", ["client"]), ("metrics", [])],
        timeout_s=10,
        stop_at_failure=False,
    )
    run = latest_run(ui.db)
    if run is not None and run.status == RUNNING:
        ui.watcher.record(run.id, answers[0], answers[2])
        run = latest_run(ui.db)
    return live_event(answers, run)


@router.get("/training/events")
async def training_events(request: Request) -> StreamingResponse:
    session = logged_in(request)
    email = session.email or ""

    async def stream() -> AsyncIterator[str]:
        while not await request.is_disconnected():
            event = await anyio.to_thread.run_sync(snapshot, request, email)
            yield f"data: {json.dumps(event, default=str)}\n\n"
            await asyncio.sleep(STREAM_INTERVAL_S)

    return StreamingResponse(
        stream(), media_type="text/event-stream", headers={"Cache-Control": "no-store"}
    )
