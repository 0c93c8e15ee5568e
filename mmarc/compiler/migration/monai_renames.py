"""The MONAI rules of ``mmarc migrate``: what :mod:`mmarc.catalog.renames` lists.

Why table-driven: a renamed class (``AddChanneld`` -> ``EnsureChannelFirstd``), a renamed
or removed argument (``dimensions`` -> ``spatial_dims``) and a changed default each come
from one row of the renames table, which the checker (C005/C006) reads too. AsDiscrete's
``to_onehot``/``n_classes``/``threshold_values`` changes need the model's class count and
have rules of their own here.
"""

from __future__ import annotations

import json
import re
from typing import Any

from mmarc.catalog import SLOT_CATEGORIES
from mmarc.catalog.renames import ChangeKind, Rename, argument_changes, component_change
from mmarc.compiler.component_sites import TRAIN_SECTIONS, ComponentSite, is_component
from mmarc.compiler.kinds import FileKind
from mmarc.compiler.migration.context import FileMigration
from mmarc.compiler.migration.text_editor import Parts
from mmarc.compiler.source import MappingNode, Node, ScalarNode, iter_nodes

__all__ = ["apply_monai_renames"]

#: AsDiscrete's thresholding default before MONAI 1.0.
_OLD_LOGIT_THRESH = 0.5


def apply_monai_renames(file: FileMigration) -> None:
    """The rules of :mod:`mmarc.catalog.renames` for every component the file names."""
    rules = _MonaiRenames(file)
    for site in file.sites:
        if site.ref is None and (site.declared_name or site.path):
            rules.renames(site)
    for old, new in sorted(rules.renamed.items()):
        _update_references(file, old, new)


def _update_references(file: FileMigration, old: str, new: str) -> None:
    """Point every reference to a renamed component's class at its new class name:
    ``{"ref": "AddChanneld"}``, ``"@AddChanneld"`` and ``@AddChanneld`` inside ``#`` code."""
    pattern = re.compile(rf"@{re.escape(old)}(?![A-Za-z0-9_])")
    for site in file.sites:
        if site.ref == old:
            file.editor.set_value((*site.parts, "ref"), new)
            file.changed((*site.parts, "ref"), f'ref "{old}" -> "{new}" (the class was renamed)')
    for parts, node in iter_nodes(file.root):
        if not isinstance(node, ScalarNode) or not isinstance(node.value, str):
            continue
        if parts and parts[-1] == "ref":
            continue
        value = node.value
        if value[:1] in "@#" and pattern.search(value):
            file.editor.set_value(parts, pattern.sub(f"@{new}", value))
            file.changed(parts, f"@{old} -> @{new} (the class was renamed)")


class _MonaiRenames:
    """Each rule of the renames table, applied to one file's components."""

    def __init__(self, file: FileMigration) -> None:
        self.file = file
        #: old class name -> new, for the references that name the class (an alias, which
        #: stays, is the other name a reference may use)
        self.renamed: dict[str, str] = {}

    def renames(self, site: ComponentSite) -> None:
        name = site.class_name
        if not name:
            return
        change = component_change(name)
        if change is not None and self.file.catalog.lookup(name).entry is None:
            if not self.rename_component(site, change):
                return
            name = change.new_component or name
        self.rename_arguments(site, name)

    def rename_component(self, site: ComponentSite, change: Rename) -> bool:
        key = "name" if site.declared_name is not None else "path"
        parts = (*site.parts, key)
        new = change.new_component
        entry = self.file.catalog.lookup(new, site.slot).entry if new else None
        if new is None or entry is None:
            self.file.cannot(parts, f'"{change.component}" was removed from MONAI', change.fix)
            return False
        wanted = SLOT_CATEGORIES.get(site.slot)
        if wanted is not None and not site.nested and entry.category not in wanted:
            self.file.cannot(
                parts,
                f'"{change.component}" ({site.slot}) has no one-to-one replacement: {new} is '
                f"{entry.category}, not {'/'.join(wanted)}",
                change.fix,
            )
            return False
        if key == "name":
            alias = f"#{site.alias}" if site.alias else ""
            self.file.editor.set_value(parts, f"{new}{alias}")
            self.renamed[change.component] = new
        else:
            self.file.editor.set_value(parts, entry.path)
        args = site.args
        present = set(args.entries) if args is not None else set()
        notes = []
        for old_arg, new_arg in change.arg_map.items():
            if old_arg not in present:
                continue
            arg_parts = (*site.parts, "args", old_arg)
            if new_arg is None:
                self.file.editor.delete(arg_parts)
                notes.append(f"dropped {old_arg}")
            else:
                self.file.editor.rename_key(arg_parts, new_arg)
                notes.append(f"{old_arg} -> {new_arg}")
        added = {k: v for k, v in change.set_args.items() if k not in present}
        for k, v in added.items():
            if args is not None:
                self.file.editor.insert((*site.parts, "args"), k, v)
        if added and args is None:
            self.file.editor.insert(site.parts, "args", dict(added))
        notes.extend(f"{k}: {json.dumps(v)}" for k, v in added.items())
        detail = f" ({', '.join(notes)})" if notes else ""
        self.file.changed(parts, f"{change.component} -> {new}{detail}")
        return True

    def rename_arguments(self, site: ComponentSite, name: str) -> None:
        args = site.args
        base = (*site.parts, "args")
        present = set(args.entries) if args is not None else set()
        entry = self.file.catalog.lookup(name, site.slot).entry
        names = {name, *(entry.names if entry is not None else ())}
        changes = [c for n in sorted(names) for c in argument_changes(n)]
        if name in ("AsDiscrete", "AsDiscreted") and args is not None:
            self.as_discrete(site, args)
            changes = [c for c in changes if c.argument not in _AS_DISCRETE_ARGS]
        done: set[str] = set()
        for change in changes:
            old = change.argument
            if old is None or old in done:
                continue
            done.add(old)
            parts = (*base, old)
            if change.kind is ChangeKind.DEFAULT_CHANGED:
                if old not in present and args is not None:
                    self.file.editor.insert(base, old, change.old_value)
                    self.file.changed(
                        base,
                        f"{name}: kept the Clara-era default {old}: "
                        f"{json.dumps(change.old_value)} (MONAI {change.changed_in} changed it "
                        f"to {json.dumps(change.new_value)})",
                        key=True,
                    )
                continue
            if old not in present:
                continue
            if change.kind is ChangeKind.ARGUMENT_RENAMED and change.new_argument:
                self.rename_argument(site, parts, old, change.new_argument, present)
            elif change.kind is ChangeKind.ARGUMENT_REMOVED and _deletable(change):
                self.file.editor.delete(parts)
                self.file.changed(parts, f"{name}: deleted {old} (removed in MONAI)", key=True)
            else:
                self.file.cannot(
                    parts,
                    f"{name}: {old} changed in MONAI {change.changed_in}",
                    change.fix,
                    key=True,
                )
        if entry is not None and args is not None:
            for dep in entry.deprecated_args:
                if dep.name in present and dep.name not in done and dep.new_name:
                    self.rename_argument(site, (*base, dep.name), dep.name, dep.new_name, present)

    def rename_argument(
        self, site: ComponentSite, parts: Parts, old: str, new: str, present: set[str]
    ) -> None:
        args = site.args
        assert args is not None
        if new in present:
            same = _plain(args.get(old)) == _plain(args.get(new))
            if same:
                self.file.editor.delete(parts)
                self.file.changed(
                    parts, f"{site.class_name}: deleted {old} (same as {new})", key=True
                )
            else:
                self.file.cannot(
                    parts, f"{site.class_name} sets both {old} and {new}, differently", None, True
                )
            return
        self.file.editor.rename_key(parts, new)
        self.file.changed(parts, f"{site.class_name}: {old} -> {new}", key=True)

    def as_discrete(self, site: ComponentSite, args: MappingNode) -> None:
        """AsDiscrete(d): to_onehot flag + n_classes -> count; threshold_values -> threshold."""
        base = (*site.parts, "args")
        cls = site.class_name
        count_key = next((k for k in ("n_classes", "num_classes") if k in args.entries), None)
        count_node = args.get(count_key) if count_key else None
        count: Any = _plain(count_node) if count_node is not None else None
        onehot = args.get("to_onehot")
        if onehot is not None and _holds_bool(onehot):
            source_note = f"from {count_key}"
            if count is None:
                count = self.model_out_channels(site)
                source_note = "from the model's out_channels"
            if count is None:
                self.file.cannot(
                    (*base, "to_onehot"),
                    f"{cls}: to_onehot: true needs the class count, and neither n_classes nor "
                    "a model out_channels gives it",
                    "write to_onehot: N (the number of classes)",
                )
            else:
                new = _onehot_value(_plain(onehot), count)
                if new is None:
                    self.file.editor.delete((*base, "to_onehot"))
                    self.file.changed((*base, "to_onehot"), f"{cls}: deleted to_onehot: false")
                else:
                    self.file.editor.set_value((*base, "to_onehot"), new)
                    self.file.changed(
                        (*base, "to_onehot"),
                        f"{cls}: to_onehot: {json.dumps(_plain(onehot))} -> {json.dumps(new)} "
                        f"({source_note})",
                    )
        elif onehot is not None and count is not None and _plain(onehot) not in (count, None):
            self.file.cannot(
                (*base, count_key),  # type: ignore[arg-type]
                f"{cls}: {count_key} is {count} but to_onehot is {_plain(onehot)}",
                "keep the right class count in to_onehot and delete the other",
                key=True,
            )
            count_key = None
        if count_key is not None:
            self.file.editor.delete((*base, count_key))
            self.file.changed(
                (*base, count_key), f"{cls}: deleted {count_key} (removed in MONAI 1.0)", key=True
            )
        tv_node = args.get("threshold_values")
        lt_node = args.get("logit_thresh")
        if tv_node is None and lt_node is None:
            return
        if "threshold" in args.entries:
            self.file.cannot(
                (*base, "threshold_values" if tv_node is not None else "logit_thresh"),
                f"{cls} mixes the old threshold_values/logit_thresh with threshold",
                "keep threshold only",
                key=True,
            )
            return
        tv = _plain(tv_node) if tv_node is not None else False
        lt = _plain(lt_node) if lt_node is not None else _OLD_LOGIT_THRESH
        threshold = _threshold_value(tv, lt)
        for key, node in (("threshold_values", tv_node), ("logit_thresh", lt_node)):
            if node is not None:
                self.file.editor.delete((*base, key))
        anchor_key = "threshold_values" if tv_node is not None else "logit_thresh"
        if threshold is not None:
            self.file.editor.insert(base, "threshold", threshold, ("after", anchor_key))
        self.file.changed(
            (*base, anchor_key),
            f"{cls}: threshold_values/logit_thresh -> "
            + (f"threshold: {json.dumps(threshold)}" if threshold is not None else "no threshold"),
            key=True,
        )

    def model_out_channels(self, site: ComponentSite) -> Any:
        """The ``out_channels`` of the model this section (or the train section) builds."""
        order: list[str | None]
        if self.file.kind is FileKind.TRAIN:
            order = [site.section, *(s for s in TRAIN_SECTIONS if s != site.section)]
        else:
            order = [None]
        for section in order:
            model = self.file.source.node_at((*self.file.section_base(section), "model"))
            if isinstance(model, MappingNode) and is_component(model):
                args = model.get("args")
                if isinstance(args, MappingNode) and "out_channels" in args.entries:
                    return _plain(args.get("out_channels"))
        return None


_AS_DISCRETE_ARGS = frozenset(
    {"n_classes", "num_classes", "to_onehot", "threshold_values", "logit_thresh"}
)


def _deletable(change: Rename) -> bool:
    """Removed arguments whose deletion keeps behaviour (the table says 'delete it')."""
    return change.fix.lower().startswith("delete it:")


def _plain(node: Node | None) -> Any:
    return node.to_plain() if node is not None else None


def _holds_bool(node: Node) -> bool:
    value = node.to_plain()
    if isinstance(value, bool):
        return True
    return isinstance(value, list) and any(isinstance(v, bool) for v in value)


def _onehot_value(value: Any, count: Any) -> Any:
    """``true`` -> count, ``false`` -> None; per key in a list."""
    if isinstance(value, list):
        return [_onehot_value(v, count) if isinstance(v, bool) else v for v in value]
    if value is True:
        return count
    if value is False:
        return None
    return value


def _threshold_value(threshold_values: Any, logit_thresh: Any) -> Any:
    if isinstance(threshold_values, list):
        per_key = [logit_thresh if v is True else None for v in threshold_values]
        return per_key if any(v is not None for v in per_key) else None
    return logit_thresh if threshold_values is True else None
