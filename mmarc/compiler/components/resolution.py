"""Which class a component names: catalog, the MMAR's custom/ folder, or nothing (C001, C006-C008).

Why its own module: a component's class can be named by short name, by dotted path or as a
class of the MMAR's own ``custom/`` folder; MONAI renamed or removed some and has several
classes of one name. Everything after resolution (its arguments) works on the one
:class:`~mmarc.catalog.ComponentEntry` this module picks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mmarc.catalog import Catalog, ComponentEntry, Param, ParamKind
from mmarc.catalog.renames import Rename, component_change
from mmarc.compiler.component_sites import ComponentSite
from mmarc.compiler.components.arguments import missing_required
from mmarc.compiler.components.reporter import ComponentReporter, Parts, changed_when
from mmarc.compiler.custom_code import CustomLookup, lookup_custom
from mmarc.compiler.suggest import closest
from mmarc.diagnostics import Severity

__all__ = ["CUSTOM_HINT", "ClassResolver"]

CUSTOM_HINT = "the MMAR's custom/ folder"


@dataclass(frozen=True, slots=True)
class _Verdict:
    """How a config's args fit one candidate class (for C008)."""

    unknown: tuple[str, ...]
    missing: tuple[str, ...]

    @property
    def fits(self) -> bool:
        return not self.unknown and not self.missing


class ClassResolver:
    """Resolves each component's class, reporting into one file's :class:`ComponentReporter`."""

    def __init__(self, report: ComponentReporter) -> None:
        self.report = report

    def resolve(self, site: ComponentSite) -> ComponentEntry | None:
        """The class a component names (reporting C001/C006/C007/C008), or None."""
        class_name = site.class_name or ""
        parts, span = self.report.name_parts(site)
        # with both, Clara imports "path" (a custom/ class) and "name" is its label
        path = site.path
        if path is not None:
            parts, span = (*site.parts, "path"), None
            entry = self.report.catalog.by_path(path.strip())
            if entry is not None:
                self.deprecated_class(site, entry, parts, span)
                return entry
            return self.resolve_path(site, path.strip(), parts)
        name = class_name
        if "." in name:  # a dotted "name": Clara looked it up as a path
            return self.resolve_path(site, name, parts)
        change = component_change(name)
        resolution = self.report.catalog.lookup(name, site.slot)
        if change is not None:
            self.renamed_class(site, change, parts, span, resolution.entry is not None)
            if resolution.entry is None:
                return None
        entry = resolution.entry
        if entry is None:
            self.unknown_class(site, name, parts, span)
            return None
        self.category_mismatch(site, entry, resolution.why, parts, span)
        if resolution.ambiguous:
            self.ambiguity(site, entry, resolution.alternatives, parts, span)
        if change is None:
            self.deprecated_class(site, entry, parts, span)
        return entry

    def resolve_path(self, site: ComponentSite, path: str, parts: Parts) -> ComponentEntry | None:
        short = path.rsplit(".", 1)[-1]
        change = component_change(short)
        if change is not None and self.report.catalog.lookup(short).entry is None:
            self.renamed_class(site, change, parts, None, False)
            return None
        found = lookup_custom(self.report.mmar_root, path, self._external)
        if found.status == "found":
            return self.custom_entry(site, found, parts)
        if found.status == "no_class":
            close = closest(short, list(found.candidates), cutoff=0.6)
            where = _rel(found.file, self.report.mmar_root)
            hint = f'did you mean "{path.rsplit(".", 1)[0]}.{close}"?' if close else None
            if hint is None and found.candidates:
                hint = f"{where} defines " + ", ".join(found.candidates)
            self.report.add(
                "C001",
                f'{where} has no class "{short}"',
                parts,
                hint=hint or f"define class {short} in {where}",
                site=site,
            )
            return None
        if found.status == "unreadable":
            self.report.add(
                "C007",
                f"cannot read {_rel(found.file, self.report.mmar_root)} to check {path}: "
                f"{found.reason}",
                parts,
                severity=Severity.WARNING,
                hint="fix the file; mmarc reads custom code without running it",
            )
            return None
        root = path.split(".", 1)[0]
        skipped = next(
            (m for m in self.report.catalog.skipped if path.startswith(m.module + ".")), None
        )
        if skipped is not None:
            self.report.add(
                "C007",
                f'"{path}" cannot be checked: the catalog was built without {skipped.module} '
                f"({skipped.reason})",
                parts,
                severity=Severity.WARNING,
                hint="rebuild the catalog (`mmarc catalog build`) where that module imports",
            )
            return None
        if root in ("monai", "torch", "ignite"):
            resolution = self.report.catalog.lookup(path)
            suggestions = [e.path for e in resolution.alternatives][:3]
            hint = (
                "did you mean " + " or ".join(f'"{s}"' for s in suggestions) + "?"
                if suggestions
                else _suggest_hint(self.report.catalog.suggest(short))
            )
            self.report.add(
                "C001",
                f'unknown component "{path}": the installed {root} has no such class',
                parts,
                hint=hint,
                site=site,
            )
            return None
        self.report.add(
            "C007",
            f'"{path}" is not a catalogued class and not in the MMAR\'s custom/ folder, '
            "so its arguments cannot be checked",
            parts,
            severity=Severity.WARNING,
            hint=f"put the module in {CUSTOM_HINT} or make sure the package is installed where "
            "the MMAR runs",
        )
        return None

    def _external(self, dotted: str) -> tuple[tuple[Param, ...], bool] | None:
        entry = self.report.catalog.by_path(dotted)
        if entry is None:
            return None
        params = (*entry.params, *entry.forwarded_params)
        return tuple(p for p in params if not p.is_variadic), entry.accepts_any_keyword

    def custom_entry(
        self, site: ComponentSite, found: CustomLookup, parts: Parts
    ) -> ComponentEntry | None:
        signature = found.signature
        assert signature is not None
        params = list(signature.params)
        if signature.open_kwargs:
            params.append(Param("kwargs", ParamKind.VAR_KEYWORD, False))
            known = {p.name for p in signature.params}
            args = site.args
            unknown = [k for k in (args.entries if args is not None else {}) if k not in known]
            if unknown:
                self.report.add(
                    "C007",
                    f"cannot check {', '.join(repr(k) for k in unknown)} of custom class "
                    f"{found.dotted}: {signature.open_reason}",
                    parts,
                    severity=Severity.WARNING,
                    hint="mmarc checks the custom arguments it can see in the source; these "
                    "go through **kwargs",
                )
        name = found.dotted.rsplit(".", 1)[-1]
        return ComponentEntry((name,), found.dotted, "custom", tuple(params))

    # -- class-level reports -----------------------------------------------------------------
    def unknown_class(self, site: ComponentSite, name: str, parts: Parts, span: Any) -> None:
        custom = self.report.custom_names.get(name)
        if custom is not None:
            self.report.add(
                "C001",
                f'"{name}" is not a MONAI/torch class; the MMAR\'s custom/ folder defines it',
                parts,
                span=span,
                hint=f'write "path": "{custom}" instead of "name" for a custom class',
                site=site,
            )
            return
        self.report.add(
            "C001",
            f'unknown component "{name}"',
            parts,
            span=span,
            hint=_suggest_hint(self.report.catalog.suggest(name))
            or "no MONAI, torch or ignite class has this name; a class of the MMAR's own "
            'goes in custom/ and is named with "path": "module.Class"',
            site=site,
        )

    def renamed_class(
        self, site: ComponentSite, change: Rename, parts: Parts, span: Any, still_there: bool
    ) -> None:
        when = changed_when(change)
        old = change.component
        if change.new_component:
            message = f'"{old}" was replaced by "{change.new_component}" {when}'
        else:
            message = f'"{old}" was removed {when}'
        severity = Severity.WARNING if still_there else Severity.ERROR
        if still_there:
            message += " (the installed MONAI still has it, deprecated)"
        self.report.add(
            "C006", message, parts, span=span, hint=change.fix, severity=severity, site=site
        )

    def deprecated_class(
        self, site: ComponentSite, entry: ComponentEntry, parts: Parts, span: Any
    ) -> None:
        dep = entry.deprecation
        if dep is None:
            return
        severity = Severity.ERROR if dep.raises else Severity.WARNING
        since = f" since MONAI {dep.since}" if dep.since else ""
        removed = f", removed in {dep.removed}" if dep.removed else ""
        self.report.add(
            "C006",
            f"{entry.name} is deprecated{since}{removed}: {dep.message}",
            parts,
            span=span,
            severity=severity,
            site=site,
        )

    def category_mismatch(
        self, site: ComponentSite, entry: ComponentEntry, why: str, parts: Parts, span: Any
    ) -> None:
        if site.nested or "(none of the candidates is a" not in why:
            return
        wanted = why.rsplit("(none of the candidates is a ", 1)[1].split(")")[0]
        self.report.add(
            "C001",
            f'"{entry.name}" is {_article(entry.category)} {entry.category} ({entry.path}), '
            f'but "{site.slot}" holds {_article(wanted)} {wanted}',
            parts,
            span=span,
            severity=Severity.WARNING,
            hint=_slot_hint(site.slot, entry, self.report.catalog),
            site=site,
        )

    def ambiguity(
        self,
        site: ComponentSite,
        entry: ComponentEntry,
        alternatives: Sequence[ComponentEntry],
        parts: Parts,
        span: Any,
    ) -> None:
        """C008 when precedence picked a class the args do not fit but another one does."""
        chosen = self.verdict(site, entry)
        if chosen.fits:
            return
        for alt in alternatives:
            if alt.category != entry.category or not self.verdict(site, alt).fits:
                continue
            problem = (
                f"unknown {', '.join(chosen.unknown)}"
                if chosen.unknown
                else f"missing {', '.join(chosen.missing)}"
            )
            self.report.add(
                "C008",
                f'"{site.class_name}" is ambiguous: mmarc took {entry.path} (module precedence),'
                f" whose arguments do not fit ({problem}); {alt.path} accepts them",
                parts,
                span=span,
                severity=Severity.WARNING,
                hint=f'write "path": "{alt.path}" to build that one',
            )
            return

    def verdict(self, site: ComponentSite, entry: ComponentEntry) -> _Verdict:
        args = site.args
        given = set(args.entries) if args is not None else set()
        unknown = tuple(
            k
            for k in sorted(given)
            if entry.accepted_param(k) is None
            and not entry.accepts_any_keyword
            and entry.deprecated_arg(k) is None
        )
        missing = tuple(
            p.name for p in missing_required(site, entry, given, self.report.clara_version)
        )
        return _Verdict(unknown, missing)


def _suggest_hint(names: Sequence[str]) -> str | None:
    if not names:
        return None
    return "did you mean " + " or ".join(f'"{n}"' for n in names) + "?"


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


def _slot_hint(slot: str, entry: ComponentEntry, catalog: Catalog) -> str:
    if entry.category == "metric" and slot in (
        "key_metric",
        "additional_metrics",
        "metrics",
        "key_train_metric",
        "key_val_metric",
    ):
        return (
            "engine metrics come from monai.handlers (MeanDice, not DiceMetric) or ignite.metrics"
        )
    return f'"{slot}" expects another kind of class'


def _rel(path: Path | None, root: Path) -> str:
    if path is None:
        return "custom/"
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)
