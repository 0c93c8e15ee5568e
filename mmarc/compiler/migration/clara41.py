"""The Clara 4.0 -> 4.1 rules of ``mmarc migrate``.

Why: Clara 4.0 wired components implicitly (the trainer got ``@dataloader`` without the
config saying so), named checkpoint contents by slot, split no metrics, and handed output
transforms a dict per batch. Clara 4.1 configs write all of it out; these rules write it
in, from :mod:`mmarc.compiler.components.implicit` (the table the checker and executor
read too), and report what they cannot convert.
"""

from __future__ import annotations

import ast
import json
from typing import Any

from mmarc.compiler.component_sites import TRAIN_SECTIONS, ComponentSite, sections
from mmarc.compiler.components.implicit import (
    CLARA40_METRICS_SLOT,
    CLARA40_NAME_LIST_OBJECTS,
    CLARA40_NAME_LISTS,
    IMPLICIT_WIRING_VERSIONS,
    implicit_wiring,
)
from mmarc.compiler.engine_conventions import (
    ENGINE_TRANSFORM_ARGS,
    EngineOutputUse,
    engine_output_use,
)
from mmarc.compiler.kinds import FileKind
from mmarc.compiler.migration.context import FileMigration
from mmarc.compiler.migration.text_editor import Moved, Parts
from mmarc.compiler.source import MappingNode, Node, ScalarNode, SequenceNode
from mmarc.compiler.versions import VERSION_KEY

__all__ = ["TARGET_VERSION", "convert_lambda", "migrate_to_clara41"]

#: The version marker a migrated train/validation config gets.
TARGET_VERSION = "4.1.0"


def migrate_to_clara41(file: FileMigration) -> None:
    """The Clara 4.0 -> 4.1 rules, for a train or validation config (others: nothing)."""
    if file.kind not in (FileKind.TRAIN, FileKind.VALIDATION):
        return
    rules = _Clara41Rules(file)
    rules.version_marker()
    if file.version in IMPLICIT_WIRING_VERSIONS:
        for name, section in sections(file.kind, file.root):
            rules.metrics(name, section)
        for site in file.sites:
            if not site.nested and site.ref is None:
                rules.wire(site)
                rules.name_lists(site)
                rules.output_transforms(site)
    else:
        # a 4.1 file whose lambdas still read 4.0's whole-batch dict (L014): rewrite those
        for site in file.sites:
            if not site.nested and site.ref is None:
                rules.output_transforms(site, only_batch_dict=True)


class _Clara41Rules:
    """Each Clara 4.0 -> 4.1 rule, applied to one file."""

    def __init__(self, file: FileMigration) -> None:
        self.file = file

    def version_marker(self) -> None:
        marker = self.file.root.get(VERSION_KEY)
        if marker is None:
            self.file.editor.insert((), VERSION_KEY, TARGET_VERSION, ("first",))
            self.file.changed((), f'added "{VERSION_KEY}": "{TARGET_VERSION}"')
        elif (
            isinstance(marker, ScalarNode)
            and marker.value != TARGET_VERSION
            and str(marker.value).startswith("4.0")
        ):
            self.file.editor.set_value((VERSION_KEY,), TARGET_VERSION)
            self.file.changed((VERSION_KEY,), f'{VERSION_KEY} {marker.value} -> "{TARGET_VERSION}"')

    def metrics(self, section: str | None, mapping: MappingNode) -> None:
        """4.0's ``metrics`` list -> ``key_metric`` + ``additional_metrics``."""
        node = mapping.get(CLARA40_METRICS_SLOT)
        base = self.file.section_base(section)
        parts = (*base, CLARA40_METRICS_SLOT)
        if not isinstance(node, SequenceNode):
            return
        if "key_metric" in mapping.entries or "additional_metrics" in mapping.entries:
            self.file.cannot(
                parts,
                "the section has both the 4.0 metrics list and 4.1 key_metric/additional_metrics",
                "merge them by hand",
                key=True,
            )
            return
        items = [i for i, item in enumerate(node.items) if isinstance(item, MappingNode)]
        if not items:
            return
        flagged = [i for i in items if _scalar(_child(node.items[i], "is_key_metric")) is True]
        key_index = flagged[0] if flagged else items[0]
        for i in items:
            item = node.items[i]
            assert isinstance(item, MappingNode)
            if "is_key_metric" in item.entries:
                self.file.editor.delete((*parts, i, "is_key_metric"))
        self.file.editor.insert(
            base, "key_metric", Moved((*parts, key_index)), ("before", "metrics")
        )
        self.file.editor.delete((*parts, key_index))
        why = "the one with is_key_metric" if flagged else "the first (none had is_key_metric)"
        self.file.changed((*parts, key_index), f"metrics: {why} became key_metric")
        if len(items) > 1:
            self.file.editor.rename_key(parts, "additional_metrics")
            self.file.changed(parts, "metrics: the others became additional_metrics", key=True)
        else:
            self.file.editor.delete(parts)

    def _has(self, name: str, section: str | None, any_section: bool = True) -> bool:
        """Whether ``@name`` resolves from ``section`` once migrated (from its own section
        only, unless ``any_section``)."""
        if self.file.kind is FileKind.TRAIN and any_section:
            order = [section, *(s for s in TRAIN_SECTIONS if s != section)]
        else:
            order = [section]
        return any(name in self.file.slots.get(s, set()) for s in order)

    def wire(self, site: ComponentSite) -> None:
        """Write in the arguments Clara 4.0 supplied implicitly."""
        args = site.args
        variables = set(self.file.root.entries) | self.file.env
        added = implicit_wiring(self.file.kind, site, self.file.slots, variables)
        if not added:
            return
        if args is not None:
            for name, value in added.items():
                self.file.editor.insert((*site.parts, "args"), name, value)
            at: Parts = (*site.parts, "args")
        else:
            self.file.editor.insert(site.parts, "args", dict(added))
            at = (*site.parts, "name") if site.declared_name else site.parts
        listed = ", ".join(f'"{k}": "{v}"' for k, v in added.items())
        self.file.changed(
            at, f"{site.class_name}: wired {listed} (Clara 4.0 did it implicitly)", key=True
        )

    def name_lists(self, site: ComponentSite) -> None:
        """``"save_dict": ["model"]`` (4.0) -> ``{"model": "@model"}``."""
        args = site.args
        if args is None:
            return
        for cls, arg in sorted(CLARA40_NAME_LISTS):
            node = args.get(arg)
            if site.class_name != cls or not isinstance(node, SequenceNode):
                continue
            parts = (*site.parts, "args", arg)
            names = [_scalar(item) for item in node.items]
            if not all(isinstance(n, str) for n in names):
                self.file.cannot(parts, f"{arg} is a list that is not all slot names", None)
                continue
            missing = [
                n
                for n in names
                if n not in CLARA40_NAME_LIST_OBJECTS and not self._has(str(n), site.section)
            ]
            if missing:
                self.file.cannot(
                    parts,
                    f"{arg} names {', '.join(map(str, missing))}, which no slot of this "
                    "config defines",
                    f'write {arg} as {{"name": "@slot"}} by hand',
                )
                continue
            mapping = {
                str(n): f"@{n}"
                if self._has(str(n), site.section)
                else CLARA40_NAME_LIST_OBJECTS[str(n)]
                for n in names
            }
            self.file.editor.set_value(parts, mapping)
            self.file.changed(parts, f"{cls}.{arg}: list of names -> {json.dumps(mapping)}")

    def output_transforms(self, site: ComponentSite, only_batch_dict: bool = False) -> None:
        """4.0 lambdas over the dict engine output -> 4.1 ``from_engine`` expressions.

        ``only_batch_dict``: touch only lambdas that read the output as one dict
        (``x['loss']``); the others are already written for decollated output.
        """
        args = site.args
        if args is None:
            return
        for arg in ENGINE_TRANSFORM_ARGS:
            value = _scalar(args.get(arg))
            if not isinstance(value, str):
                continue
            if only_batch_dict and engine_output_use(value) is not EngineOutputUse.BATCH_DICT:
                continue
            parts = (*site.parts, "args", arg)
            converted = convert_lambda(value)
            if converted is None:
                continue
            if converted is False:
                self.file.cannot(
                    parts,
                    f"{arg} reads the Clara 4.0 engine output ({value!r}); Clara 4.1 engines "
                    "pass a list with one dict per batch item",
                    "rewrite it with monai.handlers.from_engine, e.g. "
                    "\"#monai.handlers.from_engine(['pred', 'label'])\"",
                )
                continue
            self.file.editor.set_value(parts, converted)
            self.file.changed(parts, f"{arg}: {value!r} -> {converted!r}")


def _child(node: Node, key: str) -> Node | None:
    return node.get(key) if isinstance(node, MappingNode) else None


def _scalar(node: Node | None) -> Any:
    return node.value if isinstance(node, ScalarNode) else None


def convert_lambda(text: str) -> str | bool | None:
    """The 4.1 form of a 4.0 output transform, None when it needs no change, False when it
    reads the engine output in a way this function cannot rewrite.

    ``lambda x: x['loss']`` -> ``#monai.handlers.from_engine(['loss'], first=True)`` (the
    loss is the same for every item); ``lambda x: (x['pred'], x['label'])`` ->
    ``#monai.handlers.from_engine(['pred', 'label'])``.
    """
    stripped = text.strip()
    if not stripped.startswith("lambda"):
        return None
    try:
        tree = ast.parse(stripped, mode="eval")
    except SyntaxError:
        return None
    fn = tree.body
    if not isinstance(fn, ast.Lambda) or len(fn.args.args) != 1:
        return None
    arg = fn.args.args[0].arg
    uses = [n for n in ast.walk(fn.body) if isinstance(n, ast.Name) and n.id == arg]
    if not uses:
        return None
    body = fn.body
    keys: list[str] | None = None
    if _key_of(body, arg) is not None:
        keys = [_key_of(body, arg)]  # type: ignore[list-item]
    elif isinstance(body, ast.Tuple | ast.List):
        found = [_key_of(e, arg) for e in body.elts]
        if found and all(k is not None for k in found):
            keys = [k for k in found if k is not None]
    if not keys:
        return False
    listed = "[" + ", ".join(repr(k) for k in keys) + "]"
    first = ", first=True" if keys == ["loss"] else ""
    return f"#monai.handlers.from_engine({listed}{first})"


def _key_of(node: ast.expr, arg: str) -> str | None:
    if (
        isinstance(node, ast.Subscript)
        and isinstance(node.value, ast.Name)
        and node.value.id == arg
        and isinstance(node.slice, ast.Constant)
        and isinstance(node.slice.value, str)
    ):
        return node.slice.value
    return None
