"""Edits on a parsed JSON file, rendered as the original text with minimal changes.

Why not re-serialise: users review a migration as a diff against their own file. Every
edit (renamed key, new value, deleted or inserted entry, moved value) is applied at the
offsets the tree recorded; everything else stays byte for byte, and inserted entries copy
the indentation of their neighbours.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from mmarc.compiler.source import Entry, MappingNode, Node, PointerPart, SequenceNode, SourceFile

__all__ = ["Editor", "Moved", "Parts"]

#: A path of keys and indices from the file's root.
Parts = tuple[PointerPart, ...]


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
