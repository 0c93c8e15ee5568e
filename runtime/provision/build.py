"""``mmarc provision``: validate the project (and policy), then write one signed kit each.

Order matters for safety: every input is validated first and nothing is written when
any has an error; the workspace must be empty or an mmarc workspace of the same
project; each kit's ``startup/`` is built in a staging folder, signed, and swapped in
whole, so a crash never leaves a half-written kit that verifies.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from ..security.authz import Policy, PolicyError
from ..security.manifest import fingerprint, sign_folder
from ..transport.security import CurveKeyPair
from . import keys as keystore
from .he import project_context, write_context
from .kit import (
    AUTHORIZATION,
    KIT_FORMAT,
    PARTICIPANTS,
    PUBLIC_KEY,
    SECRET_KEY,
    SERVER_KEY,
    STARTUP,
    Role,
    config_name,
)
from .project import ProjectSpec, ProvisionError, effective_policy


class ProjectInputs(Protocol):
    """Checked provisioning inputs (``mmarc.provisioning.Inputs``): the project's spec,
    its policy file's content, and whether both passed their checks."""

    @property
    def ok(self) -> bool: ...

    @property
    def spec(self) -> ProjectSpec | None: ...

    @property
    def authz(self) -> dict[str, Any] | None: ...


@dataclass
class KitReport:
    name: str
    role: Role
    path: Path
    keys: str  # "new", "kept" or "rotated"
    zip_path: Path | None = None
    password: str | None = field(default=None, repr=False)


@dataclass
class ProvisionResult:
    workspace: Path
    project: str
    fingerprint: str
    policy_source: str
    kits: list[KitReport]
    notes: list[str]


def _check_workspace(workspace: Path, project: str) -> None:
    if workspace.exists() and not workspace.is_dir():
        raise ProvisionError(f"{workspace}: exists and is not a folder")
    if workspace.is_dir() and any(workspace.iterdir()):
        if not (workspace / keystore.PROJECT_DIR).is_dir():
            raise ProvisionError(
                f"{workspace}: not empty and not an mmarc workspace; choose another -o"
            )
        state = keystore.read_state(workspace)
        if state is not None and state.get("project") != project:
            raise ProvisionError(
                f"{workspace}: holds project {state.get('project')!r}, not {project!r}; "
                "choose another -o"
            )


def _script(role: Role, name: str, project: str, action: str) -> str:
    head = (
        "#!/usr/bin/env bash\n"
        f"# {action.capitalize()} the {role} {name!r} of project {project!r}.\n"
        "# mmarc verifies this kit's signed manifest before it uses anything in it.\n"
        "set -euo pipefail\n"
        'KIT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"\n'
    )
    if action == "start":
        pid = "" if role == "admin" else 'echo $$ > "$KIT/daemon.pid"\n'
        return head + 'MMARC="${MMARC:-mmarc}"\n' + pid + f'exec "$MMARC" {role} "$KIT" "$@"\n'
    return head + (
        'PID_FILE="$KIT/daemon.pid"\n'
        'if [ ! -f "$PID_FILE" ]; then echo "not running (no $PID_FILE)"; exit 0; fi\n'
        'PID="$(cat "$PID_FILE")"\n'
        "# Only signal the process start.sh recorded, and only if it is still mmarc.\n"
        'if kill -0 "$PID" 2>/dev/null && ps -p "$PID" -o args= | grep -q mmarc; then\n'
        '  kill -TERM "$PID"\n'
        '  echo "sent SIGTERM to $PID"\n'
        "else\n"
        '  echo "not running"\n'
        "fi\n"
        'rm -f "$PID_FILE"\n'
    )


def _write_json(path: Path, obj: Any) -> None:
    path.write_text(json.dumps(obj, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def _kit_config(spec: ProjectSpec, role: Role, name: str, org: str) -> dict[str, Any]:
    srv = spec.server
    config: dict[str, Any] = {
        "format": KIT_FORMAT,
        "project": spec.name,
        "role": role,
        "participant": {"name": name, "org": org},
        "server": {
            "name": srv.name,
            "host": srv.host,
            "fed_learn_port": srv.fed_learn_port,
            "admin_port": srv.admin_port,
            "public_key": PUBLIC_KEY if role == "server" else SERVER_KEY,
        },
        "keys": {"secret": SECRET_KEY, "public": PUBLIC_KEY, "project": "project.pub"},
    }
    if role == "server":
        config.update(
            participants=PARTICIPANTS,
            authorization=AUTHORIZATION,
            admin_storage=srv.admin_storage,
            min_num_clients=srv.min_num_clients,
            max_num_clients=srv.max_num_clients,
        )
    return config


def _write_kit(
    workspace: Path,
    spec: ProjectSpec,
    role: Role,
    name: str,
    org: str,
    pair: CurveKeyPair,
    server_public: bytes,
    extra: dict[str, Any],
    project_key: Any,
    he_context: Any = None,
) -> Path:
    kit = workspace / name
    kit.mkdir(mode=0o700, exist_ok=True)
    staging = kit / f".{STARTUP}.new"
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(mode=0o700)
    keystore.write_private(staging / SECRET_KEY, pair.secret + b"\n")
    (staging / PUBLIC_KEY).write_bytes(pair.public + b"\n")
    if role != "server":
        (staging / SERVER_KEY).write_bytes(server_public + b"\n")
    config = _kit_config(spec, role, name, org)
    if he_context is not None and (context := write_context(staging, role, he_context)):
        config["he"] = {"lib": "tenseal", "context": context}
    _write_json(staging / config_name(role), config)
    for filename, content in extra.items():
        _write_json(staging / filename, content)
    actions = ("start",) if role == "admin" else ("start", "stop")
    for action in actions:
        script = staging / f"{action}.sh"
        script.write_text(_script(role, name, spec.name, action), encoding="utf-8")
        os.chmod(script, 0o755)
    sign_folder(
        staging, project_key, {"project": spec.name, "participant": name, "role": role, "org": org}
    )
    current = kit / STARTUP
    if current.exists():
        old = kit / f".{STARTUP}.old"
        if old.exists():
            shutil.rmtree(old)
        os.rename(current, old)
        os.rename(staging, current)
        shutil.rmtree(old)
    else:
        os.rename(staging, current)
    return kit


def provision(
    inputs: ProjectInputs,
    workspace: Path,
    *,
    rotate_keys: bool = False,
    zip_password: bool = False,
    on_kit: Callable[[str], None] | None = None,
) -> ProvisionResult:
    """Write every kit of the validated ``inputs`` into ``workspace``.

    Existing participant keys are kept unless ``rotate_keys``; ``zip_password`` also
    packs each kit as an AES-encrypted zip with a fresh random password (returned once,
    never stored). ``on_kit(name)`` is called after each kit (progress display).
    """
    if not inputs.ok or inputs.spec is None:
        raise ProvisionError("the project has errors; nothing written")
    spec = inputs.spec
    workspace = Path(workspace)
    policy, policy_source = effective_policy(spec, inputs.authz)
    try:
        Policy(policy)
    except PolicyError as exc:
        raise ProvisionError(f"authorization policy unusable: {exc}") from None
    if zip_password:
        from .zipkit import require_pyzipper

        require_pyzipper()
    _check_workspace(workspace, spec.name)
    workspace.mkdir(parents=True, exist_ok=True)
    project_key, _ = keystore.project_key(workspace)
    old_state = keystore.read_state(workspace) or {}

    pairs: dict[str, tuple[CurveKeyPair, str]] = {}
    for _, name in spec.participants:
        pairs[name] = keystore.participant_keys(workspace, name, rotate=rotate_keys)
    server_public = pairs[spec.server.name][0].public
    participants = {
        "clients": {
            c.name: {"org": c.org, "public_key": pairs[c.name][0].public.decode()}
            for c in spec.clients
        },
        "admins": {
            a.email: {"org": a.org, "public_key": pairs[a.email][0].public.decode()}
            for a in spec.admins
        },
    }
    he_context = None
    if spec.he is not None:
        he_context, he_status = project_context(workspace, spec.he, rotate=rotate_keys)
        if he_status == "rotated":
            spec = replace(
                spec,
                notes=(
                    *spec.notes,
                    "a new HE context: the saved encrypted "
                    "global model of an earlier run cannot be opened",
                ),
            )
    orgs = {spec.server.name: spec.server.org}
    orgs.update({c.name: c.org for c in spec.clients})
    orgs.update({a.email: a.org for a in spec.admins})
    reports: list[KitReport] = []
    for role, name in spec.participants:
        extra = {PARTICIPANTS: participants, AUTHORIZATION: policy} if role == "server" else {}
        pair, status = pairs[name]
        kit = _write_kit(
            workspace,
            spec,
            role,
            name,
            orgs[name],
            pair,
            server_public,
            extra,
            project_key,
            he_context,
        )
        reports.append(KitReport(name, role, kit, status))
        if on_kit is not None:
            on_kit(name)
    if zip_password:
        from .zipkit import zip_kit

        for report in reports:
            report.password = secrets.token_urlsafe(15)
            report.zip_path = zip_kit(
                report.path, workspace / f"{report.name}.zip", report.password
            )
    notes = list(spec.notes)
    stale = sorted(set(old_state.get("participants") or {}) - {n for _, n in spec.participants})
    for name in stale:
        notes.append(
            f"kit {name!r} is no longer in the project: the server will not admit it; "
            f"delete {workspace / name} when done"
        )
    keystore.write_state(
        workspace,
        {
            "project": spec.name,
            "form": spec.form,
            "project_key": fingerprint(project_key),
            "participants": {
                name: {"role": role, "public_key": pairs[name][0].public.decode()}
                for role, name in spec.participants
            },
        },
    )
    return ProvisionResult(
        workspace=workspace,
        project=spec.name,
        fingerprint=fingerprint(project_key),
        policy_source=policy_source,
        kits=reports,
        notes=notes,
    )
