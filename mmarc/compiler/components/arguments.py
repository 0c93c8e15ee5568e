"""The arguments of one component against its class (C002-C005).

Why its own module: unknown arguments (did-you-mean), required ones missing (except what
Clara supplied, :mod:`.implicit`), arguments MONAI renamed, removed or re-typed, and literal
values their annotation rules out are all questions about one class's signature, asked
once the class is resolved (:mod:`.resolution`).
"""

from __future__ import annotations

from mmarc.catalog import ComponentEntry, DeprecatedArg, Param
from mmarc.catalog.renames import ChangeKind, Rename, argument_changes
from mmarc.compiler.component_sites import (
    COMPONENT_ATTRIBUTES,
    DATASET_ATTRIBUTES,
    ComponentSite,
)
from mmarc.compiler.components.annotations import (
    VARIABLE,
    describe_value,
    json_literal,
    type_hint,
    value_fits,
)
from mmarc.compiler.components.implicit import (
    CLARA40_NAME_LISTS,
    IMPLICIT_ARGUMENTS,
    IMPLICIT_WIRING_VERSIONS,
    implicit_arguments,
)
from mmarc.compiler.components.reporter import ComponentReporter, Parts, changed_when
from mmarc.compiler.components.values import relation_problems, value_problems
from mmarc.compiler.source import Node, ScalarNode, SequenceNode
from mmarc.compiler.suggest import closest
from mmarc.compiler.versions import ClaraVersion
from mmarc.diagnostics import Severity

__all__ = ["ArgumentChecker", "missing_required"]


class ArgumentChecker:
    """Checks components' ``args``, reporting into one file's :class:`ComponentReporter`."""

    def __init__(self, report: ComponentReporter) -> None:
        self.report = report

    def check(self, site: ComponentSite, entry: ComponentEntry) -> None:
        """C002-C005 for the ``args`` of one component whose class is ``entry``."""
        if not entry.signature_known:
            return
        args = site.args
        base: Parts = (*site.parts, "args")
        provided: set[str] = set()
        changes = {c.argument: c for c in _changes_for(site, entry)}
        for key, item in (args.entries if args is not None else {}).items():
            provided.add(key)
            parts = (*base, key)
            param = entry.accepted_param(key)
            change = changes.get(key)
            if (
                change is not None
                and change.kind is ChangeKind.VALUE_CHANGED
                and param is not None
                and _holds(item.value, change.old_value)
            ):
                self.report.add(
                    "C005",
                    f"{key}: {json_literal(change.old_value)} no longer works "
                    f"{changed_when(change)}: {key} now takes {change.new_value}",
                    parts,
                    hint=change.fix,
                    site=site,
                )
                continue
            deprecated = entry.deprecated_arg(key)
            if deprecated is not None:
                if deprecated.new_name:
                    provided.add(deprecated.new_name)
                self.deprecated_argument(site, entry, key, deprecated, parts)
                if param is None:
                    continue
            if param is not None:
                self.check_value(site, entry, param, item.value, parts)
                continue
            if change is not None and change.kind in (
                ChangeKind.ARGUMENT_RENAMED,
                ChangeKind.ARGUMENT_REMOVED,
            ):
                if change.new_argument:
                    provided.add(change.new_argument)
                self.changed_argument(site, entry, key, change, parts)
                continue
            if entry.accepts_any_keyword:
                continue
            self.unknown_argument(site, entry, key, parts)
        for param in missing_required(site, entry, provided, self.report.clara_version):
            self.missing(site, entry, param)
        for key, problem in relation_problems(entry, args):
            self.report.add(
                problem.code,
                problem.message,
                (*base, key),
                severity=problem.severity,
                hint=problem.hint,
                site=site,
            )
        self.default_changes(site, entry, provided)

    def deprecated_argument(
        self,
        site: ComponentSite,
        entry: ComponentEntry,
        key: str,
        deprecated: DeprecatedArg,
        parts: Parts,
    ) -> None:
        dep = deprecated.deprecation
        targets = [d.new_name for d in entry.deprecated_args if d.name == key and d.new_name]
        since = f" since MONAI {dep.since}" if dep.since else ""
        severity = Severity.ERROR if dep.raises else Severity.WARNING
        if len(targets) > 1:
            # MONAI renames the old name once per decorator: the value lands in one of the
            # new arguments, typed for another (VNet dropout_prob fails for every value)
            to = "; MONAI maps it onto " + " and ".join(targets) + ", which fails: set those"
            severity = Severity.ERROR
        else:
            to = f'; use "{targets[0]}"' if targets else ""
        self.report.add(
            "C005",
            f'"{key}" of {entry.name} is deprecated{since}{to}',
            parts,
            key=True,
            severity=severity,
            hint=dep.message,
            site=site,
        )

    def changed_argument(
        self, site: ComponentSite, entry: ComponentEntry, key: str, change: Rename, parts: Parts
    ) -> None:
        accepted = entry.accepts_any_keyword
        when = changed_when(change)
        if change.new_argument:
            message = f'"{key}" of {entry.name} was renamed "{change.new_argument}" {when}'
        else:
            message = f'"{key}" of {entry.name} was removed {when}'
        if accepted and change.forwarded_to:
            message += (
                f"; the installed MONAI passes it through **kwargs to {change.forwarded_to}, "
                "which does not take it"
            )
        elif accepted:
            message += "; the installed MONAI takes it through **kwargs and ignores it"
        self.report.add(
            "C005",
            message,
            parts,
            key=True,
            severity=Severity.WARNING if accepted and not change.forwarded_to else Severity.ERROR,
            hint=change.fix,
            site=site,
        )

    def unknown_argument(
        self, site: ComponentSite, entry: ComponentEntry, key: str, parts: Parts
    ) -> None:
        names = [p.name for p in (*entry.params, *entry.forwarded_params) if p.accepts_keyword]
        close = closest(key, names, cutoff=0.6)
        if close:
            hint = f'did you mean "{close}"?'
        elif key in COMPONENT_ATTRIBUTES or key in DATASET_ATTRIBUTES or key == "is_key_metric":
            hint = f'"{key}" belongs beside "args", not inside it'
        else:
            shown = ", ".join(names[:12]) + (", ..." if len(names) > 12 else "")
            hint = f"{entry.name} accepts: {shown}" if names else f"{entry.name} takes no arguments"
        self.report.add(
            "C002",
            f'{entry.name} has no argument "{key}"',
            parts,
            key=True,
            hint=hint,
            site=site,
        )

    def missing(self, site: ComponentSite, entry: ComponentEntry, param: Param) -> None:
        args_entry = site.node.entries.get("args")
        if args_entry is not None:
            parts: Parts = (*site.parts, "args")
            key = True
            span = None
        else:
            parts, span = self.report.name_parts(site)
            key = False
        hint = f'add "{param.name}" to args'
        wired = [
            a
            for a in IMPLICIT_ARGUMENTS
            if a.argument == param.name and a.applies_to(site.slot, site.class_name) and a.value
        ]
        if wired and self.report.clara_version not in IMPLICIT_WIRING_VERSIONS:
            hint = (
                f'add "{param.name}": "{wired[0].value}" to args (Clara 4.0 wired it '
                "implicitly; a 4.1 config must write it)"
            )
        annotation = f" ({param.annotation})" if param.annotation else ""
        self.report.add(
            "C003",
            f'{entry.name} needs "{param.name}"{annotation}',
            parts,
            key=key,
            span=span,
            hint=hint,
            site=site,
        )

    def default_changes(
        self, site: ComponentSite, entry: ComponentEntry, provided: set[str]
    ) -> None:
        for change in _changes_for(site, entry):
            if change.kind is not ChangeKind.DEFAULT_CHANGED or change.argument in provided:
                continue
            parts, span = self.report.name_parts(site)
            message = (
                f"{entry.name}'s {change.argument} now defaults to "
                f"{json_literal(change.new_value)} (it was {json_literal(change.old_value)}) "
                f"{changed_when(change)}"
            )
            severity = Severity.INFO
            read = _meta_dict_read(site, self.report.source.text)
            if change.argument == "image_only" and read is not None:
                # image_only: true returns the image alone: no "<key>_meta_dict" entry
                message += f', and this file reads "{read}", which it no longer creates'
                severity = Severity.ERROR
            self.report.add("C005", message, parts, span=span, severity=severity, hint=change.fix)

    def check_value(
        self, site: ComponentSite, entry: ComponentEntry, param: Param, node: Node, parts: Parts
    ) -> None:
        if param.annotation is None:
            self.check_domain(site, entry, param, node, parts)
            return
        if (site.class_name, param.name) in CLARA40_NAME_LISTS and isinstance(node, SequenceNode):
            if self.report.clara_version in IMPLICIT_WIRING_VERSIONS:
                return  # Clara 4.0's list of slot names
            self.report.add(
                "C004",
                f"{param.name} is a list of names (Clara 4.0 form); {entry.name} takes a mapping",
                parts,
                hint='write {"model": "@model", ...}: each name mapped to an @ reference',
                site=site,
            )
            return
        default_none = not param.required and param.default is None and param.default_repr is None
        fits = value_fits(param.annotation, node, default_none)
        if fits is not False:
            self.check_domain(site, entry, param, node, parts)
            return
        shown = describe_value(node)
        origin = self._variable_origin(parts)
        self.report.add(
            "C004",
            f'{entry.name} argument "{param.name}" expects {param.annotation}, got {shown}{origin}',
            parts,
            hint=type_hint(param.annotation, node),
            site=site,
        )

    def check_domain(
        self, site: ComponentSite, entry: ComponentEntry, param: Param, node: Node, parts: Parts
    ) -> None:
        """C010/C011: a value of the right type that the library refuses or misuses."""
        for problem in value_problems(entry, param, node, self.report.catalog.enums):
            at = parts if problem.index is None else (*parts, problem.index)
            self.report.add(
                problem.code,
                problem.message + self._variable_origin(parts),
                at,
                severity=problem.severity,
                hint=problem.hint,
                site=site,
            )

    def _variable_origin(self, parts: Parts) -> str:
        original = self.report.source.node_at(parts)
        if (
            isinstance(original, ScalarNode)
            and isinstance(original.value, str)
            and VARIABLE.fullmatch(original.value)
        ):
            return f" (the value of {original.value})"
        return ""


def missing_required(
    site: ComponentSite, entry: ComponentEntry, provided: set[str], clara_version: ClaraVersion
) -> list[Param]:
    """The required parameters of ``entry`` that ``site`` neither gives nor Clara supplied."""
    out = []
    implicit = {
        a.argument: a
        for a in implicit_arguments(site.slot, site.class_name, clara_version)
        if a.when_attribute is None or a.when_attribute in site.node.entries
    }
    for p in entry.params:
        if not p.required or not p.accepts_keyword or p.name in provided:
            continue
        if p.name in implicit:
            continue
        out.append(p)
    return out


def _changes_for(site: ComponentSite, entry: ComponentEntry) -> tuple[Rename, ...]:
    """Argument-level changes recorded for the class, under any name it goes by."""
    names = {entry.name, *entry.names}
    if site.class_name:
        names.add(site.class_name)
    seen: set[tuple[str | None, ChangeKind]] = set()
    unique: list[Rename] = []
    for n in sorted(names):
        for c in argument_changes(n):
            if (c.argument, c.kind) not in seen:
                seen.add((c.argument, c.kind))
                unique.append(c)
    return tuple(unique)


def _holds(node: Node, old: object) -> bool:
    """Whether a value is (or, in a per-key list, contains) a form that no longer works."""
    if isinstance(node, ScalarNode):
        return node.value == old and type(node.value) is type(old)
    if isinstance(node, SequenceNode):
        return any(_holds(item, old) for item in node.items)
    return False


def _meta_dict_read(site: ComponentSite, text: str) -> str | None:
    """The ``<key>_meta_dict`` of a loader's keys that the file's text names, if any.

    Clara-era configs read the loader's metadata dictionary by that name (a handler's
    ``batch_transform: lambda x: x['image_meta_dict']``, ``meta_keys``).
    """
    args = site.args
    node = args.get("keys") if args is not None else None
    plain = node.to_plain() if node is not None else "image"
    keys = [plain] if isinstance(plain, str) else [k for k in plain or [] if isinstance(k, str)]
    for key in keys:
        name = f"{key}_meta_dict"
        if name in text:
            return name
    return None
