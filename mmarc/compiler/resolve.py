"""Which class a component means: the one answer shared by the checks, the plan and migrate.

A component names its class by short ``name`` (resolved through the catalog, with the
slot it sits in as a hint), by dotted ``path`` (catalog, or a module in the MMAR's own
``custom/`` folder), or by a Clara/NVFlare federated-learning name that maps to mmarc's
runtime through the FL alias table.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mmarc.catalog import Catalog, Resolution
from mmarc.compiler.custom_code import module_file, split_custom_path
from mmarc.compiler.kinds import FileKind


@dataclass(frozen=True, slots=True)
class ResolvedClass:
    """``path`` is the dotted path to build; ``custom`` when it lives in the MMAR's custom/."""

    path: str | None
    custom: bool = False
    resolution: Resolution | None = None


def custom_module_file(dotted: str, mmar_root: Path) -> Path | None:
    """The file under ``custom/`` that defines ``dotted``'s module, if there is one."""
    split = split_custom_path(dotted)
    return module_file(mmar_root / "custom", split[0]) if split is not None else None


def resolve_class(
    name: str | None,
    path: str | None,
    slot: str,
    catalog: Catalog,
    mmar_root: Path,
    kind: FileKind | None = None,
) -> ResolvedClass:
    """Resolve a component's ``name``/``path`` to the class the runtime will build."""
    if kind in (FileKind.FED_SERVER, FileKind.FED_CLIENT):
        from mmarc.compiler.fl_components import runtime_path

        mapped = runtime_path(name, path)
        if mapped is not None:
            return ResolvedClass(mapped)
    if path:
        if custom_module_file(path, mmar_root) is not None:
            return ResolvedClass(path, custom=True)
        resolution = catalog.lookup(path, slot)
        return ResolvedClass(resolution.entry.path if resolution.entry else path, False, resolution)
    if name:
        resolution = catalog.lookup(name, slot)
        return ResolvedClass(resolution.entry.path if resolution.entry else None, False, resolution)
    return ResolvedClass(None)
