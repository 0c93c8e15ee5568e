"""A strict JSON parser written for its error messages, recording every offset.

Why not :mod:`json`: Clara configs are hand-edited, and the usual mistakes (trailing
commas, ``ture``, single quotes, comments, unclosed brackets) each deserve a message and a
fix at the right place; and later stages need the position of every key and value.
Strict RFC 8259; duplicate keys are collected and reported as P002.
"""

from __future__ import annotations

import difflib
import re
from typing import Any

from mmarc.compiler.source.nodes import Entry, MappingNode, Node, ScalarNode, SequenceNode
from mmarc.compiler.source.pointers import PointerPart
from mmarc.compiler.source.source_file import SourceFile, duplicate_key
from mmarc.diagnostics import Diagnostic

__all__ = ["parse_json"]


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

    def _line(self, node: Node) -> int:
        """The 1-based line ``node`` starts on."""
        return self.text.count("\n", 0, node.start) + 1

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
            if ch == "]":
                # an object whose '}' was forgotten: point after its last value
                raise _JsonError(
                    f"']' closes an object that was opened with '{{' on line {self._line(node)}",
                    value.end,
                    value.end + 1,
                    "close the object with '}' after this value",
                )
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
                # the usual cause is a list whose ']' was forgotten: point after its last item
                raise _JsonError(
                    f"'}}' closes a list that was opened with '[' on line {self._line(node)}",
                    prev.end,
                    prev.end + 1,
                    "close the list with ']' after this item",
                )
            raise _JsonError(
                "missing ',' between list items",
                prev.end,
                prev.end + 1,
                "add a comma after this item",
            )


def parse_json(source: SourceFile) -> tuple[Node | None, list[Diagnostic]]:
    """The tree of a JSON file (None when it does not parse) and its P001/P002 diagnostics."""
    parser = _JsonParser(source.text)
    try:
        root = parser.parse()
    except _JsonError as exc:
        return None, [
            source.diagnostic(
                "P001", f"invalid JSON: {exc.message}", (), span=(exc.start, exc.end), hint=exc.hint
            )
        ]
    except RecursionError:
        return None, [
            source.diagnostic("P001", "invalid JSON: nesting is too deep", (), span=(0, 1))
        ]
    return root, [duplicate_key(source, p, a, b) for p, a, b in parser.duplicates]
