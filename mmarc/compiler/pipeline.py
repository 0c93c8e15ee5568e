"""The compiler's front half, stage by stage: what ``mmarc validate`` runs.

load (positions) -> file kind -> version -> schema -> substitution -> references
-> components (catalog) -> trust policy (expressions, by-name arguments)

Each stage appends located diagnostics and never raises on bad input, so one run reports
every problem. A stage skips a file that an earlier stage found unusable (a file that did
not parse has no tree; a Clara 3.x file is not checked against 4.x schemas).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mmarc.compiler.kinds import FileKind
from mmarc.compiler.mmar import LoadedFile, Target, choose_train_config, load_target
from mmarc.compiler.references import check_references
from mmarc.compiler.schemas import check_schema
from mmarc.compiler.source import SourceFile
from mmarc.compiler.substitute import Variables, collect_variables, parse_set_overrides, substitute
from mmarc.compiler.versions import (
    ClaraVersion,
    VersionReport,
    detect_version,
    folder_version_diagnostics,
    version_diagnostics,
)
from mmarc.diagnostics import Diagnostics, Severity

#: Kinds whose string values take ``{VAR}`` substitution.
SUBSTITUTED_KINDS = frozenset(
    {FileKind.TRAIN, FileKind.VALIDATION, FileKind.FED_SERVER, FileKind.FED_CLIENT}
)
#: Kinds that hold ``@``/``#``/``ref`` references.
REFERENCING_KINDS = frozenset(
    {FileKind.TRAIN, FileKind.VALIDATION, FileKind.FED_SERVER, FileKind.FED_CLIENT}
)


@dataclass
class Validation:
    """Everything ``validate`` learned: the target, its files, variables and diagnostics."""

    target: Target
    diagnostics: Diagnostics
    variables: Variables | None = None
    sets: dict[str, object] = field(default_factory=dict)

    @property
    def sources(self) -> dict[str, SourceFile]:
        files = self.target.files + self.target.context
        return {f.source.display: f.source for f in files}

    def detected(self) -> dict[str, Any]:
        """What mmarc recognised: each file's kind and Clara version, with the evidence."""
        files = []
        versions = set()
        for f in self.target.files:
            entry: dict[str, Any] = {
                "file": f.source.display,
                "kind": f.kind.value if f.kind else None,
            }
            report = f.version
            if isinstance(report, VersionReport):
                entry["clara_version"] = str(report.version)
                entry["evidence"] = [e.message for e in report.evidence]
                if report.version is not ClaraVersion.UNKNOWN:
                    versions.add(str(report.version))
            files.append(entry)
        overall = versions.pop() if len(versions) == 1 else ("mixed" if versions else "unknown")
        return {
            "target_kind": "file" if self.target.single_file else "mmar",
            "mmar_root": str(self.target.root),
            "clara_version": overall,
            "files": files,
        }


def _stage_versions(target: Target, diagnostics: Diagnostics) -> None:
    reports: list[tuple[SourceFile, VersionReport]] = []
    for f in target.files + target.context:
        if f.source.root is None or f.kind is None:
            continue
        report = detect_version(f.source, f.kind)
        f.version = report
        reports.append((f.source, report))
        if f in target.files:
            diagnostics.extend(version_diagnostics(f.source, report))
    if not target.single_file:
        diagnostics.extend(folder_version_diagnostics(reports))


def _is_3x(f: LoadedFile) -> bool:
    return isinstance(f.version, VersionReport) and f.version.version is ClaraVersion.V3X


def _is_foreign(f: LoadedFile) -> bool:
    return isinstance(f.version, VersionReport) and f.version.foreign


def _checkable(f: LoadedFile) -> bool:
    """Whether the later stages read ``f``: it parsed, has a kind, and no version verdict
    (3.x, another tool's file) ended its analysis."""
    return f.source.root is not None and f.kind is not None and not _is_3x(f) and not _is_foreign(f)


def _stage_substitution(
    target: Target, sets: Mapping[str, object], diagnostics: Diagnostics
) -> Variables:
    configs = [
        f.source
        for f in target.files + target.context
        if f.kind in (FileKind.TRAIN, FileKind.VALIDATION) and _checkable(f)
    ]
    env = target.first(FileKind.ENVIRONMENT)
    env_source = env.source if env is not None and _checkable(env) else None
    variables = collect_variables(configs, env_source, dict(sets))
    diagnostics.extend(variables.diagnostics)
    for f in target.files:
        if f.kind in SUBSTITUTED_KINDS and _checkable(f):
            tree, diags = substitute(f.source, variables)
            f.substituted = tree
            diagnostics.extend(diags)
        elif _checkable(f):
            f.substituted = f.source.root
    if env is None and any(d.code == "X001" for d in diagnostics):
        for f in target.files:
            if f.kind in (FileKind.TRAIN, FileKind.VALIDATION) and _checkable(f):
                diagnostics.add(
                    f.source.diagnostic(
                        "X004",
                        f"no environment.json was found beside {f.source.path.name}, so the "
                        "variables it would define (DATA_ROOT, DATASET_JSON, MMAR_CKPT...) are "
                        "undefined",
                        (),
                        severity=Severity.WARNING,
                        hint="validate the whole MMAR folder, put environment.json in the same "
                        "config/ folder, or give the values with --set NAME=VALUE",
                        span=(0, 1),
                    )
                )
    return variables


def validate_target(
    path: Path,
    sets: list[str] | None = None,
    cwd: Path | None = None,
    train_config: str | None = None,
    one_train_config: bool = False,
) -> Validation:
    """Run every front-end stage on ``path``; raises ``UsageError`` only for unusable targets.

    ``one_train_config`` (``compile``): keep only the train config named ``train_config``
    (see :func:`mmarc.compiler.mmar.choose_train_config`).
    """
    diagnostics = Diagnostics()
    overrides, set_diags = parse_set_overrides(list(sets or []))
    diagnostics.extend(set_diags)
    target, load_diags = load_target(path, cwd)
    diagnostics.extend(load_diags)
    if one_train_config or train_config is not None:
        choose_train_config(target, train_config)
    _stage_versions(target, diagnostics)
    for f in target.files:
        if _checkable(f):
            diagnostics.extend(check_schema(f.source, f.kind))  # type: ignore[arg-type]
        if f.kind is FileKind.PLAN and f.source.root is not None:
            from mmarc.compiler.plan import verify_plan_source

            diagnostics.extend(verify_plan_source(f.source))
    variables = _stage_substitution(target, overrides, diagnostics)
    for f in target.files:
        if f.kind in REFERENCING_KINDS and _checkable(f) and f.substituted is not None:
            diagnostics.extend(check_references(f.source, f.kind, f.substituted))
    _stage_authz_references(target, diagnostics)
    _stage_fl_settings(target, diagnostics)
    _stage_project_rules(target, diagnostics)
    _stage_conventions(target, diagnostics)
    _stage_components(target, diagnostics)
    _stage_policy(target, diagnostics)
    return Validation(target=target, diagnostics=diagnostics, variables=variables, sets=overrides)


def _stage_authz_references(target: Target, diagnostics: Diagnostics) -> None:
    """Stage 4a: the names authz_config.json uses must be ones it defines."""
    files = [f for f in target.files if f.kind is FileKind.AUTHZ and _checkable(f)]
    if files:
        from mmarc.compiler.authz_references import check_authz_references

        for f in files:
            diagnostics.extend(check_authz_references(f.source))


def _stage_fl_settings(target: Target, diagnostics: Diagnostics) -> None:
    """Stage 4b: FL settings as a whole, for FL files whose values passed the schema."""
    failed = {d.file for d in diagnostics.errors}
    files = [
        f
        for f in target.files
        if f.kind in (FileKind.FED_SERVER, FileKind.FED_CLIENT)
        and _checkable(f)
        and f.substituted is not None
        and f.source.display not in failed
    ]
    if not files:
        return
    from mmarc.compiler.fl_settings import check_fl_settings  # pydantic: only for FL files

    for f in files:
        assert f.kind is not None and f.substituted is not None
        diagnostics.extend(check_fl_settings(f.source, f.kind, f.substituted))


def _stage_project_rules(target: Target, diagnostics: Diagnostics) -> None:
    """Stage 4c: project.yml's rules beyond its schema (names, ports), once it passed it."""
    failed = {d.file for d in diagnostics.errors}
    files = [
        f
        for f in target.files
        if f.kind is FileKind.PROJECT and _checkable(f) and f.source.display not in failed
    ]
    if not files:
        return
    from mmarc.compiler.project_rules import check_project  # only for project.yml

    for f in files:
        diagnostics.extend(check_project(f.source))


def _stage_conventions(target: Target, diagnostics: Diagnostics) -> None:
    """Stage 4d: single-file conventions of train/validation configs: the engine output
    their transforms expect (L014) and the datalist phase each dataset reads (L011)."""
    from mmarc.compiler.dataset_phase import check_dataset_phase
    from mmarc.compiler.engine_conventions import check_engine_conventions

    for f in target.files:
        if (
            f.kind in (FileKind.TRAIN, FileKind.VALIDATION)
            and _checkable(f)
            and f.substituted is not None
            and isinstance(f.version, VersionReport)
        ):
            diagnostics.extend(
                check_engine_conventions(f.source, f.kind, f.substituted, f.version.version)
            )
            diagnostics.extend(check_dataset_phase(f.source, f.kind, f.substituted))


def _stage_components(target: Target, diagnostics: Diagnostics) -> None:
    """Stage 5: every component against the catalog (MONAI/torch) or the FL alias table."""
    from mmarc.catalog import load_catalog
    from mmarc.compiler.check_components import check_components
    from mmarc.compiler.component_sites import COMPONENT_KINDS
    from mmarc.compiler.fl_components import FL_KINDS

    files = [
        f
        for f in target.files
        if f.kind in COMPONENT_KINDS
        and _checkable(f)
        and f.substituted is not None
        and isinstance(f.version, VersionReport)
    ]
    if not files:
        return
    catalog = load_catalog()
    for f in files:
        assert f.kind is not None and f.substituted is not None
        assert isinstance(f.version, VersionReport)
        diagnostics.extend(
            check_components(
                f.source, f.kind, f.substituted, catalog, f.version.version, target.root
            )
        )
        if f.kind in FL_KINDS:
            from mmarc.compiler.check_fl_components import check_fl_components  # FL files only

            diagnostics.extend(check_fl_components(f.source, f.kind, f.substituted, target.root))


def _stage_policy(target: Target, diagnostics: Diagnostics) -> None:
    """Stage 6: the trust policy (expressions, by-name arguments), as the executor applies it."""
    from mmarc.catalog import load_catalog
    from mmarc.compiler.check_policy import check_policy

    files = [
        f
        for f in target.files
        if f.kind in REFERENCING_KINDS and _checkable(f) and f.substituted is not None
    ]
    if not files:
        return
    catalog = load_catalog()
    for f in files:
        assert f.kind is not None and f.substituted is not None
        diagnostics.extend(check_policy(f.source, f.kind, f.substituted, catalog))
