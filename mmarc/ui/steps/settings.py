"""Steps 4 and 5: server and client settings as forms generated from the JSON schemas,
and "apply" = validate + compile + deploy.

The server form is the schema's ``ServerEntry`` (the round settings of
``config_fed_server.json``) plus one aggregation weight per provisioned site; the client
form is the schema of the client settings (``config_fed_client.json``), plus each site's
own environment values (``DATA_ROOT``, the datalist), which stay with the site: they are
recorded with the run and given to the site's ``start.sh`` as ``--set``. Apply writes
the values into the uploaded MMAR, lints it (diagnostics at their fields), compiles it,
and deploys it as the logged-in admin: upload, a new run number, deploy to the server
and to every client, each step authorized by the admin service.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from mmarc import api
from mmarc.errors import MmarcError
from mmarc.ui.admin_link import ask_many
from mmarc.ui.db import Run
from mmarc.ui.errors import UiError
from mmarc.ui.forms import FormField, apply_fields, attach_diagnostics, fields_from_schema
from mmarc.ui.web import logged_in, posted, render, text_of, ui_of
from mmarc.ui.workspace import Workspace

__all__ = ["client_fields", "router", "server_fields", "site_environments"]

router = APIRouter()

SERVER_FILE = "config_fed_server.json"
CLIENT_FILE = "config_fed_client.json"
#: Where the client settings live in config_fed_client.json.
CLIENT_POINTERS = {
    "local_epochs": "/client_trainer/args/local_epochs",
    "steps_aggregation": "/client_trainer/args/steps_aggregation",
    "fedprox_mu": "/client_trainer/args/fedprox_mu",
}
#: The environment values each site sets for itself.
SITE_VARIABLES = ("DATA_ROOT", "DATASET_JSON")
SITE_ENV_FILE = "site_environment.json"


def _config(mmar: Path, name: str) -> Path:
    path = mmar / "config" / name
    if not path.is_file():
        raise UiError(f"{mmar.name} has no config/{name}: not a federated MMAR")
    return path


def server_fields(mmar: Path, sites: tuple[str, ...]) -> list[FormField]:
    """The server form: ServerEntry's scalar properties, and a weight per site."""
    from mmarc.compiler.kinds import FileKind
    from mmarc.compiler.schemas.export import json_schema

    schema = json_schema(FileKind.FED_SERVER)
    document = json.loads(_config(mmar, SERVER_FILE).read_text("utf-8"))
    fields = fields_from_schema(schema, schema["$defs"]["ServerEntry"], document, "/servers/0")
    weights = (document.get("aggregator") or {}).get("args", {}).get("aggregation_weights")
    weights = weights if isinstance(weights, Mapping) else {}
    for site in sites:
        fields.append(
            FormField(
                name=f"weight:{site}",
                label=f"aggregation weight of {site}",
                pointer=f"/aggregator/args/aggregation_weights/{site}",
                kind="number",
                value=weights.get(site, 1.0),
                description=f"FedAvg weight of {site}'s updates (times its local steps).",
                minimum=0,
            )
        )
    return fields


def client_fields(mmar: Path) -> list[FormField]:
    """The client form: the client settings schema's scalar properties."""
    from mmarc.plan.fl import FLClientSettings

    schema = FLClientSettings.model_json_schema()
    document = json.loads(_config(mmar, CLIENT_FILE).read_text("utf-8"))
    return fields_from_schema(schema, schema, document, "", pointers=CLIENT_POINTERS)


def site_environments(workspace: Workspace, mmar: Path) -> dict[str, dict[str, str]]:
    """Each site's environment values: saved ones, else the MMAR's environment.json."""
    try:
        env = json.loads((mmar / "config" / "environment.json").read_text("utf-8"))
    except (OSError, ValueError):
        env = {}
    try:
        saved = json.loads((workspace.root / SITE_ENV_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        saved = {}
    out = {}
    for site in workspace.state().sites:
        mine = saved.get(site) if isinstance(saved.get(site), dict) else {}
        out[site] = {v: str(mine.get(v, env.get(v, ""))) for v in SITE_VARIABLES}
    return out


def start_command(site: str, values: Mapping[str, str]) -> str:
    sets = " ".join(f"--set {shlex.quote(f'{k}={v}')}" for k, v in values.items() if v)
    return f"{site}/startup/start.sh {sets}".strip()


def _chosen_mmar(request: Request, name: str | None) -> Path:
    workspace = ui_of(request).workspace
    mmars = workspace.state().mmars
    if not mmars:
        raise UiError("upload an MMAR first (step 3)")
    return workspace.mmar(name or mmars[-1])


def _page(request: Request, side: str, **values: Any) -> HTMLResponse:
    session = values.pop("session", None) or logged_in(request)
    workspace = ui_of(request).workspace
    try:
        mmar = values.pop("mmar", None) or _chosen_mmar(request, request.query_params.get("mmar"))
        fields = values.pop("fields", None) or (
            server_fields(mmar, workspace.state().sites)
            if side == "server"
            else client_fields(mmar)
        )
    except MmarcError as exc:
        return render(
            request,
            "settings.html",
            status_code=400,
            session=session,
            side=side,
            fields=[],
            error=exc.one_line(),
        )
    env = values.pop("env", None) or site_environments(workspace, mmar)
    commands = {site: start_command(site, v) for site, v in env.items()}
    return render(
        request,
        "settings.html",
        session=session,
        side=side,
        mmar=mmar.name,
        fields=fields,
        env=env,
        commands=commands,
        **values,
    )


@router.get("/settings/{side}", response_class=HTMLResponse)
def settings_page(request: Request, side: str) -> HTMLResponse:
    if side not in ("server", "client"):
        return render(
            request,
            "settings.html",
            status_code=404,
            side="server",
            fields=[],
            error="no such settings page",
            session=logged_in(request),
        )
    return _page(request, side)


def _deploy(
    request: Request, email: str, mmar: Path, env: dict[str, dict[str, str]], plan_sha256: str
) -> tuple[Run | None, list[Any]]:
    """Record a new run and deploy ``mmar`` for it as ``email``; (None, answers) on failure."""
    ui = ui_of(request)
    sites = ui.workspace.state().sites
    params = {
        "server": {f.name: f.value for f in server_fields(mmar, sites)},
        "client": {f.name: f.value for f in client_fields(mmar)},
        "sites": env,
    }
    with ui.db.session() as s:
        run = Run(
            email=email,
            mmar=mmar.name,
            plan_sha256=plan_sha256,
            status="deploying",
            params=params,
            artifacts=[],
            note="",
        )
        s.add(run)
        s.commit()
        run_id = run.id
    answers = ask_many(
        ui.workspace,
        email,
        [
            ("upload_folder", [str(mmar)]),
            ("set_run_number", [str(run_id)]),
            ("deploy", [mmar.name, "server"]),
            ("deploy", [mmar.name, "client"]),
        ],
        timeout_s=120,
    )
    with ui.db.session() as s:
        row = s.get(Run, run_id)
        assert row is not None
        if all(a.ok for a in answers) and len(answers) == 4:
            row.status = "deployed"
            s.commit()
            return row, answers
        s.delete(row)
        s.commit()
    return None, answers


@router.post("/settings/{side}", response_class=HTMLResponse)
async def settings_post(request: Request, side: str) -> HTMLResponse:
    session, form = await posted(request)
    ui = ui_of(request)
    email = session.email or ""
    try:
        mmar = _chosen_mmar(request, text_of(form, "mmar", 128) or None)
        sites = ui.workspace.state().sites
        fields = server_fields(mmar, sites) if side == "server" else client_fields(mmar)
    except MmarcError as exc:
        return _page(request, "server", session=session, error=exc.one_line())
    file_name = SERVER_FILE if side == "server" else CLIENT_FILE
    posted_values = {f.name: text_of(form, f.name, 1000) for f in fields if f.name in form}
    fields = apply_fields(_config(mmar, file_name), fields, posted_values)
    env = site_environments(ui.workspace, mmar)
    if side == "client":
        for site in env:
            for var in SITE_VARIABLES:
                env[site][var] = text_of(form, f"env:{site}:{var}", 1000)
        (ui.workspace.root / SITE_ENV_FILE).write_text(json.dumps(env, indent=1), "utf-8")
    validation = api.lint(mmar, cwd=mmar.parent)
    fields, _ = attach_diagnostics(fields, validation.diagnostics, file_name)
    frames = api.render_diagnostics(validation, mmar.name) if list(validation.diagnostics) else ""
    common = {"session": session, "mmar": mmar, "fields": fields, "env": env, "frames": frames}
    if validation.diagnostics.has_errors():
        return _page(
            request, side, status_code=400, error="not applied: fix the errors shown", **common
        )
    if "deploy" not in form:
        return _page(request, side, saved=True, **common)
    try:
        ui.gate.require(email, "deploy", [*sites, "server"], args=[mmar.name])
        compiled = api.compile_plan(mmar, cwd=mmar.parent)
        if compiled.plan is None:
            raise UiError("the MMAR does not compile")
    except MmarcError as exc:
        return _page(
            request,
            side,
            status_code=403 if isinstance(exc, UiError) else 400,
            error=exc.one_line(),
            **common,
        )
    run, answers = _deploy(request, email, mmar, env, compiled.plan.sha256)
    if run is None:
        return _page(
            request,
            side,
            status_code=400,
            answers=answers,
            error="not deployed: the admin service said no",
            **common,
        )
    return _page(request, side, answers=answers, deployed=run.id, **common)
