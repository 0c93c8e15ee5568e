"""The web application: ``create_app(workspace)`` builds it, ``serve`` runs it.

Why a factory: tests build the same application the command serves, over a real
database file, and nothing is global. The app mounts the step routers, the packaged
static assets (no CDN: hospital networks are often offline), the log-in pages, and two
handlers: a page without a session goes to the log-in form, and an HTTP error is a page
with the reason. Every response carries headers that keep pages out of frames and
scripts to this origin.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from mmarc.ui.auth import COOKIE, Sessions, check_password
from mmarc.ui.db import database_of
from mmarc.ui.recorder import RunWatcher
from mmarc.ui.rights import Gate
from mmarc.ui.steps import download, provision, results, runs, settings, training, upload
from mmarc.ui.web import LoginRequired, UiState, posted, render, set_session_cookie, text_of
from mmarc.ui.workspace import Workspace

__all__ = ["create_app", "serve"]

HERE = Path(__file__).resolve().parent
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
    "style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def create_app(workspace: Path, db_url: str | None = None) -> FastAPI:
    """The UI application over ``workspace`` (created if missing) and its database.

    Args:
        workspace: the project's UI folder.
        db_url: a SQLAlchemy URL (PostgreSQL...); default ``sqlite:///WORKSPACE/ui.db``.
    """
    ws = Workspace(Path(workspace).resolve()).prepare()
    db = database_of(ws, db_url)
    watcher = RunWatcher(ws, db)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        watcher.resume()
        yield
        watcher.close()
        db.close()

    app = FastAPI(title="mmarc", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)
    app.state.ui = UiState(
        workspace=ws,
        db=db,
        sessions=Sessions(db),
        gate=Gate(ws),
        templates=Jinja2Templates(directory=str(HERE / "templates")),
        watcher=watcher,
    )
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    @app.middleware("http")
    async def headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        for key, value in SECURITY_HEADERS.items():
            response.headers.setdefault(key, value)
        return response

    @app.exception_handler(LoginRequired)
    async def to_login(request: Request, exc: LoginRequired) -> Response:
        return RedirectResponse("/login", status_code=303)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        return render(request, "error.html", status_code=exc.status_code, error=exc.detail)

    @app.get("/", response_class=HTMLResponse)
    def index(request: Request) -> Response:
        return RedirectResponse("/provision", status_code=303)

    @app.get("/login", response_class=HTMLResponse)
    def login_page(request: Request) -> HTMLResponse:
        return render(request, "login.html")

    @app.post("/login", response_class=HTMLResponse)
    async def login(request: Request) -> Response:
        session, form = await posted(request, login=False)
        ui = app.state.ui
        email, password = text_of(form, "email", 254).strip(), text_of(form, "password", 1024)
        if not check_password(ui.db, email, password):
            return render(
                request,
                "login.html",
                status_code=401,
                session=session,
                error="wrong e-mail or password",
            )
        fresh = ui.sessions.log_in(request.cookies.get(COOKIE), email)
        response = RedirectResponse("/provision", status_code=303)
        set_session_cookie(response, request, fresh)
        return response

    @app.post("/logout")
    async def logout(request: Request) -> Response:
        await posted(request)
        app.state.ui.sessions.end(request.cookies.get(COOKIE))
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(COOKIE, path="/")
        return response

    for module in (provision, download, upload, settings, training, results, runs):
        app.include_router(module.router)
    return app


def serve(
    workspace: Path, *, host: str = "127.0.0.1", port: int = 8080, db_url: str | None = None
) -> None:
    """Serve the UI until interrupted (uvicorn, one process)."""
    import uvicorn

    app = create_app(workspace, db_url)
    uvicorn.run(app, host=host, port=port, log_level="warning")
