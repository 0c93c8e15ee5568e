"""Step 2: each kit as an AES-encrypted zip whose fresh password is shown once.

The password is generated for this download, shown on the page that made the zip and
stored nowhere (the database never sees it); making the zip again makes a new password.
Only participants the project provisioned can be named (no path ever comes from the
request), and handing out a kit is a super-role action, except an admin's own kit.
"""

from __future__ import annotations

import secrets

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse

from mmarc.runtime.provision.zipkit import zip_kit
from mmarc.runtime.security.authz import Decision
from mmarc.ui.errors import UiError
from mmarc.ui.web import logged_in, posted, render, ui_of

__all__ = ["router"]

router = APIRouter()


def _allowed(request: Request, email: str, name: str) -> None:
    ui = ui_of(request)
    if name == email and name in ui.workspace.state().admins:
        ui.gate.record(email, "download_kit", Decision(True, "an admin's own kit"), args=[name])
        return
    ui.gate.require(email, "download_kit", args=[name])


@router.get("/download", response_class=HTMLResponse)
def download_page(request: Request) -> HTMLResponse:
    return render(request, "download.html", session=logged_in(request))


@router.post("/download/{name}", response_class=HTMLResponse)
async def make_zip(request: Request, name: str) -> HTMLResponse:
    session, _ = await posted(request)
    ui = ui_of(request)
    try:
        kit = ui.workspace.kit(name)
        _allowed(request, session.email or "", name)
    except UiError as exc:
        return render(request, "download.html", status_code=403, session=session, error=str(exc))
    password = secrets.token_urlsafe(15)
    zips = ui.workspace.staging / "zips"
    zips.mkdir(parents=True, exist_ok=True, mode=0o700)
    zip_kit(kit, zips / f"{kit.name}.zip", password)
    return render(request, "download.html", session=session, made=kit.name, password=password)


@router.get("/download/{name}.zip")
def get_zip(request: Request, name: str) -> FileResponse:
    session = logged_in(request)
    ui = ui_of(request)
    try:
        kit = ui.workspace.kit(name)
        _allowed(request, session.email or "", name)
    except UiError as exc:
        raise HTTPException(403, str(exc)) from None
    path = ui.workspace.staging / "zips" / f"{kit.name}.zip"
    if not path.is_file():
        raise HTTPException(404, "make the zip first (its password is shown then)")
    return FileResponse(path, media_type="application/zip", filename=f"{kit.name}.zip")
