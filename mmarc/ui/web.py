"""What every page handler shares: the UI's state, sessions, CSRF-checked forms, rendering.

Why one module: each step is its own router module, and all of them must check the
session, the CSRF token and the body size the same way and render inside the same
layout (the steps and the project's state always visible); keeping that here means a
step cannot forget a check.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.datastructures import FormData

from mmarc.ui.auth import COOKIE, Session, Sessions
from mmarc.ui.db import Database
from mmarc.ui.rights import Gate
from mmarc.ui.run_state import latest_run
from mmarc.ui.workspace import Workspace

if TYPE_CHECKING:
    from mmarc.ui.recorder import RunWatcher

__all__ = [
    "FORM_LIMIT_BYTES",
    "STEPS",
    "UPLOAD_LIMIT_BYTES",
    "LoginRequired",
    "UiState",
    "logged_in",
    "posted",
    "render",
    "set_session_cookie",
    "text_of",
    "ui_of",
]

#: The page flow, in order: (path, title).
STEPS = (
    ("/provision", "1. Provision"),
    ("/download", "2. Download kits"),
    ("/upload", "3. Upload MMAR"),
    ("/settings/server", "4. Server settings"),
    ("/settings/client", "5. Client settings"),
    ("/training", "6. Training"),
    ("/results", "7. Results"),
    ("/runs", "Runs"),
)
#: Largest form body (everything but MMAR uploads).
FORM_LIMIT_BYTES = 1024 * 1024
#: Largest MMAR zip accepted by the upload step.
UPLOAD_LIMIT_BYTES = 256 * 1024 * 1024


@dataclass
class UiState:
    """Everything the handlers share, kept on ``app.state.ui``."""

    workspace: Workspace
    db: Database
    sessions: Sessions
    gate: Gate
    templates: Jinja2Templates
    watcher: RunWatcher


class LoginRequired(Exception):
    """Raised by :func:`logged_in` without a logged-in session; answered by a redirect."""


def ui_of(request: Request) -> UiState:
    state: UiState = request.app.state.ui
    return state


def _session(request: Request) -> Session | None:
    return ui_of(request).sessions.get(request.cookies.get(COOKIE))


def logged_in(request: Request) -> Session:
    """The request's logged-in session; :class:`LoginRequired` otherwise."""
    session = _session(request)
    if session is None or session.email is None:
        raise LoginRequired()
    return session


def set_session_cookie(response: Response, request: Request, session: Session) -> None:
    """The session cookie: HttpOnly, SameSite=Strict, Secure over HTTPS."""
    response.set_cookie(
        COOKIE,
        session.token,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )


def render(
    request: Request,
    template: str,
    *,
    status_code: int = 200,
    session: Session | None = None,
    **values: Any,
) -> HTMLResponse:
    """``template`` inside the layout, with the session's CSRF token and the project state.

    A request without a session gets a new anonymous one (so the log-in form has a token).
    """
    ui = ui_of(request)
    fresh = False
    if session is None:
        session = _session(request)
    if session is None:
        session, fresh = ui.sessions.new(), True
    latest = latest_run(ui.db) if session.email is not None else None
    context = {
        "csrf": session.csrf,
        "user": session.email,
        "state": ui.workspace.state(),
        "latest_run": latest,
        "steps": STEPS,
        "path": request.url.path,
        **values,
    }
    response = ui.templates.TemplateResponse(request, template, context, status_code=status_code)
    if fresh:
        set_session_cookie(response, request, session)
    return response


async def posted(
    request: Request,
    *,
    max_bytes: int = FORM_LIMIT_BYTES,
    max_files: int = 0,
    login: bool = True,
) -> tuple[Session, FormData]:
    """A POST's form, after the checks every form gets, in this order: a session exists
    (and is logged in, unless ``login`` is False), the declared body size is within
    ``max_bytes`` (checked before reading a byte), and the form's CSRF token is the
    session's. Raises 403/411/413 :class:`HTTPException` otherwise."""
    session = _session(request)
    if session is None or (login and session.email is None):
        raise HTTPException(403, "no valid session: log in again")
    length = request.headers.get("content-length")
    if length is None or not length.isdigit():
        raise HTTPException(411, "a form must declare its length")
    if int(length) > max_bytes:
        raise HTTPException(413, f"the form is larger than {max_bytes} bytes")
    form = await request.form(max_files=max_files, max_fields=1000, max_part_size=max_bytes)
    token = form.get("csrf")
    if not isinstance(token, str) or not session.csrf_ok(token):
        raise HTTPException(403, "the form's CSRF token is missing or wrong: reload the page")
    return session, form


def text_of(form: FormData, name: str, limit: int = 10_000) -> str:
    """A text field of ``form`` ('' when absent or a file), cut at ``limit`` characters."""
    value = form.get(name)
    return value[:limit] if isinstance(value, str) else ""
