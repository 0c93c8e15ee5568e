"""Stage 5 for FL files: each component of ``config_fed_server/client.json`` against
:data:`~mmarc.compiler.fl_components.FL_COMPONENTS`.

The alias table says what each Clara/NVFlare name means; this module reports, at the
component's own line, a name in no row (F001 with the supported ones), a row that is
ignored or unsupported, and arguments of the wrong name, type or range (C002/C004), or
outside the domain the runtime class accepts (C010, the constraints table of
:mod:`mmarc.catalog.constraints`: the privacy filters' parameters).
"""

from __future__ import annotations

from pathlib import Path

from mmarc.catalog.constraints import constraints_for
from mmarc.compiler.component_sites import ComponentSite, is_component, iter_components
from mmarc.compiler.fl_components import (
    FL_COMPONENTS,
    FL_KINDS,
    SLOT_ROLES,
    FLArg,
    FLComponent,
    Support,
    fl_component,
    handled_by_fl,
    site_name,
)
from mmarc.compiler.kinds import FileKind
from mmarc.compiler.resolve import custom_module_file
from mmarc.compiler.source import MappingNode, Node, PointerPart, ScalarNode, SourceFile
from mmarc.compiler.suggest import closest
from mmarc.diagnostics import Diagnostic, Severity

__all__ = ["check_fl_components"]

Parts = tuple[PointerPart, ...]


def check_fl_components(
    source: SourceFile, kind: FileKind, tree: Node, mmar_root: Path | None = None
) -> list[Diagnostic]:
    """F001 (and C002-C004 for their arguments) for the FL components of one file.

    A class of the MMAR's ``custom/`` folder (a BYO aggregator, trainer or persistor) is
    accepted in an FL slot as it is anywhere else in an MMAR.
    """
    if kind not in FL_KINDS:
        return []
    out: list[Diagnostic] = []
    for site in iter_components(kind, tree):
        name = site_name(site)
        if name is None or not handled_by_fl(site):
            continue
        key = "name" if site.declared_name is not None else "path"
        at: Parts = (*site.parts, key)
        found = fl_component(name)
        if key == "path" and "." not in name:
            out.append(_undotted_path(source, name, found, at))
            continue
        role = SLOT_ROLES.get(site.slot)
        if found is None:
            if mmar_root is None or custom_module_file(name, mmar_root) is None:
                out.append(_unknown(source, name, role, at))
            continue
        if found.support is Support.EXTERNAL:
            out.append(
                source.diagnostic(
                    "F001",
                    f'"{found.name}" is a valid Clara/NVFlare {_label(found.role)}, but: '
                    f"{found.note}",
                    at,
                    severity=Severity.INFO,
                    hint=_supported_hint(role or found.role),
                )
            )
            continue
        if found.support is Support.IGNORED:
            out.append(
                source.diagnostic(
                    "F001",
                    f'"{found.name}" is a Clara internal that mmarc accepts and ignores: '
                    f"{found.note}",
                    at,
                    severity=Severity.INFO,
                    hint="you may delete it",
                )
            )
            continue
        if found.support is Support.UNSUPPORTED:
            out.append(
                source.diagnostic(
                    "F001",
                    f'"{found.name}" is not supported: {found.note}',
                    at,
                    hint=_supported_hint(role or found.role),
                )
            )
            continue
        if role is not None and role != found.role:
            out.append(
                source.diagnostic(
                    "F001",
                    f'"{found.name}" is {_article(found.role)} {_label(found.role)}, but '
                    f'"{site.slot}" holds {_article(role)} {_label(role)}',
                    at,
                    hint=_supported_hint(role),
                )
            )
            continue
        out.extend(_check_args(source, site, found))
    return out


def _undotted_path(
    source: SourceFile, path: str, found: FLComponent | None, at: Parts
) -> Diagnostic:
    """C030: a ``path`` Clara/NVFlare would split into module and class, and cannot."""
    if found is not None:
        hint = f'write "name": "{path}" (a Clara class is found by name) or its dotted path'
    else:
        hint = "write the class's full import path, module.Class"
    return source.diagnostic(
        "C030",
        f'"path": "{path}" names no module: a path is imported as module.Class',
        at,
        hint=hint,
    )


def _check_args(source: SourceFile, site: ComponentSite, found: FLComponent) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    args = site.args
    if args is None:
        return out
    names = [a.name for a in found.args]
    for key, entry in args.entries.items():
        parts: Parts = (*site.parts, "args", key)
        spec = found.arg(key)
        if spec is None:
            close = closest(key, names, cutoff=0.6)
            if close:
                hint = f'did you mean "{close}"?'
            elif names:
                hint = f"{found.name} accepts: " + ", ".join(names)
            else:
                hint = f"{found.name} takes no arguments"
            out.append(
                source.diagnostic(
                    "C002", f'{found.name} has no argument "{key}"', parts, key=True, hint=hint
                )
            )
            continue
        problem = _type_problem(spec, entry.value)
        if problem is not None:
            out.append(
                source.diagnostic(
                    "C004", f'{found.name} argument "{key}" {problem}', parts, hint=None
                )
            )
            continue
        out.extend(_domain_problems(source, found, key, entry.value, parts))
    return out


def _domain_problems(
    source: SourceFile, found: FLComponent, key: str, node: Node, parts: Parts
) -> list[Diagnostic]:
    """C010 where the runtime class refuses the value (its row of the constraints table)."""
    if found.target is None or not isinstance(node, ScalarNode):
        return []
    out = []
    for row in constraints_for((found.target,), (), key):
        why = row.violation(node.value)
        if why is not None:
            out.append(
                source.diagnostic(
                    "C010",
                    f'{found.name} argument "{key}" is {_shown(node.value)}: {why}',
                    parts,
                    hint=row.effect.format(lib="mmarc's runtime", cls=found.name),
                )
            )
    return out


def _type_problem(spec: FLArg, node: Node) -> str | None:
    if isinstance(node, ScalarNode) and isinstance(node.value, str) and node.value[:1] in "@#":
        return None
    if spec.component:
        if isinstance(node, MappingNode) and is_component(node):
            return None
        return 'expects a component ({"name": ..., "args": {...}})'
    value = node.to_plain()
    if not _fits(value, spec.types):
        return f"expects {_type_names(spec.types)}, got {_shown(value)}"
    if isinstance(value, int | float) and not isinstance(value, bool):
        bound = spec.out_of_range(value)
        if bound is not None:
            return f"{bound}, got {_shown(value)}"
    if spec.values and isinstance(value, dict):
        for k, v in value.items():
            if not _fits(v, spec.values):
                return f'expects {_type_names(spec.values)} values, got {_shown(v)} for "{k}"'
    return None


def _fits(value: object, types: tuple[type, ...]) -> bool:
    if isinstance(value, bool):
        return bool in types
    if isinstance(value, int) and float in types:
        return True
    return isinstance(value, types)


def _type_names(types: tuple[type, ...]) -> str:
    words = {
        int: "an integer",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "a mapping",
        bool: "true/false",
        type(None): "null",
    }
    if set(types) == {int, float}:
        return "a number"
    return " or ".join(words.get(t, t.__name__) for t in types)


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'the string "{value}"'
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return str(value)


def _unknown(source: SourceFile, name: str, role: str | None, at: Parts) -> Diagnostic:
    short = name.rsplit(".", 1)[-1]
    candidates = [c.name for c in FL_COMPONENTS if c.support is Support.SUPPORTED]
    close = closest(short, candidates)
    hint = f'did you mean "{close}"? ' if close else ""
    return source.diagnostic(
        "F001",
        f'"{name}" is not a federated-learning component mmarc supports',
        at,
        hint=hint + _supported_hint(role),
    )


def _supported_hint(role: str | None) -> str:
    names = [
        c.name
        for c in FL_COMPONENTS
        if c.support is Support.SUPPORTED and (role is None or c.role == role)
    ]
    what = f"{_label(role)}s" if role else "FL components"
    if not names:
        return f"remove it: mmarc needs no {what}"
    return f"supported {what}: " + ", ".join(names)


def _label(role: str | None) -> str:
    return (role or "component").replace("_", " ")


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"
