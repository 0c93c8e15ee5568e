"""Stage 1 of the compiler: load JSON and YAML into trees that remember where they came from.

Python's ``json`` and PyYAML's loaders throw source positions away; mmarc needs them for
every later diagnostic. This module parses a file into :class:`Node` objects (mapping,
sequence, scalar), each carrying the character offsets of its key and value, and offers
:meth:`SourceFile.diagnostic` so that any stage can report a problem at a JSON pointer
without knowing how the file was parsed.

JSON is parsed by a small strict recursive-descent parser written for its error messages
(trailing commas, ``ture``, single quotes, comments and unclosed brackets each get a
message and a fix); YAML is composed by PyYAML (the C parser when present) and its node
graph is converted. Duplicate keys are errors in both.
"""

from __future__ import annotations

import bisect
import difflib
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mmarc.diagnostics import Diagnostic, Severity

PointerPart = str | int


@dataclass(slots=True)
class Node:
    """A value in a loaded file; ``start``/``end`` are character offsets into the text."""

    start: int
    end: int

    def to_plain(self) -> Any:
        raise NotImplementedError


@dataclass(slots=True)
class ScalarNode(Node):
    value: Any = None

    def to_plain(self) -> Any:
        return self.value


@dataclass(slots=True)
class Entry:
    """One key of a mapping: where the key is written, and its value."""

    key_start: int
    key_end: int
    value: Node


@dataclass(slots=True)
class MappingNode(Node):
    entries: dict[str, Entry] = field(default_factory=dict)

    def to_plain(self) -> dict[str, Any]:
        return {k: e.value.to_plain() for k, e in self.entries.items()}

    def get(self, key: str) -> Node | None:
        entry = self.entries.get(key)
        return entry.value if entry is not None else None


@dataclass(slots=True)
class SequenceNode(Node):
    items: list[Node] = field(default_factory=list)

    def to_plain(self) -> list[Any]:
        return [item.to_plain() for item in self.items]


def escape_pointer_part(part: PointerPart) -> str:
    return str(part).replace("~", "~0").replace("/", "~1")


def to_pointer(parts: Sequence[PointerPart]) -> str:
    """RFC 6901 JSON pointer for a path of keys and indices ('' is the whole document)."""
    return "".join("/" + escape_pointer_part(p) for p in parts)


def from_pointer(pointer: str) -> list[str]:
    if not pointer:
        return []
    return [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]


@dataclass
class SourceFile:
    """A file as loaded: its text, its tree (None when it did not parse) and positions.

    ``display`` is the path printed in diagnostics: a path that opens from the directory
    mmarc was started in.
    """

    path: Path
    display: str
    text: str
    root: Node | None = None
    _line_starts: list[int] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        starts = [0]
        starts.extend(m.end() for m in re.finditer(r"\r\n|\n|\r", self.text))
        self._line_starts = starts

    # -- positions ---------------------------------------------------------------
    def line_col(self, offset: int) -> tuple[int, int]:
        """1-based line and column of a character offset."""
        offset = max(0, min(offset, len(self.text)))
        line = bisect.bisect_right(self._line_starts, offset) - 1
        return line + 1, offset - self._line_starts[line] + 1

    def offset_of(self, line: int, column: int) -> int:
        """Character offset of a 0-based (line, column) pair, as PyYAML reports them."""
        if line >= len(self._line_starts):
            return len(self.text)
        return min(self._line_starts[line] + column, len(self.text))

    def line_text(self, line: int) -> str:
        """The text of a 1-based line, without its line break."""
        if not 1 <= line <= len(self._line_starts):
            return ""
        start = self._line_starts[line - 1]
        end = self._line_starts[line] if line < len(self._line_starts) else len(self.text)
        return self.text[start:end].rstrip("\r\n")

    # -- navigation ----------------------------------------------------------------
    def walk(self, parts: Sequence[PointerPart]) -> tuple[Node | None, Entry | None, int]:
        """Follow ``parts`` from the root as far as the tree allows.

        Returns the deepest node reached, the mapping entry that holds it (if it was
        reached through a key) and how many parts were consumed.
        """
        node = self.root
        entry: Entry | None = None
        consumed = 0
        for part in parts:
            if isinstance(node, MappingNode) and str(part) in node.entries:
                entry = node.entries[str(part)]
                node = entry.value
            elif isinstance(node, SequenceNode) and _as_index(part, len(node.items)) is not None:
                node = node.items[_as_index(part, len(node.items))]  # type: ignore[index]
                entry = None
            else:
                break
            consumed += 1
        return node, entry, consumed

    def node_at(self, parts: Sequence[PointerPart]) -> Node | None:
        node, _, consumed = self.walk(parts)
        return node if consumed == len(parts) else None

    def span_of(self, parts: Sequence[PointerPart], *, key: bool = False) -> tuple[int, int]:
        """Offsets of the value at ``parts`` (or of its key when ``key``).

        A path that does not exist is located at the deepest node that does, so that a
        missing key is reported on the mapping that should hold it.
        """
        node, entry, consumed = self.walk(parts)
        if node is None:
            return 0, 0
        if consumed == len(parts) and key and entry is not None:
            return entry.key_start, entry.key_end
        if consumed < len(parts) and entry is not None and isinstance(node, MappingNode):
            # point at the key that opens the mapping missing the child, not its whole body
            return entry.key_start, entry.key_end
        if isinstance(node, MappingNode | SequenceNode):
            # a container: underline its opening character only
            return node.start, node.start + 1
        return node.start, node.end

    # -- reporting -----------------------------------------------------------------
    def diagnostic(
        self,
        code: str,
        message: str,
        parts: Sequence[PointerPart] = (),
        *,
        severity: Severity = Severity.ERROR,
        hint: str | None = None,
        key: bool = False,
        span: tuple[int, int] | None = None,
    ) -> Diagnostic:
        """A diagnostic located at the value (or key) that ``parts`` points to."""
        start, end = span if span is not None else self.span_of(parts, key=key)
        line, column = self.line_col(start)
        end_line, end_column = self.line_col(max(end, start + 1) if self.text else start)
        return Diagnostic(
            severity=severity,
            code=code,
            message=message,
            file=self.display,
            line=line,
            column=column,
            pointer=to_pointer(parts),
            hint=hint,
            end_line=end_line,
            end_column=end_column,
        )

    def to_plain(self) -> Any:
        return self.root.to_plain() if self.root is not None else None


def _as_index(part: PointerPart, length: int) -> int | None:
    if isinstance(part, int):
        return part if 0 <= part < length else None
    if part.isdigit():
        i = int(part)
        return i if i < length else None
    return None


def iter_nodes(
    node: Node, parts: tuple[PointerPart, ...] = ()
) -> Iterator[tuple[tuple[PointerPart, ...], Node]]:
    """Every node below ``node`` (itself included) with its path, depth first."""
    yield parts, node
    if isinstance(node, MappingNode):
        for k, e in node.entries.items():
            yield from iter_nodes(e.value, (*parts, k))
    elif isinstance(node, SequenceNode):
        for i, item in enumerate(node.items):
            yield from iter_nodes(item, (*parts, i))


# ---------------------------------------------------------------------------------------
# JSON
# ---------------------------------------------------------------------------------------


class _JsonError(Exception):
    def __init__(self, message: str, start: int, end: int, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.start = start
        self.end = end
        self.hint = hint


_WS = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_STRING_CHUNK = re.compile(r'[^"\\\x00-\x1f]*')
_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
_LITERALS: dict[str, Any] = {"true": True, "false": False, "null": None}
_LITERAL_FIXES = {
    "True": "true",
    "False": "false",
    "None": "null",
    "NULL": "null",
    "Null": "null",
    "TRUE": "true",
    "FALSE": "false",
    "nil": "null",
    "undefined": "null",
}


class _JsonParser:
    """Strict RFC 8259 parser that records offsets and collects duplicate keys."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.duplicates: list[tuple[list[PointerPart], Entry, Entry]] = []
        self._open: list[tuple[str, int]] = []

    def parse(self) -> Node:
        self._skip()
        if self.pos >= len(self.text):
            raise _JsonError("the file is empty", 0, 0, "a JSON configuration starts with '{'")
        node = self._value([])
        self._skip()
        if self.pos < len(self.text):
            raise _JsonError(
                "unexpected content after the end of the JSON document",
                self.pos,
                self.pos + 1,
                "a file holds one JSON value; remove what follows it or wrap both in one object",
            )
        return node

    def _skip(self) -> None:
        text = self.text
        while True:
            self.pos = _WS.match(text, self.pos).end()  # type: ignore[union-attr]
            if text.startswith("//", self.pos) or text.startswith("/*", self.pos):
                end = self.pos + 2
                raise _JsonError(
                    "comments are not allowed in JSON",
                    self.pos,
                    end,
                    "remove the comment, or keep the note as a key that starts with '_' "
                    '(for example "_comment": "...")',
                )
            return

    def _value(self, path: list[PointerPart]) -> Node:
        text, pos = self.text, self.pos
        if pos >= len(text):
            self._unclosed()
        ch = text[pos]
        if ch == "{":
            return self._object(path)
        if ch == "[":
            return self._array(path)
        if ch == '"':
            start = pos
            value = self._string()
            return ScalarNode(start, self.pos, value)
        if ch == "'":
            end = text.find("'", pos + 1)
            end = end + 1 if end != -1 else pos + 1
            raise _JsonError(
                "strings must use double quotes",
                pos,
                end,
                "replace the single quotes with double quotes",
            )
        m = _NUMBER.match(text, pos)
        if m and m.end() > pos:
            raw = m.group()
            number: int | float = float(raw) if any(c in raw for c in ".eE") else int(raw)
            self.pos = m.end()
            return ScalarNode(pos, self.pos, number)
        m = _WORD.match(text, pos)
        if m:
            word = m.group()
            self.pos = m.end()
            if word in _LITERALS:
                return ScalarNode(pos, self.pos, _LITERALS[word])
            fix = _LITERAL_FIXES.get(word) or next(
                iter(difflib.get_close_matches(word.lower(), list(_LITERALS), n=1, cutoff=0.6)),
                None,
            )
            if word in ("NaN", "Infinity"):
                hint = "JSON has no NaN or Infinity; use a number or a string"
            elif fix:
                hint = f"did you mean {fix}?"
            else:
                hint = f'if this is text, quote it: "{word}"'
            raise _JsonError(f"unexpected word '{word}'", pos, self.pos, hint)
        if ch in "}]":
            raise _JsonError(
                f"expected a value before '{ch}'",
                pos,
                pos + 1,
                "remove the comma before it, or add the missing value",
            )
        if ch == ",":
            raise _JsonError(
                "expected a value before ','",
                pos,
                pos + 1,
                "remove the extra comma, or add the missing value",
            )
        raise _JsonError(f"unexpected character {ch!r}", pos, pos + 1, None)

    def _unclosed(self) -> None:
        if self._open:
            kind, at = self._open[-1]
            closer = "}" if kind == "{" else "]"
            raise _JsonError(
                f"'{kind}' is never closed: the file ends before its '{closer}'",
                at,
                at + 1,
                f"add the missing '{closer}'",
            )
        raise _JsonError("unexpected end of file", len(self.text), len(self.text), None)

    def _string(self) -> str:
        text = self.text
        start = self.pos
        pos = start + 1
        chunks: list[str] = []
        while True:
            m = _STRING_CHUNK.match(text, pos)
            chunks.append(m.group())  # type: ignore[union-attr]
            pos = m.end()  # type: ignore[union-attr]
            if pos >= len(text):
                raise _JsonError(
                    "string is never closed", start, start + 1, 'add the closing double quote (")'
                )
            ch = text[pos]
            if ch == '"':
                self.pos = pos + 1
                return "".join(chunks)
            if ch == "\\":
                esc = text[pos + 1 : pos + 2]
                if esc in _ESCAPES:
                    chunks.append(_ESCAPES[esc])
                    pos += 2
                elif esc == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", text[pos + 2 : pos + 6]):
                    code = int(text[pos + 2 : pos + 6], 16)
                    pos += 6
                    if 0xD800 <= code < 0xDC00 and text[pos : pos + 2] == "\\u":
                        low = text[pos + 2 : pos + 6]
                        if re.fullmatch(r"[0-9a-fA-F]{4}", low) and 0xDC00 <= int(low, 16) < 0xE000:
                            code = 0x10000 + ((code - 0xD800) << 10) + (int(low, 16) - 0xDC00)
                            pos += 6
                    chunks.append(chr(code))
                else:
                    raise _JsonError(
                        f"invalid escape '\\{esc}' in string",
                        pos,
                        pos + 2,
                        "write a backslash as \\\\ (Windows paths too)",
                    )
            elif ch in "\n\r":
                raise _JsonError(
                    "string is never closed before the end of the line",
                    start,
                    pos,
                    'add the closing double quote ("); JSON strings cannot span lines',
                )
            else:
                raise _JsonError(
                    "control character in string",
                    pos,
                    pos + 1,
                    "escape it, for example \\t for a tab",
                )

    def _object(self, path: list[PointerPart]) -> MappingNode:
        text = self.text
        node = MappingNode(self.pos, self.pos)
        self._open.append(("{", self.pos))
        self.pos += 1
        self._skip()
        if self.pos < len(text) and text[self.pos] == "}":
            self.pos += 1
            node.end = self.pos
            self._open.pop()
            return node
        while True:
            self._skip()
            if self.pos >= len(text):
                self._unclosed()
            key_start = self.pos
            ch = text[self.pos]
            if ch != '"':
                if ch == "'":
                    end = text.find("'", self.pos + 1)
                    raise _JsonError(
                        "keys must use double quotes",
                        self.pos,
                        end + 1 if end != -1 else self.pos + 1,
                        "replace the single quotes with double quotes",
                    )
                m = _WORD.match(text, self.pos)
                if m:
                    raise _JsonError(
                        f"key '{m.group()}' is not quoted",
                        self.pos,
                        m.end(),
                        f'write it as "{m.group()}"',
                    )
                raise _JsonError(
                    f"expected a key in double quotes, found {ch!r}", self.pos, self.pos + 1, None
                )
            key = self._string()
            key_end = self.pos
            self._skip()
            if self.pos >= len(text) or text[self.pos] != ":":
                if self.pos >= len(text):
                    self._unclosed()
                raise _JsonError(
                    f"expected ':' after key \"{key}\"",
                    key_start,
                    key_end,
                    "add a colon between the key and its value",
                )
            self.pos += 1
            self._skip()
            value = self._value([*path, key])
            entry = Entry(key_start, key_end, value)
            if key in node.entries:
                self.duplicates.append(([*path, key], node.entries[key], entry))
            node.entries[key] = entry
            self._skip()
            if self.pos >= len(text):
                self._unclosed()
            ch = text[self.pos]
            if ch == ",":
                comma = self.pos
                self.pos += 1
                self._skip()
                if self.pos < len(text) and text[self.pos] == "}":
                    raise _JsonError(
                        "trailing comma before '}'",
                        comma,
                        comma + 1,
                        "remove the comma after the last entry",
                    )
                continue
            if ch == "}":
                self.pos += 1
                node.end = self.pos
                self._open.pop()
                return node
            if ch == '"':
                raise _JsonError(
                    "missing ',' between entries",
                    value.end,
                    value.end + 1,
                    "add a comma after this value",
                )
            raise _JsonError(
                f"expected ',' or '}}' after the value of \"{key}\", found {ch!r}",
                self.pos,
                self.pos + 1,
                None,
            )

    def _array(self, path: list[PointerPart]) -> SequenceNode:
        text = self.text
        node = SequenceNode(self.pos, self.pos)
        self._open.append(("[", self.pos))
        self.pos += 1
        self._skip()
        if self.pos < len(text) and text[self.pos] == "]":
            self.pos += 1
            node.end = self.pos
            self._open.pop()
            return node
        while True:
            self._skip()
            node.items.append(self._value([*path, len(node.items)]))
            self._skip()
            if self.pos >= len(text):
                self._unclosed()
            ch = text[self.pos]
            if ch == ",":
                comma = self.pos
                self.pos += 1
                self._skip()
                if self.pos < len(text) and text[self.pos] == "]":
                    raise _JsonError(
                        "trailing comma before ']'",
                        comma,
                        comma + 1,
                        "remove the comma after the last item",
                    )
                continue
            if ch == "]":
                self.pos += 1
                node.end = self.pos
                self._open.pop()
                return node
            prev = node.items[-1]
            if ch == "}":
                raise _JsonError(
                    "'}' closes a list that was opened with '['",
                    self.pos,
                    self.pos + 1,
                    "close the list with ']' first",
                )
            raise _JsonError(
                "missing ',' between list items",
                prev.end,
                prev.end + 1,
                "add a comma after this item",
            )


# ---------------------------------------------------------------------------------------
# YAML
# ---------------------------------------------------------------------------------------


def _parse_yaml(source: SourceFile) -> tuple[Node | None, list[Diagnostic]]:
    import yaml

    loader_cls = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        composed = yaml.compose(source.text, Loader=loader_cls)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        offset = source.offset_of(mark.line, mark.column) if mark else 0
        problem = exc.problem or "invalid YAML"
        context = f" ({exc.context})" if exc.context else ""
        hint = None
        if "\t" in source.text and "tab" in str(exc).lower():
            hint = "YAML indentation uses spaces, not tabs"
        elif "mapping values are not allowed" in problem:
            hint = "quote values that contain ': ', or check the indentation of this line"
        return None, [
            source.diagnostic(
                "P001",
                f"invalid YAML: {problem}{context}",
                (),
                span=(offset, offset + 1),
                hint=hint,
            )
        ]
    except yaml.YAMLError as exc:
        return None, [source.diagnostic("P001", f"invalid YAML: {exc}", (), span=(0, 1))]
    if composed is None:
        return ScalarNode(0, 0, None), []
    constructor = yaml.constructor.SafeConstructor()
    diagnostics: list[Diagnostic] = []

    def start_end(node: yaml.Node) -> tuple[int, int]:
        return (
            source.offset_of(node.start_mark.line, node.start_mark.column),
            source.offset_of(node.end_mark.line, node.end_mark.column),
        )

    def convert(node: yaml.Node, path: list[PointerPart], depth: int) -> Node:
        start, end = start_end(node)
        if depth > 200:
            return ScalarNode(start, end, None)
        if isinstance(node, yaml.MappingNode):
            out = MappingNode(start, end)
            for key_node, value_node in node.value:
                key_value = (
                    constructor.construct_object(key_node, deep=True)
                    if isinstance(key_node, yaml.ScalarNode)
                    else None
                )
                key = "" if key_value is None else str(key_value)
                ks, ke = start_end(key_node)
                child = convert(value_node, [*path, key], depth + 1)
                entry = Entry(ks, ke, child)
                if key in out.entries:
                    first = out.entries[key]
                    diagnostics.append(_duplicate(source, [*path, key], first, entry))
                out.entries[key] = entry
            return out
        if isinstance(node, yaml.SequenceNode):
            seq = SequenceNode(start, end)
            for i, item in enumerate(node.value):
                seq.items.append(convert(item, [*path, i], depth + 1))
            return seq
        try:
            value = constructor.construct_object(node, deep=True)
        except yaml.YAMLError as exc:
            diagnostics.append(
                source.diagnostic("P001", f"invalid YAML value: {exc}", path, span=(start, end))
            )
            value = node.value
        if isinstance(value, bytes | bytearray):
            value = value.decode("latin-1")
        elif not isinstance(value, str | int | float | bool | type(None)):
            value = str(value)  # dates and timestamps stay text
        return ScalarNode(start, end, value)

    return convert(composed, [], 0), diagnostics


def _duplicate(
    source: SourceFile, path: list[PointerPart], first: Entry, second: Entry
) -> Diagnostic:
    first_line, _ = source.line_col(first.key_start)
    return source.diagnostic(
        "P002",
        f'duplicate key "{path[-1]}" (first defined on line {first_line})',
        path,
        span=(second.key_start, second.key_end),
        hint="remove one of the two; only the last one would take effect",
    )


# ---------------------------------------------------------------------------------------
# entry points
# ---------------------------------------------------------------------------------------

YAML_SUFFIXES = (".yml", ".yaml")


def parse_text(
    text: str, path: Path, display: str | None = None
) -> tuple[SourceFile, list[Diagnostic]]:
    """Parse ``text`` as JSON, or as YAML when ``path`` ends in .yml/.yaml."""
    if text.startswith("\ufeff"):
        text = text[1:]
    source = SourceFile(path=path, display=display or str(path), text=text)
    if path.suffix.lower() in YAML_SUFFIXES:
        root, diagnostics = _parse_yaml(source)
        source.root = root
        return source, diagnostics
    parser = _JsonParser(text)
    try:
        source.root = parser.parse()
    except _JsonError as exc:
        return source, [
            source.diagnostic(
                "P001", f"invalid JSON: {exc.message}", (), span=(exc.start, exc.end), hint=exc.hint
            )
        ]
    except RecursionError:
        return source, [
            source.diagnostic("P001", "invalid JSON: nesting is too deep", (), span=(0, 1))
        ]
    return source, [_duplicate(source, p, a, b) for p, a, b in parser.duplicates]


def load_source(path: Path, display: str | None = None) -> tuple[SourceFile, list[Diagnostic]]:
    """Read and parse a file; unreadable files give a located P003 instead of raising."""
    shown = display or str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        empty = SourceFile(path=path, display=shown, text="")
        reason = exc.strerror or type(exc).__name__
        return empty, [
            Diagnostic(
                Severity.ERROR,
                "P003",
                f"cannot read the file: {reason}",
                shown,
                None,
                None,
                None,
                None,
            )
        ]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        empty = SourceFile(path=path, display=shown, text=raw.decode("utf-8", "replace"))
        line, column = empty.line_col(exc.start)
        return empty, [
            Diagnostic(
                Severity.ERROR,
                "P003",
                "the file is not UTF-8 text",
                shown,
                line,
                column,
                None,
                "save the file as UTF-8",
            )
        ]
    return parse_text(text, path, shown)
