"""Run records: every run listed, two runs side by side, study results imported.

The database is the UI's own record (who ran what, with which parameters, what came
out); reading it needs the view right over the server, importing a study's results.csv
needs the right to upload, both decided by the project's policy and audited.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from starlette.datastructures import UploadFile

from mmarc.errors import MmarcError
from mmarc.runtime.security.authz import SERVER_SITE
from mmarc.ui.db import Run
from mmarc.ui.errors import UiError
from mmarc.ui.studies import import_study_csv, study_summaries
from mmarc.ui.web import logged_in, posted, render, text_of, ui_of

__all__ = ["flatten", "router"]

router = APIRouter()
STUDY_CSV_LIMIT = 32 * 1024 * 1024


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """Nested parameters as ``a.b.c`` -> value, for a side-by-side table."""
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, inner in value.items():
            out.update(flatten(inner, f"{prefix}.{key}" if prefix else str(key)))
        return out
    return {prefix: value}


def _runs(request: Request, ids: list[int] | None = None) -> list[Run]:
    with ui_of(request).db.session() as s:
        query = select(Run).options(selectinload(Run.rounds)).order_by(Run.id.desc())
        if ids is not None:
            query = query.where(Run.id.in_(ids))
        return list(s.scalars(query).all())


def _page(request: Request, **values: Any) -> HTMLResponse:
    session = values.pop("session", None) or logged_in(request)
    ui = ui_of(request)
    try:
        ui.gate.require(session.email or "", "metrics", [SERVER_SITE])
    except UiError as exc:
        return render(
            request,
            "runs.html",
            status_code=403,
            session=session,
            runs=[],
            studies=[],
            error=str(exc),
        )
    ui.watcher.look_at_running(session.email or "")
    return render(
        request,
        "runs.html",
        session=session,
        runs=_runs(request),
        studies=study_summaries(ui.db),
        **values,
    )


@router.get("/runs", response_class=HTMLResponse)
def runs_page(request: Request) -> HTMLResponse:
    return _page(request)


@router.get("/runs/compare", response_class=HTMLResponse)
def compare(request: Request, a: int = 0, b: int = 0) -> HTMLResponse:
    session = logged_in(request)
    ui = ui_of(request)
    try:
        ui.gate.require(session.email or "", "metrics", [SERVER_SITE])
    except UiError as exc:
        return _page(request, session=session, error=str(exc))
    runs = {r.id: r for r in _runs(request, [a, b])}
    if a not in runs or b not in runs:
        return _page(request, session=session, error="choose two recorded runs to compare")
    left, right = runs[a], runs[b]
    lp, rp = flatten(left.params), flatten(right.params)
    params = [(k, lp.get(k), rp.get(k)) for k in sorted(set(lp) | set(rp))]
    rounds = sorted({m.round for m in left.rounds} | {m.round for m in right.rounds})
    lm = {m.round: m.metric for m in left.rounds if m.phase == "round"}
    rm = {m.round: m.metric for m in right.rounds if m.phase == "round"}
    metrics = [(n, lm.get(n), rm.get(n)) for n in rounds]
    return render(
        request,
        "compare.html",
        session=session,
        left=left,
        right=right,
        params=params,
        metrics=metrics,
    )


@router.post("/runs/import-study", response_class=HTMLResponse)
async def import_study_post(request: Request) -> HTMLResponse:
    session, form = await posted(request, max_bytes=STUDY_CSV_LIMIT, max_files=1)
    ui = ui_of(request)
    upload = form.get("results")
    study = text_of(form, "study", 256).strip() or "study"
    try:
        ui.gate.require(session.email or "", "upload_folder", args=[study])
        if not isinstance(upload, UploadFile):
            raise UiError("choose a results.csv file")
        raw = await upload.read(STUDY_CSV_LIMIT + 1)
        if len(raw) > STUDY_CSV_LIMIT:
            raise UiError("results.csv is too large")
        count = import_study_csv(ui.db, study, raw.decode("utf-8", errors="replace"))
    except MmarcError as exc:
        return _page(request, session=session, error=exc.one_line())
    return _page(request, session=session, imported=f"{count} rows of study {study}")
