"""Stage 5 of the compiler: every component checked against the catalog (C001-C012).

Why a separate stage: names and arguments are where Clara 4.x MMARs break under today's
MONAI (``UNet(dimensions=3)`` is a ``TypeError`` since MONAI 1.0, ``AsDiscreted(to_onehot=
True)`` a ``ValueError``), and they only break deep inside a training run. This stage finds
them from the shipped catalog (:mod:`mmarc.catalog`), without importing torch or MONAI:

- C001 unknown component (did-you-mean); C006 a class MONAI renamed or removed;
- C002 unknown argument (did-you-mean); C005 an argument MONAI renamed, removed or
  re-typed (from :mod:`mmarc.catalog.renames` and the catalog's deprecations);
- C003 a required argument missing, except those Clara supplied itself
  (:data:`~mmarc.compiler.components.implicit.IMPLICIT_ARGUMENTS`, the one list the
  executor also reads);
- C004 a literal value that its annotation rules out (only simple, known annotations);
- C010/C011 a value of the right type that the library refuses or misuses (the
  constraints table and the catalog's enums, :mod:`~mmarc.compiler.components.values`);
- C012 an ``@name`` argument whose target is a component of the wrong kind
  (:mod:`~mmarc.compiler.components.reference_kinds`);
- C007 a class that cannot be checked; C008 which of several same-named classes was
  taken, when the config's arguments say it matters; C009 which MONAI the MMAR was
  written for versus the catalog's.

Classes in the MMAR's ``custom/`` folder are read with :mod:`ast`
(:mod:`mmarc.compiler.custom_code`). Federated-learning components (aggregators,
filters...) are :mod:`mmarc.compiler.fl_components`' business; MONAI components nested in
them (``model_persistor.args.model``) are checked here.

The stage is split along its seams: :mod:`mmarc.compiler.components.resolution` (which
class), :mod:`~mmarc.compiler.components.arguments` (its arguments),
:mod:`~mmarc.compiler.components.annotations` (literal values vs annotations) and
:mod:`~mmarc.compiler.components.implicit` (what Clara supplied itself); this module walks
the components and adds the file-level note (C009).

The tree is the substituted one: a ``"{epochs}"`` already holds the variable's typed
value and the original offsets, so a wrong type is reported where the variable is used.
"""

from __future__ import annotations

import re
from pathlib import Path

from mmarc.catalog import Catalog, ComponentEntry
from mmarc.compiler.component_sites import COMPONENT_KINDS, ComponentSite, iter_components
from mmarc.compiler.components.arguments import ArgumentChecker
from mmarc.compiler.components.reference_kinds import check_reference_kinds
from mmarc.compiler.components.reporter import ComponentReporter, Parts
from mmarc.compiler.components.resolution import ClassResolver
from mmarc.compiler.fl_components import FL_KINDS, handled_by_fl
from mmarc.compiler.kinds import FileKind
from mmarc.compiler.source import MappingNode, Node, SourceFile
from mmarc.compiler.versions import VERSION_KEY, ClaraVersion
from mmarc.diagnostics import Diagnostic, Severity

__all__ = ["CLARA_MONAI", "check_components"]

#: The MONAI release each Clara Train version shipped with (C009).
CLARA_MONAI: dict[ClaraVersion, str] = {
    ClaraVersion.V40_EA: "0.4",
    ClaraVersion.V40: "0.5",
    ClaraVersion.V41: "0.8",
}


def check_components(
    source: SourceFile,
    kind: FileKind,
    tree: Node,
    catalog: Catalog,
    clara_version: ClaraVersion,
    mmar_root: Path,
) -> list[Diagnostic]:
    """C001-C009 for every component of one substituted file (FL ones excepted)."""
    if kind not in COMPONENT_KINDS or clara_version is ClaraVersion.V3X:
        return []
    report = ComponentReporter(source, kind, tree, catalog, clara_version, mmar_root)
    resolver = ClassResolver(report)
    arguments = ArgumentChecker(report)
    checked = 0
    resolved: dict[Parts, tuple[ComponentSite, ComponentEntry]] = {}
    reuses: list[ComponentSite] = []
    sites = list(iter_components(kind, tree))
    for site in sites:
        if site.declared_name is None and site.path is None:
            reuses.append(site)  # {"ref": X}: the reference stage checks that X exists
            continue
        if kind in FL_KINDS and handled_by_fl(site):
            continue
        checked += 1
        entry = resolver.resolve(site)
        if entry is not None:
            arguments.check(site, entry)
            resolved[site.parts] = (site, entry)
    check_reference_kinds(report, resolved, reuses, sites)
    _version_note(report, checked)
    return report.diagnostics


def _version_note(report: ComponentReporter, checked: int) -> None:
    """C009: which MONAI the MMAR was written for, and which one it is checked against."""
    if not checked:
        return
    installed = report.catalog.monai_version
    era = CLARA_MONAI.get(report.clara_version)
    marker: Parts = ()
    if isinstance(report.tree, MappingNode):
        for key in (VERSION_KEY, "format_version"):
            if key in report.tree.entries:
                marker = (key,)
                break
    if era is None:
        message = (
            f"Clara version not recognised; components are checked as Clara 4.x against "
            f"MONAI {installed}"
        )
        severity = Severity.INFO
    else:
        label = (
            "Clara 4.0 Early Access"
            if report.clara_version is ClaraVersion.V40_EA
            else (f"Clara {report.clara_version}")
        )
        message = f"this is a {label} MMAR (MONAI {era} era) checked against MONAI {installed}"
        older = _version_tuple(installed) < _version_tuple(era)
        severity = Severity.WARNING if older else Severity.INFO
        if _version_tuple(installed)[:2] == _version_tuple(era)[:2]:
            return
    report.add(
        "C009",
        message,
        marker,
        key=bool(marker),
        span=None if marker else (0, 1),
        severity=severity,
        hint="what MONAI renamed or removed since then is reported as C005/C006; "
        "`mmarc migrate` rewrites it for the installed MONAI",
    )


def _version_tuple(text: str) -> tuple[int, ...]:
    out = []
    for part in text.split("."):
        digits = re.match(r"\d+", part)
        if digits is None:
            break
        out.append(int(digits.group()))
    return tuple(out)
