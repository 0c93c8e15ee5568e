"""Provisioning's inputs, read and checked as ``mmarc validate`` checks any file.

``project.yml`` (Clara 4.0 or NVIDIA FLARE api_version 2/3) and ``authz_config.json`` are
validated by the compiler first, exactly as ``mmarc validate`` does, which includes the
rules the schema cannot express (names used as kit folders and network identities,
duplicates, one server, distinct ports, admin e-mails, the server's host name, the HE
settings: :mod:`mmarc.compiler.project_rules`, F002-F008); the policy's roles and groups
that are named but never declared are added here as warnings to the same report, so the
user sees one list of problems in one format. What passes becomes the runtime's typed
:class:`~mmarc.runtime.provision.ProjectSpec`; the runtime itself never reads these files
through the compiler. This module sits beside :mod:`mmarc.api`, above both the compiler
and the runtime.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mmarc.compiler.kinds import FileKind
from mmarc.compiler.pipeline import Validation, validate_target
from mmarc.compiler.source import PointerPart, SourceFile
from mmarc.diagnostics import Severity
from mmarc.runtime.provision.project import ProjectSpec, ProvisionError, spec_from_plain
from mmarc.runtime.security.authz import SUPER_ROLE

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
    return spec_from_plain(loaded.source.to_plain()), validation


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
