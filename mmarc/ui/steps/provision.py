"""Step 1: the project as a form, checked by the compiler, then provisioned into kits.

The form's values become a Clara 4.0 ``project.yml`` (written by a YAML emitter, never by
pasting text) and the policy an ``authz_config.json``; both are validated exactly as
``mmarc provision`` validates them, each located diagnostic is shown at the field its
pointer concerns, and only a clean project is provisioned (kits in ``WORKSPACE/kits``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from mmarc import api
from mmarc.errors import MmarcError
from mmarc.ui.errors import UiError
from mmarc.ui.web import logged_in, posted, render, text_of, ui_of

__all__ = ["default_policy", "router"]

router = APIRouter()

#: Role rights of the generated policy (the corpus's Clara 4.0 roles).
ROLE_RIGHTS: dict[str, dict[str, bool]] = {
    "super": {},
    "lead_researcher": {
        "upload_mmar": True,
        "deploy_all": True,
        "train_all": True,
        "view_all": True,
        "operate_all": True,
    },
    "site_researcher": {"train_self": True, "view_self": True},
    "lead_it": {"operate_all": True, "view_all": True},
    "site_it": {"operate_self": True, "view_self": True},
}
#: Form field -> the pointers of project.yml its diagnostics are shown for.
FIELD_POINTERS = {
    "name": ("/name",),
    "host": ("/server/cn", "/server/org"),
    "fed_learn_port": ("/server/fed_learn_port",),
    "admin_port": ("/server/admin_port",),
    "min_clients": ("/server/min_num_clients",),
    "max_clients": ("/server/max_num_clients",),
    "sites": ("/fl_clients",),
    "admins": ("/admin_clients",),
    "he": ("/he",),
}


@dataclass
class ProjectForm:
    """The provisioning form's values (as typed) and the errors shown at each field."""

    name: str = "project1"
    host: str = "127.0.0.1"
    fed_learn_port: str = "8002"
    admin_port: str = "8003"
    min_clients: str = "2"
    max_clients: str = "100"
    sites: str = "site-1 org1\nsite-2 org2"
    admins: str = "admin@example.org nvidia super"
    policy: str = ""
    #: homomorphic encryption: the project's ``he`` section with Clara 4.0's CKKS settings
    he: bool = False
    errors: dict[str, list[str]] = field(default_factory=dict)


def _number(text: str) -> Any:
    text = text.strip()
    return int(text) if text.isdigit() and len(text) < 10 else text


def _lines(text: str, width: int) -> list[list[str]]:
    rows = []
    for line in text.splitlines():
        parts = line.split()
        if parts:
            rows.append((parts + [""] * width)[:width])
    return rows


def project_document(form: ProjectForm) -> dict[str, Any]:
    """The Clara 4.0 project.yml of ``form`` (values typed; the compiler checks them)."""
    return {
        "name": form.name.strip(),
        "config_folder": "config",
        "server": {
            "org": "server",
            "cn": form.host.strip(),
            "fed_learn_port": _number(form.fed_learn_port),
            "admin_port": _number(form.admin_port),
            "admin_storage": "transfer",
            "min_num_clients": _number(form.min_clients),
            "max_num_clients": _number(form.max_clients),
        },
        "fl_clients": [
            {"org": org or "org1", "client_name": name} for name, org in _lines(form.sites, 2)
        ],
        "admin_clients": [
            {"org": org or "org1", "email": email} for email, org, _ in _lines(form.admins, 3)
        ],
        **({"he": he_section()} if form.he else {}),
    }


def he_section() -> dict[str, Any]:
    """Clara 4.0's ``he`` section with mmarc's CKKS defaults (the ones provisioning uses)."""
    from mmarc.policy.he import CKKSParams

    params = CKKSParams()
    return {
        "lib": "tenseal",
        "config": {
            "poly_modulus_degree": params.poly_modulus_degree,
            "coeff_mod_bit_sizes": list(params.coeff_mod_bit_sizes),
            "scale_bits": params.scale_bits,
            "scheme": "CKKS",
        },
    }


def default_policy(form: ProjectForm) -> dict[str, Any]:
    """A Clara 4.0 policy for the form's admins: each with the role the form names."""
    orgs = {org or "org1" for _, org in _lines(form.sites, 2)}
    orgs |= {org or "org1" for _, org, _ in _lines(form.admins, 3)}
    orgs.add("server")
    return {
        "version": "1.0",
        "roles": {role: role.replace("_", " ") for role in ROLE_RIGHTS},
        "groups": {
            "relaxed": {"rules": {"allow_byoc": True, "allow_custom_datalist": True}},
            "general": {"role_rights": ROLE_RIGHTS},
        },
        "users": {
            email: {"org": org or "org1", "roles": [role or "lead_researcher"]}
            for email, org, role in _lines(form.admins, 3)
        },
        "orgs": {org: ["relaxed", "general"] for org in sorted(orgs)},
    }


def _form_of(values: dict[str, str]) -> ProjectForm:
    form = ProjectForm()
    for key in ("name", "host", "fed_learn_port", "admin_port", "min_clients", "max_clients"):
        setattr(form, key, values.get(key, "")[:256])
    for key in ("sites", "admins", "policy"):
        setattr(form, key, values.get(key, "")[:100_000])
    form.he = values.get("he") == "on"
    return form


def _field_of(pointer: str | None, authz: bool) -> str:
    """The form field a diagnostic's pointer concerns (the most specific match)."""
    if authz:
        return "policy"
    best, length = "general", -1
    for name, pointers in FIELD_POINTERS.items():
        for p in pointers:
            hit = pointer is not None and (pointer == p or pointer.startswith(p + "/"))
            if hit and len(p) > length:
                best, length = name, len(p)
    return best


def current_form(project: Path, authz: Path) -> ProjectForm:
    """The form of the project provisioned last (its project.yml and policy), else defaults."""
    try:
        plain = yaml.safe_load(project.read_text("utf-8"))
        policy = authz.read_text("utf-8")
    except (OSError, yaml.YAMLError):
        return ProjectForm()
    if not isinstance(plain, dict) or not isinstance(plain.get("server"), dict):
        return ProjectForm()
    server = plain["server"]
    return ProjectForm(
        name=str(plain.get("name", "")),
        host=str(server.get("cn", "")),
        fed_learn_port=str(server.get("fed_learn_port", "")),
        admin_port=str(server.get("admin_port", "")),
        min_clients=str(server.get("min_num_clients", "")),
        max_clients=str(server.get("max_num_clients", "")),
        sites="\n".join(
            f"{c.get('client_name')} {c.get('org')}" for c in plain.get("fl_clients") or []
        ),
        admins="\n".join(
            f"{a.get('email')} {a.get('org')} {_role(policy, str(a.get('email')))}"
            for a in plain.get("admin_clients") or []
        ),
        policy=policy,
        he="he" in plain,
    )


def _role(policy: str, email: str) -> str:
    try:
        roles = json.loads(policy).get("users", {}).get(email, {}).get("roles") or [""]
    except (ValueError, AttributeError):
        return ""
    return str(roles[0])


@router.get("/provision", response_class=HTMLResponse)
def provision_page(request: Request) -> HTMLResponse:
    session = logged_in(request)
    ws = ui_of(request).workspace
    form = current_form(ws.project_yml, ws.authz_json)
    return render(request, "provision.html", session=session, form=form, frames="")


@router.post("/provision", response_class=HTMLResponse)
async def provision_post(request: Request) -> HTMLResponse:
    session, posted_form = await posted(request)
    ui = ui_of(request)
    email = session.email or ""
    form = _form_of({k: text_of(posted_form, k, 100_000) for k in posted_form})
    try:
        decision = ui.gate.require(email, "provision", args=[form.name])
    except UiError as exc:
        return render(
            request,
            "provision.html",
            status_code=403,
            session=session,
            form=form,
            frames="",
            error=str(exc),
        )
    staging = ui.workspace.staging / "project"
    staging.mkdir(parents=True, exist_ok=True, mode=0o700)
    project = staging / "project.yml"
    authz = staging / "authz_config.json"
    project.write_text(yaml.safe_dump(project_document(form), sort_keys=False), "utf-8")
    authz.write_text(form.policy.strip() or json.dumps(default_policy(form), indent=2), "utf-8")

    def refused(frames: str, error: str) -> HTMLResponse:
        """The form again, with what stopped provisioning (nothing was written)."""
        return render(
            request,
            "provision.html",
            status_code=400,
            session=session,
            form=form,
            frames=frames,
            error=error,
        )

    try:
        inputs = api.provision_inputs(project, authz)
    except MmarcError as exc:
        return refused("", exc.one_line())
    frames = ""
    for path, validation in inputs.validations:
        for d in validation.diagnostics:
            where = _field_of(d.pointer, path == authz)
            form.errors.setdefault(where, []).append(
                f"{d.code} at {path.name}:{d.line}:{d.column}: {d.message}"
                + (f" (hint: {d.hint})" if d.hint else "")
            )
        if validation.diagnostics.has_errors():
            frames += api.render_diagnostics(validation, path.name)
    if not inputs.ok:
        return refused(frames, "the project has errors; nothing was provisioned")
    try:
        result = api.provision(inputs, ui.workspace.kits)
    except MmarcError as exc:
        return refused(frames, exc.one_line())
    ui.workspace.project_yml.write_text(project.read_text("utf-8"), "utf-8")
    ui.workspace.authz_json.write_text(authz.read_text("utf-8"), "utf-8")
    ui.gate.record(
        email, "provision", decision, args=[form.name], result=f"{len(result.kits)} kits"
    )
    return render(
        request,
        "provision.html",
        session=session,
        form=form,
        frames="",
        done=result,
        fingerprint=result.fingerprint,
    )
