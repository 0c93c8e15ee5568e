"""Step 7: a run's results: its files, global models, the cross-site validation matrix.

What the page shows comes from the admin service as the logged-in admin (``ls`` of the
run folder, ``validate`` for ``cross_val_results.json``), so the server authorizes and
audits every look. A download names a path inside the server's run folder: it must be a
canonical relative path (no ``..``, no absolute path, no link), the admin service must
list it to this user as a regular file, and only then are its bytes read from the server
kit's run folder in this workspace, resolved strictly inside it; text files of a remote
server come through ``cat`` instead.
"""

from __future__ import annotations

import math
import os
import stat
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, PlainTextResponse, Response
from sqlalchemy import select

from mmarc.runtime.security.uploads import UploadRefused, safe_relpath
from mmarc.ui.admin_link import ask, ask_many
from mmarc.ui.db import Run
from mmarc.ui.errors import UiError
from mmarc.ui.web import logged_in, render, ui_of

__all__ = ["matrix", "router"]

router = APIRouter()


def _number(value: Any) -> float | None:
    if isinstance(value, Mapping):
        for inner in value.values():
            found = _number(inner)
            if found is not None:
                return found
        return None
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def matrix(results: Mapping[str, Any]) -> dict[str, Any]:
    """``cross_val_results.json`` ({data site: {model owner: metrics}}) as rows and columns
    with one number and a colour bucket per cell (0 red, lowest ... 10 green, highest)."""
    sources = sorted(str(k) for k in results)
    targets = sorted({str(t) for v in results.values() if isinstance(v, Mapping) for t in v})
    values = {
        (s, t): _number(results[s].get(t)) if isinstance(results[s], Mapping) else None
        for s in sources
        for t in targets
    }
    numbers = [v for v in values.values() if v is not None]
    low, high = (min(numbers), max(numbers)) if numbers else (0.0, 1.0)
    rows = []
    for s in sources:
        cells = []
        for t in targets:
            v = values[(s, t)]
            share = 1.0 if v is None or high == low else (v - low) / (high - low)
            cells.append({"value": v, "bucket": "none" if v is None else round(10 * share)})
        rows.append({"source": s, "cells": cells})
    return {"targets": targets, "rows": rows}


def _run(request: Request, run_id: str | None) -> Run | None:
    with ui_of(request).db.session() as s:
        query = select(Run).order_by(Run.id.desc())
        if run_id and run_id.isdigit():
            query = select(Run).where(Run.id == int(run_id))
        run = s.scalars(query.limit(1)).first()
        if run is not None:
            _ = run.rounds  # loaded before the session closes
        return run


@router.get("/results", response_class=HTMLResponse)
def results_page(request: Request) -> HTMLResponse:
    session = logged_in(request)
    ui = ui_of(request)
    ui.watcher.look_at_running(session.email or "")
    run = _run(request, request.query_params.get("run"))
    if run is None:
        return render(request, "results.html", session=session, run=None)
    folder = f"run_{run.id}"
    answers = ask_many(
        ui.workspace,
        session.email or "",
        [("validate", []), ("ls", [f"{folder}/server"]), ("ls", ["logs"])],
        stop_at_failure=False,
    )
    cross = answers[0].data if answers[0].ok and isinstance(answers[0].data, Mapping) else {}
    listings = []
    for answer in answers[1:]:
        if answer.ok and isinstance(answer.data, Mapping):
            base = str(answer.data.get("path") or "")
            entries = [e for e in answer.data.get("entries") or [] if isinstance(e, Mapping)]
            listings.append({"path": base, "entries": entries})
    refused = [f"{a.command}: {a.text}" for a in answers if not a.ok]
    return render(
        request,
        "results.html",
        session=session,
        run=run,
        matrix=matrix(cross),
        listings=listings,
        refused=refused,
    )


def _local_file(request: Request, rel: str) -> Path | None:
    """The file at ``rel`` in this workspace's server run folder, strictly inside it."""
    try:
        root = (ui_of(request).workspace.server_kit() / "runs").resolve()
    except UiError:
        return None
    path = root / rel
    try:
        st = os.lstat(path)
    except OSError:
        return None
    real = path.resolve()
    if not stat.S_ISREG(st.st_mode) or root not in real.parents:
        return None
    return real


@router.get("/results/file", response_model=None)
def result_file(request: Request, path: str = "") -> Response:
    session = logged_in(request)
    try:
        rel = safe_relpath(path)
    except UploadRefused as exc:
        raise HTTPException(400, f"refused: {exc}") from None
    ui = ui_of(request)
    parent = str(PurePosixPath(rel).parent)
    listing = ask(ui.workspace, session.email or "", "ls", [] if parent == "." else [parent])
    if not listing.ok:
        raise HTTPException(403, listing.text)
    name = PurePosixPath(rel).name
    entries = listing.data.get("entries", []) if isinstance(listing.data, Mapping) else []
    if not any(e.get("name") == name and e.get("type") == "file" for e in entries):
        raise HTTPException(404, f"{rel}: not a file of the run folder")
    local = _local_file(request, rel)
    if local is not None:
        return FileResponse(local, filename=name)
    text = ask(ui.workspace, session.email or "", "cat", [rel])
    if not text.ok:
        raise HTTPException(403, text.text)
    return PlainTextResponse(text.text)
