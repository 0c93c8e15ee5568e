"""Step 6: start, abort and shut down the federation, and watch it live.

Every button is an admin command sent as the logged-in admin; the UI decides nothing
itself, so a user without the right to train is refused by the server and the page
shows the server's reason. The live panel is a server-sent event stream: about once a
second the server's state, each site's state and the metrics rows, as the admin service
answers them to this user.
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
from mmarc.ui.db import Run, utcnow
from mmarc.ui.recorder import main_metric
from mmarc.ui.steps.settings import latest_run
from mmarc.ui.web import logged_in, posted, render, ui_of

__all__ = ["router"]

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
    return render(request, "training.html", session=logged_in(request), run=latest_run(request))


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
    run = latest_run(request)
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
    if run is not None and ok:
        with ui.db.session() as s:
            row = s.get(Run, run.id)
            if row is not None and action == "start":
                row.status, row.started_at = "running", utcnow()
            elif row is not None and action == "abort" and row.status == "running":
                row.status, row.finished_at = "aborted", utcnow()
            s.commit()
            run = row
        if action == "start" and run is not None:
            ui.watcher.watch(run.id, email)
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


def snapshot(request: Request, email: str) -> dict[str, Any]:
    """One status event: the server, each site and the metric per round, as ``email``."""
    ui = ui_of(request)
    answers = ask_many(
        ui.workspace,
        email,
        [("check_status", ["server"]), ("check_status", ["client"]), ("metrics", [])],
        timeout_s=10,
        stop_at_failure=False,
    )
    server, clients, metrics = (a.data if a.ok else None for a in answers)
    rows = (metrics or {}).get("metrics") if isinstance(metrics, dict) else None
    points = [
        {"round": r.get("round"), "phase": r.get("phase", "round"), "metric": main_metric(r)}
        for r in rows or []
        if isinstance(r, dict)
    ]
    return {
        "server": server if isinstance(server, dict) else None,
        "clients": clients if isinstance(clients, dict) else {},
        "points": points,
        "refused": "; ".join(f"{a.command}: {a.text}" for a in answers if not a.ok),
    }


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
