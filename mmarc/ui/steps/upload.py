"""Step 3: an MMAR as a zip, unpacked safely, validated and linted, kept only when clean.

The zip is unpacked by :func:`mmarc.ui.zipupload.stage_zip` into a private staging
folder; ``mmarc lint`` runs on it and every diagnostic is shown as the same code frame the
CLI prints. An MMAR with errors is discarded; a clean one replaces ``mmars/NAME``. The
federation sees it only when the settings steps deploy it (through the admin service).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.datastructures import UploadFile

from mmarc import api
from mmarc.errors import MmarcError
from mmarc.runtime.security.uploads import discard_upload, install_upload
from mmarc.ui.errors import UiError
from mmarc.ui.web import UPLOAD_LIMIT_BYTES, logged_in, posted, render, ui_of
from mmarc.ui.zipupload import stage_zip

__all__ = ["router"]

router = APIRouter()


@router.get("/upload", response_class=HTMLResponse)
def upload_page(request: Request) -> HTMLResponse:
    return render(request, "upload.html", session=logged_in(request))


@router.post("/upload", response_class=HTMLResponse)
async def upload_post(request: Request) -> HTMLResponse:
    session, form = await posted(request, max_bytes=UPLOAD_LIMIT_BYTES, max_files=1)
    ui = ui_of(request)
    upload = form.get("mmar")
    if not isinstance(upload, UploadFile):
        return render(
            request,
            "upload.html",
            status_code=400,
            session=session,
            error="choose a zip file of the MMAR",
        )
    try:
        ui.gate.require(session.email or "", "upload_folder", args=[upload.filename or ""])
        staged = stage_zip(upload.file, upload.filename or "upload.zip", ui.workspace.staging)
    except MmarcError as exc:
        status = 403 if isinstance(exc, UiError) else 400
        return render(
            request, "upload.html", status_code=status, session=session, error=exc.one_line()
        )
    try:
        validation = api.lint(staged, cwd=staged.parent)
        frames = api.render_diagnostics(validation, staged.name)
        if validation.diagnostics.has_errors():
            return render(
                request,
                "upload.html",
                status_code=400,
                session=session,
                frames=frames,
                error=f"{staged.name} has errors; it was not kept",
            )
        install_upload(staged, ui.workspace.mmars / staged.name)
    except MmarcError as exc:
        return render(
            request, "upload.html", status_code=400, session=session, error=exc.one_line()
        )
    finally:
        if staged.exists():
            discard_upload(staged)
    return render(request, "upload.html", session=session, frames=frames, kept=staged.name)
