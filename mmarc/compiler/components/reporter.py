"""One file's component diagnostics, and where in the file each one points.

Why a class of its own: class resolution and argument checks report into the same list,
point at the same places (a component's ``name`` or ``path``) and soften errors of a
component written ``"disabled": true`` in the same way.
"""

from __future__ import annotations

from pathlib import Path

from mmarc.catalog import Catalog
from mmarc.catalog.renames import Rename
from mmarc.compiler.component_sites import ComponentSite
from mmarc.compiler.custom_code import custom_classes
from mmarc.compiler.kinds import FileKind
from mmarc.compiler.source import Node, PointerPart, ScalarNode, SourceFile
from mmarc.compiler.versions import ClaraVersion
from mmarc.diagnostics import Diagnostic, Severity

__all__ = ["ComponentReporter", "Parts", "Span", "changed_when"]

#: The location of a node: the keys and indexes from the file's root.
Parts = tuple[PointerPart, ...]
#: Character offsets ``(start, end)`` inside a scalar, or None for the whole node.
Span = tuple[int, int] | None


class ComponentReporter:
    """The diagnostics of one substituted file's components, and what they are checked with."""

    def __init__(
        self,
        source: SourceFile,
        kind: FileKind,
        tree: Node,
        catalog: Catalog,
        clara_version: ClaraVersion,
        mmar_root: Path,
    ) -> None:
        self.source = source
        self.kind = kind
        self.tree = tree
        self.catalog = catalog
        self.clara_version = clara_version
        self.mmar_root = mmar_root
        self.diagnostics: list[Diagnostic] = []
        self._custom_names: dict[str, str] | None = None

    def add(
        self,
        code: str,
        message: str,
        parts: Parts,
        *,
        severity: Severity = Severity.ERROR,
        hint: str | None = None,
        key: bool = False,
        span: Span = None,
        site: ComponentSite | None = None,
    ) -> None:
        """Add a diagnostic at ``parts``; an error of a literally disabled ``site`` is a warning."""
        if site is not None and severity is Severity.ERROR and self._literally_disabled(site):
            severity = Severity.WARNING
            message += " (the component is disabled)"
        self.diagnostics.append(
            self.source.diagnostic(
                code, message, parts, severity=severity, hint=hint, key=key, span=span
            )
        )

    def _literally_disabled(self, site: ComponentSite) -> bool:
        """``"disabled": true`` as written (not via a variable, which --set may flip)."""
        original = self.source.node_at((*site.parts, "disabled"))
        return isinstance(original, ScalarNode) and original.value is True

    def name_parts(self, site: ComponentSite) -> tuple[Parts, Span]:
        """Where to point at a component's class: its ``name`` (class part) or ``path``."""
        for key in ("name", "path"):
            node = site.node.get(key)
            if isinstance(node, ScalarNode) and isinstance(node.value, str):
                span = None
                text = node.value
                if key == "name" and "#" in text and self._is_plain_string(node, text):
                    span = (node.start + 1, node.start + 1 + text.index("#"))
                return (*site.parts, key), span
        return site.parts, None

    def _is_plain_string(self, node: ScalarNode, value: str) -> bool:
        raw = self.source.text[node.start : node.end]
        return raw == f'"{value}"'

    @property
    def custom_names(self) -> dict[str, str]:
        """Class name -> dotted path of every class in the MMAR's ``custom/`` (read once)."""
        if self._custom_names is None:
            self._custom_names = custom_classes(self.mmar_root)
        return self._custom_names


def changed_when(change: Rename) -> str:
    """When MONAI made a change, as a message says it."""
    if change.version_certain:
        return f"in MONAI {change.changed_in}"
    return f"in MONAI {change.changed_in} (release not confirmed)"
