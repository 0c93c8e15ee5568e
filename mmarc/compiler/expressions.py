"""Python expressions written inside MMAR string values: parsed but never run, and located.

The one parser of ``@name`` references and ``#``/lambda expressions is
:mod:`mmarc.policy.grammar`, shared with the executor's evaluator so that the compiler
and the runtime can never disagree about what an expression means; its names are
re-exported here for the compiler's stages. This module adds what only the compiler
needs: mapping positions inside a string value back to characters of the file, which
every stage that locates a problem *inside* a string (a ``{VAR}``, an ``@name``, a
refused attribute) needs.
"""

from __future__ import annotations

import re

from mmarc.compiler.source import Node
from mmarc.policy.grammar import (
    ExpressionError,
    ExpressionSite,
    ParsedExpression,
    expression_in,
    parse_expression,
    placeholder,
    references_in,
)

__all__ = [
    "ExpressionError",
    "ExpressionSite",
    "ParsedExpression",
    "expression_in",
    "parse_expression",
    "placeholder",
    "references_in",
    "string_span",
]

_JSON_ESCAPES = frozenset('"\\/bfnrt')


# ---------------------------------------------------------------------------------------
# positions inside string values
# ---------------------------------------------------------------------------------------


def string_span(text: str, node: Node, value: str, start: int, end: int) -> tuple[int, int]:
    """File offsets of ``value[start:end]``, where ``value`` is the string held by ``node``.

    ``text`` is the whole file. Works for JSON strings (escapes included), quoted YAML
    scalars without escapes and plain YAML scalars. When the characters of the file do
    not spell ``value`` (a substituted value, a folded YAML scalar) the whole node is
    returned, which is still the right place, only less precise.
    """
    offsets = _char_offsets(text, node, value)
    if offsets is None:
        return node.start, node.end
    start = max(0, min(start, len(value)))
    end = max(start, min(end, len(value)))
    if end == start:
        # an empty span (the end of the value): just after its last character
        at = (
            offsets[start]
            if start < len(offsets)
            else (offsets[-1] + _raw_width(text, offsets[-1]) if offsets else node.start)
        )
        return at, at
    return offsets[start], offsets[end - 1] + _raw_width(text, offsets[end - 1])


def _raw_width(text: str, at: int) -> int:
    if text.startswith("\\u", at):
        return 6
    return 2 if text.startswith("\\", at) else 1


def _char_offsets(text: str, node: Node, value: str) -> list[int] | None:
    raw = text[node.start : node.end]
    if raw == value:
        return list(range(node.start, node.end))
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "\"'":
        inner = raw[1:-1]
        if inner == value:
            return list(range(node.start + 1, node.end - 1))
        if raw[0] == '"' and "\\" in inner:
            return _json_offsets(inner, node.start + 1, value)
    return None


def _json_offsets(inner: str, base: int, value: str) -> list[int] | None:
    """Offsets of each decoded character of a JSON string body, or None if it differs."""
    offsets: list[int] = []
    decoded: list[str] = []
    i = 0
    while i < len(inner):
        ch = inner[i]
        if ch != "\\":
            offsets.append(base + i)
            decoded.append(ch)
            i += 1
            continue
        esc = inner[i + 1 : i + 2]
        if esc in _JSON_ESCAPES:
            offsets.append(base + i)
            decoded.append({"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}.get(esc, esc))
            i += 2
        elif esc == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", inner[i + 2 : i + 6]):
            offsets.append(base + i)
            decoded.append(chr(int(inner[i + 2 : i + 6], 16)))
            i += 6
        else:
            return None
    # surrogate pairs decode to one character in the value but two here: give up
    return offsets if "".join(decoded) == value else None
