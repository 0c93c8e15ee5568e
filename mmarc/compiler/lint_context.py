"""What every ``mmarc lint`` rule reads: the validated target, its components and datalists.

Why a module of its own: the lint rules live in several modules (cross-section rules in
:mod:`mmarc.compiler.consistency`, datalist semantics in :mod:`mmarc.compiler.datalist`,
image channels in :mod:`mmarc.compiler.channels`), and they must share one way to find a
component's arguments, one way to resolve a dataset's datalist, and one parse of each
datalist per run.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mmarc.compiler.component_sites import ComponentSite, iter_components
from mmarc.compiler.kinds import FileKind
from mmarc.compiler.mmar import LoadedFile
from mmarc.compiler.pipeline import Validation
from mmarc.compiler.source import MappingNode, Node, PointerPart, SequenceNode
from mmarc.compiler.substitute import has_unresolved_variable, mmar_path

__all__ = [
    "DATALIST_FILE_KEYS",
    "DatasetData",
    "LintContext",
    "Parts",
    "arg_of",
    "by_class",
    "datalist_sites",
    "dataset_data",
    "node_at",
    "sites_of",
    "value_of",
]

Parts = tuple[PointerPart, ...]

#: Keys of datalist items that name files.
DATALIST_FILE_KEYS = ("image", "label")


@dataclass
class LintContext:
    """What every rule may look at: the validation result and its MMAR root.

    ``require_data`` makes data that is not on this machine an error (a site's pre-flight
    check); without it, such data is skipped and :attr:`data_skipped` says why, once.
    """

    validation: Validation
    require_data: bool = False
    data_skipped: list[tuple[LoadedFile, Parts, str]] = field(default_factory=list)
    #: each datalist parsed once per run (None: missing or unreadable)
    datalists: dict[Path, Any] = field(default_factory=dict)

    @property
    def root(self) -> Path:
        return self.validation.target.root

    def files(self, kind: FileKind) -> list[LoadedFile]:
        return [f for f in self.validation.target.files if f.kind is kind and f.substituted]

    def read_datalist(self, path: Path) -> Any:
        """The parsed datalist at ``path``, or None when it is missing or not JSON."""
        if path not in self.datalists:
            try:
                self.datalists[path] = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                self.datalists[path] = None
        return self.datalists[path]


def value_of(node: Node | None) -> Any:
    return node.to_plain() if node is not None else None


def node_at(tree: Node, parts: Parts) -> Node | None:
    node: Node | None = tree
    for part in parts:
        if isinstance(node, MappingNode):
            node = node.get(str(part))
        elif isinstance(node, SequenceNode) and isinstance(part, int) and part < len(node.items):
            node = node.items[part]
        else:
            return None
    return node


def arg_of(site: ComponentSite, name: str, tree: Node) -> tuple[Any, Parts] | None:
    """An argument of a component as substituted, and its pointer."""
    parts = (*site.parts, "args", name)
    node = node_at(tree, parts)
    if node is None:
        return None
    return node.to_plain(), parts


def sites_of(f: LoadedFile) -> list[ComponentSite]:
    assert f.kind is not None
    return list(iter_components(f.kind, f.substituted))


def by_class(sites: list[ComponentSite], *names: str) -> list[ComponentSite]:
    return [s for s in sites if s.class_name in names]


def datalist_sites(ctx: LintContext) -> Iterator[tuple[LoadedFile, ComponentSite, Node]]:
    """Every dataset that reads a datalist (Clara's ``data_list_file_path``)."""
    for f in ctx.files(FileKind.TRAIN) + ctx.files(FileKind.VALIDATION):
        for site in sites_of(f):
            if site.slot == "dataset" and site.node.get("data_list_file_path") is not None:
                assert f.substituted is not None
                yield f, site, f.substituted


@dataclass(frozen=True)
class DatasetData:
    """The list a dataset reads, found on this machine: its items and where files are."""

    datalist: Path
    key: str
    items: list[Any]
    base: Path | None  # None: data_file_base_dir has an undefined variable


def dataset_data(ctx: LintContext, site: ComponentSite, tree: Node) -> DatasetData | None:
    """The items a dataset reads when its datalist is here and has the list; else None
    (:func:`mmarc.compiler.consistency.rule_datalist` reports why)."""
    path_value = value_of(node_at(tree, (*site.parts, "data_list_file_path")))
    if not isinstance(path_value, str) or has_unresolved_variable(path_value):
        return None
    datalist = mmar_path(path_value, ctx.root)
    data = ctx.read_datalist(datalist) if datalist.is_file() else None
    key = value_of(node_at(tree, (*site.parts, "data_list_key"))) or "training"
    if not isinstance(data, dict) or not isinstance(key, str):
        return None
    items = data.get(key)
    if not isinstance(items, list):
        return None
    base_value = value_of(node_at(tree, (*site.parts, "data_file_base_dir")))
    base: Path | None = datalist.parent
    if isinstance(base_value, str):
        base = None if has_unresolved_variable(base_value) else mmar_path(base_value, ctx.root)
    return DatasetData(datalist, key, items, base)
