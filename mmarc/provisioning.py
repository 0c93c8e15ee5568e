"""Provisioning's inputs, read and checked as ``mmarc validate`` checks any file.

``project.yml`` (Clara 4.0 or NVIDIA FLARE api_version 2/3) and ``authz_config.json`` are
validated by the compiler first; then the checks the schema cannot express (names used
as kit folders and network identities, duplicates, one server, distinct ports; roles and
groups a policy names but never declares) are added as located S004 diagnostics to the
same report, so the user sees one list of problems in one format. What passes becomes the
runtime's typed :class:`~mmarc.runtime.provision.ProjectSpec`; the runtime itself never
reads these files through the compiler. This module sits beside :mod:`mmarc.api`, above
both the compiler and the runtime.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mmarc.compiler.kinds import FileKind
from mmarc.compiler.pipeline import Validation, validate_target
from mmarc.compiler.source import PointerPart, SourceFile
from mmarc.diagnostics import Severity
from mmarc.runtime.protocol import is_valid_client_name
from mmarc.runtime.provision.project import (
    DEFAULT_ADMIN_PORT,
    DEFAULT_FED_LEARN_PORT,
    ProjectSpec,
    ProvisionError,
    spec_from_plain,
)
from mmarc.runtime.security.authz import SUPER_ROLE
from mmarc.runtime.security.ckks import CKKSParams, HEError

__all__ = ["Inputs", "check_inputs", "load_authz", "load_project"]


@dataclass
class Inputs:
    """The checked inputs of ``mmarc provision``; ``validations`` are shown when not ``ok``."""

    project_path: Path
    authz_path: Path | None
    validations: list[tuple[Path, Validation]]
    spec: ProjectSpec | None = None
    authz: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return self.spec is not None and not any(
            v.diagnostics.has_errors() for _, v in self.validations
        )


def check_inputs(project_path: Path, authz_path: Path | None = None) -> Inputs:
    """Validate project.yml (and authz_config.json) exactly as ``mmarc validate`` would."""
    spec, validation = load_project(Path(project_path))
    inputs = Inputs(Path(project_path), authz_path, [(Path(project_path), validation)], spec)
    if authz_path is not None:
        authz, authz_validation = load_authz(Path(authz_path))
        inputs.validations.append((Path(authz_path), authz_validation))
        inputs.authz = authz
    return inputs


def _diag(
    source: SourceFile,
    validation: Validation,
    message: str,
    parts: tuple[PointerPart, ...],
    hint: str | None = None,
    severity: Severity = Severity.ERROR,
) -> None:
    validation.diagnostics.add(
        source.diagnostic("S004", message, parts, hint=hint, severity=severity)
    )


def _check_name(
    source: SourceFile, validation: Validation, name: Any, parts: tuple[PointerPart, ...]
) -> None:
    if isinstance(name, str) and not is_valid_client_name(name):
        _diag(
            source,
            validation,
            f"{name[:60]!r} cannot name a participant: it becomes a kit folder and a "
            "network identity",
            parts,
            hint="use letters, digits and . _ @ + - (starting with a letter or digit), "
            "at most 128 characters",
        )


def _semantic_checks(source: SourceFile, validation: Validation, plain: dict[str, Any]) -> None:
    """Names, duplicates, one server, distinct ports: located on the offending value."""
    seen: dict[str, tuple[PointerPart, ...]] = {}

    def claim(name: Any, parts: tuple[PointerPart, ...]) -> None:
        if not isinstance(name, str):
            return
        _check_name(source, validation, name, parts)
        key = name.lower()
        if key in seen:
            _diag(
                source,
                validation,
                f"participant name {name!r} is used twice (kit folders and identities must "
                "be unique, ignoring case)",
                parts,
                hint=f"first used at {'/'.join(map(str, seen[key]))}",
            )
        else:
            seen[key] = parts

    ports: list[tuple[Any, Any, tuple[PointerPart, ...]]] = []
    if "participants" in plain:
        servers = 0
        for i, p in enumerate(plain["participants"]):
            if p.get("type") in ("overseer", "relay"):
                continue
            claim(p.get("name"), ("participants", i, "name"))
            if p.get("type") == "server":
                servers += 1
                if servers > 1:
                    _diag(
                        source,
                        validation,
                        "a second server: mmarc runs one FL server per project",
                        ("participants", i, "type"),
                        hint="remove the extra server (high availability is not supported)",
                    )
                ports.append((p.get("fed_learn_port"), p.get("admin_port"), ("participants", i)))
        if servers == 0:
            _diag(
                source,
                validation,
                "no participant of type server",
                ("participants",),
                hint="add one participant with type: server",
            )
    else:
        srv = plain.get("server") or {}
        claim(srv.get("cn"), ("server", "cn"))
        ports.append((srv.get("fed_learn_port"), srv.get("admin_port"), ("server",)))
        for i, c in enumerate(plain.get("fl_clients") or []):
            claim(c.get("client_name"), ("fl_clients", i, "client_name"))
        for i, a in enumerate(plain.get("admin_clients") or []):
            claim(a.get("email"), ("admin_clients", i, "email"))
    for fed, admin, parts in ports:
        fed = fed or DEFAULT_FED_LEARN_PORT
        if (admin or DEFAULT_ADMIN_PORT) == fed:
            where = (*parts, "admin_port") if admin else (*parts, "fed_learn_port")
            _diag(
                source,
                validation,
                f"admin_port and fed_learn_port are both {fed}",
                where,
                hint="the admin console and FL clients need different ports",
            )


def _he_checks(source: SourceFile, validation: Validation, plain: dict[str, Any]) -> None:
    """The CKKS settings of ``he`` (or NVFlare's HEBuilder), located on the bad value."""
    section: Any = plain.get("he")
    parts: tuple[PointerPart, ...] = ("he",)
    if section is None:
        for i, builder in enumerate(plain.get("builders") or []):
            if isinstance(builder, dict) and str(builder.get("path", "")).endswith(".HEBuilder"):
                section, parts = builder.get("args") or {}, ("builders", i, "args")
    if section is None:
        return
    try:
        CKKSParams.from_section(section)
    except HEError as exc:
        config = section.get("config") if isinstance(section, dict) else None
        if isinstance(config, dict) and exc.key in config:
            parts = (*parts, "config", exc.key)
        elif isinstance(section, dict) and exc.key in section:
            parts = (*parts, exc.key)
        _diag(
            source,
            validation,
            f"he: {exc}",
            parts,
            hint="Clara 4.0's values: "
            "poly_modulus_degree 8192, coeff_mod_bit_sizes [60, 40, 40], scale_bits 40",
        )


def load_project(path: Path) -> tuple[ProjectSpec | None, Validation]:
    """Validate ``path`` like ``mmarc validate`` and read it; None when it has errors.

    Raises :class:`~mmarc.compiler.mmar.UsageError` for an unusable path and
    :class:`ProvisionError` when the file is not a project file at all.
    """
    validation = validate_target(Path(path))
    loaded = validation.target.files[0] if validation.target.files else None
    if loaded is not None and loaded.kind not in (FileKind.PROJECT, None):
        raise ProvisionError(f"{path}: is a {loaded.kind.label}, not a project.yml")
    if validation.diagnostics.has_errors() or loaded is None or loaded.source.root is None:
        return None, validation
    source = loaded.source
    plain = source.to_plain()
    _semantic_checks(source, validation, plain)
    _he_checks(source, validation, plain)
    if validation.diagnostics.has_errors():
        return None, validation
    return spec_from_plain(plain), validation


def load_authz(path: Path) -> tuple[dict[str, Any] | None, Validation]:
    """Validate an authz_config.json like ``mmarc validate``; its plain content or None."""
    validation = validate_target(Path(path))
    loaded = validation.target.files[0] if validation.target.files else None
    if loaded is not None and loaded.kind not in (FileKind.AUTHZ, None):
        raise ProvisionError(f"{path}: is a {loaded.kind.label}, not an authz_config.json")
    if validation.diagnostics.has_errors() or loaded is None or loaded.source.root is None:
        return None, validation
    plain = loaded.source.to_plain()
    _policy_checks(loaded.source, validation, plain)
    return plain, validation


def _policy_checks(source: SourceFile, validation: Validation, plain: dict[str, Any]) -> None:
    """References inside the policy that Clara would silently ignore: warnings."""
    roles = set(plain.get("roles") or {}) | {SUPER_ROLE}
    groups = set(plain.get("groups") or {})
    for email, user in (plain.get("users") or {}).items():
        for i, role in enumerate(user.get("roles") or []):
            if role not in roles:
                _diag(
                    source,
                    validation,
                    f"role {role!r} of {email} is not declared under roles",
                    ("users", email, "roles", i),
                    severity=Severity.WARNING,
                )
    for org, names in (plain.get("orgs") or {}).items():
        for i, group in enumerate(names or []):
            if group not in groups:
                _diag(
                    source,
                    validation,
                    f"group {group!r} of org {org} is not declared under groups",
                    ("orgs", org, i),
                    severity=Severity.WARNING,
                )
