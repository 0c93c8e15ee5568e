"""``mmarc migrate``: rewrite a Clara 4.0 (or 4.1) MMAR for Clara 4.1 and the installed MONAI.

Why a rewriter rather than a converter that re-serialises JSON: users review the result
as a diff against their own file. So every change is a small text edit at the place the
tree says (renamed key, new value, inserted entry), everything else stays byte for byte,
and inserted entries copy the indentation of their neighbours.

What it changes, each listed in :attr:`MigrationReport.changes` with its line and column
in the *original* file:

- Clara 4.0 -> 4.1: ``CLARA_TRAIN_VERSION``; the arguments Clara 4.0 wired implicitly,
  written as ``@`` references (the rows of
  :data:`mmarc.compiler.check_components.IMPLICIT_ARGUMENTS` that have a value);
  ``load_dict``/``save_dict`` name lists to ``{"model": "@model"}``; the ``metrics`` list
  to ``key_metric`` + ``additional_metrics``; output transforms on 4.0's dict engine
  output (``lambda x: x['loss']``) to 4.1's ``from_engine``.
- MONAI: what :mod:`mmarc.catalog.renames` lists (``AddChanneld`` -> ``EnsureChannelFirstd``,
  ``dimensions`` -> ``spatial_dims``, AsDiscreted's ``to_onehot: true`` + ``n_classes`` ->
  ``to_onehot: N``...), old defaults made explicit where MONAI changed them.

What it cannot do safely goes to :attr:`MigrationReport.unmigrated`, located the same
way. The MMAR is never edited in place: ``out_dir`` gets a full copy.
"""

from __future__ import annotations

import ast
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mmarc.catalog import SLOT_CATEGORIES, Catalog, load_catalog
from mmarc.catalog.renames import ChangeKind, Rename, argument_changes, component_change
from mmarc.compiler.check_components import (
    CLARA40_METRICS_SLOT,
    CLARA40_NAME_LISTS,
    IMPLICIT_WIRING_VERSIONS,
    implicit_wiring,
    section_slots,
)
from mmarc.compiler.component_sites import (
    TRAIN_SECTIONS,
    ComponentSite,
    is_component,
    iter_components,
    sections,
)
from mmarc.compiler.kinds import CONFIG_SUFFIXES, FileKind, detect_kind
from mmarc.compiler.source import (
    Entry,
    MappingNode,
    Node,
    PointerPart,
    ScalarNode,
    SequenceNode,
    SourceFile,
    load_source,
    to_pointer,
)
from mmarc.compiler.versions import VERSION_KEY, ClaraVersion, detect_version
from mmarc.errors import EXIT_USAGE, MmarcError

Parts = tuple[PointerPart, ...]

#: The version marker a migrated train/validation config gets.
TARGET_VERSION = "4.1.0"
#: Kinds whose files are rewritten; the rest are copied as they are.
MIGRATED_KINDS = frozenset(
    {FileKind.TRAIN, FileKind.VALIDATION, FileKind.FED_SERVER, FileKind.FED_CLIENT}
)
#: Arguments holding output transforms over the engine output.
_TRANSFORM_ARGS = ("output_transform", "batch_transform")
#: AsDiscrete's thresholding default before MONAI 1.0.
_OLD_LOGIT_THRESH = 0.5


@dataclass(frozen=True, slots=True)
class Change:
    """One edit, located in the original file (1-based line and column)."""

    file: str
    line: int
    column: int
    pointer: str
    message: str


@dataclass(frozen=True, slots=True)
class Unmigrated:
    """Something that needs a person, located in the original file."""

    file: str
    line: int
    column: int
    pointer: str
    message: str
    hint: str | None = None


@dataclass
class MigrationReport:
    """What :func:`migrate` did: where it wrote, what it changed and what it left."""

    source: Path
    out_dir: Path
    files: list[str] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    unmigrated: list[Unmigrated] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.unmigrated

    def lines(self) -> list[str]:
        """Human-readable lines, ``file:line:col: message``, changes first."""
        out = [f"{c.file}:{c.line}:{c.column}: {c.message}" for c in self.changes]
        for u in self.unmigrated:
            hint = f" ({u.hint})" if u.hint else ""
            out.append(f"{u.file}:{u.line}:{u.column}: not migrated: {u.message}{hint}")
        return out


class MigrationError(MmarcError):
    """The migration cannot start (bad source or destination); nothing was written."""

    exit_code = EXIT_USAGE


# ---------------------------------------------------------------------------------------
# entry point
# ---------------------------------------------------------------------------------------


def migrate(mmar_dir: Path, out_dir: Path, catalog: Catalog | None = None) -> MigrationReport:
    """Copy the MMAR at ``mmar_dir`` to ``out_dir`` with its configs rewritten.

    ``out_dir`` must not exist or be empty, and must not be ``mmar_dir`` or inside it.
    Raises :class:`MigrationError` before writing anything when that is not so.
    """
    src = mmar_dir.resolve()
    dst = out_dir.resolve()
    if not src.is_dir():
        raise MigrationError(f"{mmar_dir}: not an MMAR folder")
    if dst == src or src in dst.parents:
        raise MigrationError(
            f"{out_dir}: the output must be outside the MMAR (migrate never edits in place)"
        )
    if dst.exists() and (not dst.is_dir() or any(dst.iterdir())):
        raise MigrationError(f"{out_dir}: exists and is not an empty folder")
    catalog = catalog if catalog is not None else load_catalog()
    report = MigrationReport(mmar_dir, out_dir)
    rewritten: dict[Path, str] = {}
    env = _environment(src)
    for path in _config_files(src):
        rel = path.relative_to(src).as_posix()
        text = _migrate_file(path, rel, catalog, env, report)
        if text is not None:
            rewritten[path.relative_to(src)] = text
    shutil.copytree(src, dst, dirs_exist_ok=True)
    for rel_path, text in rewritten.items():
        (dst / rel_path).write_text(text, encoding="utf-8")
        report.files.append(rel_path.as_posix())
    report.changes.sort(key=lambda c: (c.file, c.line, c.column))
    report.unmigrated.sort(key=lambda u: (u.file, u.line, u.column))
    return report


def _config_dir(root: Path) -> Path:
    return root / "config" if (root / "config").is_dir() else root


def _config_files(root: Path) -> list[Path]:
    folder = _config_dir(root)
    found = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix == ".json")
    if folder != root:
        found += sorted(p for p in root.iterdir() if p.is_file() and p.suffix == ".json")
    return [p for p in found if p.suffix in CONFIG_SUFFIXES]


def _environment(root: Path) -> set[str]:
    """Variable names environment.json defines (``{amp}`` may come from there)."""
    env = _config_dir(root) / "environment.json"
    if not env.is_file():
        return set()
    source, diagnostics = load_source(env)
    if diagnostics or not isinstance(source.root, MappingNode):
        return set()
    return set(source.root.entries)


def _migrate_file(
    path: Path, rel: str, catalog: Catalog, env: set[str], report: MigrationReport
) -> str | None:
    source, diagnostics = load_source(path, rel)
    kind = detect_kind(path, source.root)
    if kind not in MIGRATED_KINDS:
        return None
    if diagnostics or source.root is None:
        for d in diagnostics:
            report.unmigrated.append(
                Unmigrated(rel, d.line or 1, d.column or 1, "", f"cannot read: {d.message}")
            )
        return None
    assert kind is not None
    version = detect_version(source, kind).version
    if version is ClaraVersion.V3X:
        report.unmigrated.append(
            Unmigrated(
                rel,
                1,
                1,
                "",
                "Clara 3.x (TensorFlow) configuration: migrate converts Clara 4.0 to 4.1",
                "port it to Clara 4 by hand (see the V001 diagnostics of mmarc validate)",
            )
        )
        return None
    run = _FileMigration(source, kind, version, catalog, env, report)
    run.run()
    if not run.editor.edited:
        return None
    return run.editor.render()


# ---------------------------------------------------------------------------------------
# the text editor
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Moved:
    """A value that is the original node at ``parts`` (with its own edits), moved."""

    parts: Parts


class Editor:
    """Edits on a parsed JSON file, rendered as the original text with minimal changes."""

    def __init__(self, source: SourceFile) -> None:
        assert source.root is not None
        self.source = source
        self.text = source.text
        self.root = source.root
        self.renames: dict[Parts, str] = {}
        self.values: dict[Parts, Any] = {}
        self.deleted: set[Parts] = set()
        #: mapping parts -> [(anchor, key, value)]; anchor: ("first",), ("end",),
        #: ("before", key) or ("after", key)
        self.inserts: dict[Parts, list[tuple[tuple[str, ...], str, Any]]] = {}
        self._touched: set[Parts] = set()
        self.unit = self._indent_unit()

    @property
    def edited(self) -> bool:
        return bool(self._touched)

    def _touch(self, parts: Parts) -> None:
        for i in range(len(parts) + 1):
            self._touched.add(parts[:i])

    # -- recording -------------------------------------------------------------------------
    def rename_key(self, parts: Parts, new_key: str) -> None:
        self.renames[parts] = new_key
        self._touch(parts)

    def set_value(self, parts: Parts, value: Any) -> None:
        self.values[parts] = value
        self._touch(parts)

    def delete(self, parts: Parts) -> None:
        self.deleted.add(parts)
        self._touch(parts)

    def insert(
        self, mapping: Parts, key: str, value: Any, anchor: tuple[str, ...] = ("end",)
    ) -> None:
        self.inserts.setdefault(mapping, []).append((anchor, key, value))
        self._touch(mapping)

    # -- rendering -------------------------------------------------------------------------
    def render(self) -> str:
        body = self._node(self.root, ())
        return self.text[: self.root.start] + body + self.text[self.root.end :]

    def _node(self, node: Node, parts: Parts) -> str:
        if parts in self.values:
            return self._fresh(self.values[parts], self._line_indent(node.start))
        if parts not in self._touched:
            return self.text[node.start : node.end]
        if isinstance(node, MappingNode):
            return self._mapping(node, parts)
        if isinstance(node, SequenceNode):
            return self._sequence(node, parts)
        return self.text[node.start : node.end]

    def _mapping(self, node: MappingNode, parts: Parts) -> str:
        entries = list(node.entries.items())
        inserts = self.inserts.get(parts, [])
        if not entries:
            plain = {k: v for _, k, v in inserts}
            return self._fresh(plain, self._line_indent(node.start))
        first_key = entries[0][1].key_start
        lead = self.text[node.start + 1 : first_key]
        last = entries[-1][1].value
        trail = self.text[last.end : node.end - 1]
        multiline = "\n" in lead
        indent = self._line_indent(first_key) if multiline else self._line_indent(node.start)
        sep = ",\n" + indent if multiline else ", "

        def new(key: str, value: Any) -> tuple[str, str | None]:
            return f"{json.dumps(key)}: {self._fresh(value, indent, key)}", None

        out: list[tuple[str, str | None]] = [new(k, v) for a, k, v in inserts if a == ("first",)]
        for i, (key, entry) in enumerate(entries):
            out.extend(new(k, v) for a, k, v in inserts if a == ("before", key))
            child = (*parts, key)
            if child not in self.deleted:
                prev = entries[i - 1][1].value.end if i else None
                own_sep = self.text[prev : entry.key_start] if prev is not None else None
                out.append((self._entry(key, entry, child), own_sep))
            out.extend(new(k, v) for a, k, v in inserts if a == ("after", key))
        out.extend(new(k, v) for a, k, v in inserts if a == ("end",))
        if not out:
            return "{}"
        pieces = ["{", lead]
        for j, (text, own) in enumerate(out):
            if j:
                pieces.append(own if own is not None else sep)
            pieces.append(text)
        pieces.extend([trail, "}"])
        return "".join(pieces)

    def _entry(self, key: str, entry: Entry, parts: Parts) -> str:
        key_text = (
            json.dumps(self.renames[parts])
            if parts in self.renames
            else self.text[entry.key_start : entry.key_end]
        )
        between = self.text[entry.key_end : entry.value.start]
        return key_text + between + self._node(entry.value, parts)

    def _sequence(self, node: SequenceNode, parts: Parts) -> str:
        kept = [(i, item) for i, item in enumerate(node.items) if (*parts, i) not in self.deleted]
        if not kept:
            return "[]"
        lead = self.text[node.start + 1 : node.items[0].start]
        trail = self.text[node.items[-1].end : node.end - 1]
        pieces = ["[", lead]
        for j, (i, item) in enumerate(kept):
            if j:
                prev = node.items[i - 1].end
                pieces.append(self.text[prev : item.start])
            pieces.append(self._node(item, (*parts, i)))
        pieces.extend([trail, "]"])
        return "".join(pieces)

    # -- fresh values ----------------------------------------------------------------------
    def _fresh(self, value: Any, indent: str, key: str | None = None) -> str:
        if isinstance(value, Moved):
            return self._moved(value, indent)
        if isinstance(value, dict):
            if not value:
                return "{}"
            inline = (
                "{"
                + ", ".join(f"{json.dumps(k)}: {self._fresh(v, indent)}" for k, v in value.items())
                + "}"
            )
            scalars = all(not isinstance(v, dict | list | Moved) for v in value.values())
            component = "name" in value or "path" in value or "ref" in value
            if scalars and not component and key != "args" and len(inline) <= 72:
                return inline
            inner = indent + self.unit
            items = [
                f"{inner}{json.dumps(k)}: {self._fresh(v, inner, k)}" for k, v in value.items()
            ]
            return "{\n" + ",\n".join(items) + "\n" + indent + "}"
        if isinstance(value, list):
            if all(not isinstance(v, dict | list | Moved) for v in value):
                return "[" + ", ".join(self._fresh(v, indent) for v in value) + "]"
            inner = indent + self.unit
            items = [inner + self._fresh(v, inner) for v in value]
            return "[\n" + ",\n".join(items) + "\n" + indent + "]"
        return json.dumps(value, ensure_ascii=False)

    def _moved(self, moved: Moved, indent: str) -> str:
        node = self.source.node_at(moved.parts)
        assert node is not None
        old_indent = self._line_indent(node.start)
        rendered = self._node(node, moved.parts)
        lines = rendered.split("\n")
        for i in range(1, len(lines)):
            if lines[i].startswith(old_indent):
                lines[i] = indent + lines[i][len(old_indent) :]
        return "\n".join(lines)

    def _line_indent(self, offset: int) -> str:
        line, _ = self.source.line_col(offset)
        text = self.source.line_text(line)
        return text[: len(text) - len(text.lstrip(" \t"))]

    def _indent_unit(self) -> str:
        root = self.root
        if isinstance(root, MappingNode) and root.entries:
            first = next(iter(root.entries.values()))
            indent = self._line_indent(first.key_start)
            if indent and "\n" in self.text[root.start : first.key_start]:
                return indent
        return "  "


# ---------------------------------------------------------------------------------------
# the migration of one file
# ---------------------------------------------------------------------------------------


class _FileMigration:
    def __init__(
        self,
        source: SourceFile,
        kind: FileKind,
        version: ClaraVersion,
        catalog: Catalog,
        env: set[str],
        report: MigrationReport,
    ) -> None:
        self.source = source
        self.kind = kind
        self.version = version
        self.catalog = catalog
        self.env = env
        self.report = report
        self.editor = Editor(source)
        assert isinstance(source.root, MappingNode)
        self.root: MappingNode = source.root
        #: slots each section has once migrated (key_metric from metrics...)
        self.slots = section_slots(kind, source.root)
        self.sites = list(iter_components(kind, source.root))

    # -- reporting ---------------------------------------------------------------------------
    def changed(self, parts: Parts, message: str, *, key: bool = False) -> None:
        line, column = self._at(parts, key)
        self.report.changes.append(
            Change(self.source.display, line, column, to_pointer(parts), message)
        )

    def cannot(
        self, parts: Parts, message: str, hint: str | None = None, key: bool = False
    ) -> None:
        line, column = self._at(parts, key)
        self.report.unmigrated.append(
            Unmigrated(self.source.display, line, column, to_pointer(parts), message, hint)
        )

    def _at(self, parts: Parts, key: bool) -> tuple[int, int]:
        start, _ = self.source.span_of(parts, key=key)
        return self.source.line_col(start)

    # -- the steps ---------------------------------------------------------------------------
    def run(self) -> None:
        if self.kind in (FileKind.TRAIN, FileKind.VALIDATION):
            self.version_marker()
            if self.version in IMPLICIT_WIRING_VERSIONS:
                for name, section in sections(self.kind, self.root):
                    self.metrics(name, section)
                for site in self.sites:
                    if not site.nested and site.ref is None:
                        self.wire(site)
                        self.name_lists(site)
                        self.output_transforms(site)
        for site in self.sites:
            if site.ref is None and (site.declared_name or site.path):
                self.renames(site)

    def version_marker(self) -> None:
        marker = self.root.get(VERSION_KEY)
        if marker is None:
            self.editor.insert((), VERSION_KEY, TARGET_VERSION, ("first",))
            self.changed((), f'added "{VERSION_KEY}": "{TARGET_VERSION}"')
        elif (
            isinstance(marker, ScalarNode)
            and marker.value != TARGET_VERSION
            and str(marker.value).startswith("4.0")
        ):
            self.editor.set_value((VERSION_KEY,), TARGET_VERSION)
            self.changed((VERSION_KEY,), f'{VERSION_KEY} {marker.value} -> "{TARGET_VERSION}"')

    def _base(self, section: str | None) -> Parts:
        return (section,) if section else ()

    def metrics(self, section: str | None, mapping: MappingNode) -> None:
        """4.0's ``metrics`` list -> ``key_metric`` + ``additional_metrics``."""
        node = mapping.get(CLARA40_METRICS_SLOT)
        base = self._base(section)
        parts = (*base, CLARA40_METRICS_SLOT)
        if not isinstance(node, SequenceNode):
            return
        if "key_metric" in mapping.entries or "additional_metrics" in mapping.entries:
            self.cannot(
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
                self.editor.delete((*parts, i, "is_key_metric"))
        self.editor.insert(base, "key_metric", Moved((*parts, key_index)), ("before", "metrics"))
        self.editor.delete((*parts, key_index))
        why = "the one with is_key_metric" if flagged else "the first (none had is_key_metric)"
        self.changed((*parts, key_index), f"metrics: {why} became key_metric")
        if len(items) > 1:
            self.editor.rename_key(parts, "additional_metrics")
            self.changed(parts, "metrics: the others became additional_metrics", key=True)
        else:
            self.editor.delete(parts)

    def _has(self, name: str, section: str | None, any_section: bool = True) -> bool:
        """Whether ``@name`` resolves from ``section`` once migrated (from its own section
        only, unless ``any_section``)."""
        if self.kind is FileKind.TRAIN and any_section:
            order = [section, *(s for s in TRAIN_SECTIONS if s != section)]
        else:
            order = [section]
        return any(name in self.slots.get(s, set()) for s in order)

    def wire(self, site: ComponentSite) -> None:
        """Write in the arguments Clara 4.0 supplied implicitly."""
        args = site.args
        variables = set(self.root.entries) | self.env
        added = implicit_wiring(self.kind, site, self.slots, variables)
        if not added:
            return
        if args is not None:
            for name, value in added.items():
                self.editor.insert((*site.parts, "args"), name, value)
            at: Parts = (*site.parts, "args")
        else:
            self.editor.insert(site.parts, "args", dict(added))
            at = (*site.parts, "name") if site.declared_name else site.parts
        listed = ", ".join(f'"{k}": "{v}"' for k, v in added.items())
        self.changed(
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
                self.cannot(parts, f"{arg} is a list that is not all slot names", None)
                continue
            missing = [n for n in names if not self._has(str(n), site.section)]
            if missing:
                self.cannot(
                    parts,
                    f"{arg} names {', '.join(map(str, missing))}, which no slot of this "
                    "config defines",
                    f'write {arg} as {{"name": "@slot"}} by hand',
                )
                continue
            mapping = {str(n): f"@{n}" for n in names}
            self.editor.set_value(parts, mapping)
            self.changed(parts, f"{cls}.{arg}: list of names -> {json.dumps(mapping)}")

    def output_transforms(self, site: ComponentSite) -> None:
        """4.0 lambdas over the dict engine output -> 4.1 ``from_engine`` expressions."""
        args = site.args
        if args is None:
            return
        for arg in _TRANSFORM_ARGS:
            value = _scalar(args.get(arg))
            if not isinstance(value, str):
                continue
            parts = (*site.parts, "args", arg)
            converted = convert_lambda(value)
            if converted is None:
                continue
            if converted is False:
                self.cannot(
                    parts,
                    f"{arg} reads the Clara 4.0 engine output ({value!r}); Clara 4.1 engines "
                    "pass a list with one dict per batch item",
                    "rewrite it with monai.handlers.from_engine, e.g. "
                    "\"#monai.handlers.from_engine(['pred', 'label'])\"",
                )
                continue
            self.editor.set_value(parts, converted)
            self.changed(parts, f"{arg}: {value!r} -> {converted!r}")

    # -- MONAI renames ----------------------------------------------------------------------
    def renames(self, site: ComponentSite) -> None:
        name = site.class_name
        if not name:
            return
        change = component_change(name)
        if change is not None and self.catalog.lookup(name).entry is None:
            if not self.rename_component(site, change):
                return
            name = change.new_component or name
        self.rename_arguments(site, name)

    def rename_component(self, site: ComponentSite, change: Rename) -> bool:
        key = "name" if site.declared_name is not None else "path"
        parts = (*site.parts, key)
        new = change.new_component
        entry = self.catalog.lookup(new, site.slot).entry if new else None
        if new is None or entry is None:
            self.cannot(parts, f'"{change.component}" was removed from MONAI', change.fix)
            return False
        wanted = SLOT_CATEGORIES.get(site.slot)
        if wanted is not None and not site.nested and entry.category not in wanted:
            self.cannot(
                parts,
                f'"{change.component}" ({site.slot}) has no one-to-one replacement: {new} is '
                f"{entry.category}, not {'/'.join(wanted)}",
                change.fix,
            )
            return False
        if key == "name":
            alias = f"#{site.alias}" if site.alias else ""
            self.editor.set_value(parts, f"{new}{alias}")
        else:
            self.editor.set_value(parts, entry.path)
        args = site.args
        present = set(args.entries) if args is not None else set()
        notes = []
        for old_arg, new_arg in change.arg_map.items():
            if old_arg not in present:
                continue
            arg_parts = (*site.parts, "args", old_arg)
            if new_arg is None:
                self.editor.delete(arg_parts)
                notes.append(f"dropped {old_arg}")
            else:
                self.editor.rename_key(arg_parts, new_arg)
                notes.append(f"{old_arg} -> {new_arg}")
        added = {k: v for k, v in change.set_args.items() if k not in present}
        for k, v in added.items():
            if args is not None:
                self.editor.insert((*site.parts, "args"), k, v)
        if added and args is None:
            self.editor.insert(site.parts, "args", dict(added))
        notes.extend(f"{k}: {json.dumps(v)}" for k, v in added.items())
        detail = f" ({', '.join(notes)})" if notes else ""
        self.changed(parts, f"{change.component} -> {new}{detail}")
        return True

    def rename_arguments(self, site: ComponentSite, name: str) -> None:
        args = site.args
        base = (*site.parts, "args")
        present = set(args.entries) if args is not None else set()
        entry = self.catalog.lookup(name, site.slot).entry
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
                    self.editor.insert(base, old, change.old_value)
                    self.changed(
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
                self.editor.delete(parts)
                self.changed(parts, f"{name}: deleted {old} (removed in MONAI)", key=True)
            else:
                self.cannot(
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
                self.editor.delete(parts)
                self.changed(parts, f"{site.class_name}: deleted {old} (same as {new})", key=True)
            else:
                self.cannot(
                    parts, f"{site.class_name} sets both {old} and {new}, differently", None, True
                )
            return
        self.editor.rename_key(parts, new)
        self.changed(parts, f"{site.class_name}: {old} -> {new}", key=True)

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
                self.cannot(
                    (*base, "to_onehot"),
                    f"{cls}: to_onehot: true needs the class count, and neither n_classes nor "
                    "a model out_channels gives it",
                    "write to_onehot: N (the number of classes)",
                )
            else:
                new = _onehot_value(_plain(onehot), count)
                if new is None:
                    self.editor.delete((*base, "to_onehot"))
                    self.changed((*base, "to_onehot"), f"{cls}: deleted to_onehot: false")
                else:
                    self.editor.set_value((*base, "to_onehot"), new)
                    self.changed(
                        (*base, "to_onehot"),
                        f"{cls}: to_onehot: {json.dumps(_plain(onehot))} -> {json.dumps(new)} "
                        f"({source_note})",
                    )
        elif onehot is not None and count is not None and _plain(onehot) not in (count, None):
            self.cannot(
                (*base, count_key),  # type: ignore[arg-type]
                f"{cls}: {count_key} is {count} but to_onehot is {_plain(onehot)}",
                "keep the right class count in to_onehot and delete the other",
                key=True,
            )
            count_key = None
        if count_key is not None:
            self.editor.delete((*base, count_key))
            self.changed(
                (*base, count_key), f"{cls}: deleted {count_key} (removed in MONAI 1.0)", key=True
            )
        tv_node = args.get("threshold_values")
        lt_node = args.get("logit_thresh")
        if tv_node is None and lt_node is None:
            return
        if "threshold" in args.entries:
            self.cannot(
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
                self.editor.delete((*base, key))
        anchor_key = "threshold_values" if tv_node is not None else "logit_thresh"
        if threshold is not None:
            self.editor.insert(base, "threshold", threshold, ("after", anchor_key))
        self.changed(
            (*base, anchor_key),
            f"{cls}: threshold_values/logit_thresh -> "
            + (f"threshold: {json.dumps(threshold)}" if threshold is not None else "no threshold"),
            key=True,
        )

    def model_out_channels(self, site: ComponentSite) -> Any:
        """The ``out_channels`` of the model this section (or the train section) builds."""
        order: list[str | None]
        if self.kind is FileKind.TRAIN:
            order = [site.section, *(s for s in TRAIN_SECTIONS if s != site.section)]
        else:
            order = [None]
        for section in order:
            model = self.source.node_at((*self._base(section), "model"))
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


def _child(node: Node, key: str) -> Node | None:
    return node.get(key) if isinstance(node, MappingNode) else None


def _scalar(node: Node | None) -> Any:
    return node.value if isinstance(node, ScalarNode) else None


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


# ---------------------------------------------------------------------------------------
# output transforms
# ---------------------------------------------------------------------------------------


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
