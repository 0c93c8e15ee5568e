"""Python expressions written inside MMAR string values, parsed but never run.

Clara configs carry code in strings: ``"#@model.parameters()"`` (a ``#`` expression whose
``@name`` parts are references to other components) and ``"lambda x: x[0]['loss']"``
(a lambda written without ``#``). Reference checking needs the ``@name`` parts and a
located syntax error; a later restricted evaluator needs the same parse. Both use this
module, so the two can never disagree about what an expression means.

``@name`` is not Python: before :func:`ast.parse` each one is replaced by a placeholder
identifier (see :attr:`ParsedExpression.placeholders`), and error offsets are mapped
back to the text as written. This module also maps positions inside a string value
back to characters of the file, which every stage that locates a problem *inside* a
string (a ``{VAR}``, an ``@name``) needs.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from mmarc.compiler.source import Node

_LAMBDA = re.compile(r"\s*lambda(?=[\s:])")
#: What :func:`references_in` steps over: ``@`` + identifier (a reference inside a ``#``
#: expression), the opening of a string literal (its body is then skipped), or a word.
_TOKEN = re.compile(
    r"@(?P<ref>[A-Za-z_][A-Za-z0-9_]*)"
    r"""|(?:(?<!\w)[rRbBuUfF]{1,2})?(?P<quote>'''|\"\"\"|'|")"""
    r"|\w+"
)
_JSON_ESCAPES = frozenset('"\\/bfnrt')


@dataclass(frozen=True, slots=True)
class ExpressionSite:
    """Where the code is in a string value: ``text`` starts at ``offset`` of the value."""

    text: str
    offset: int
    #: True for ``#`` expressions, where ``@name`` is a reference; lambdas are plain Python.
    references: bool


@dataclass(frozen=True, slots=True)
class ParsedExpression:
    """A parsed expression: its tree, and which placeholder stands for which ``@name``."""

    tree: ast.Expression
    #: placeholder identifier used in ``tree`` -> referenced name (``__ref_model__`` -> model)
    placeholders: dict[str, str]
    #: every ``@name`` in the text, with the offset of its ``@``
    references: tuple[tuple[str, int], ...]


@dataclass(frozen=True, slots=True)
class ExpressionError:
    """A syntax error; ``offset``/``end`` index the text given to :func:`parse_expression`."""

    message: str
    offset: int
    end: int


def expression_in(value: str) -> ExpressionSite | None:
    """The code in a string value, or None when the value is plain text.

    ``"#..."`` is an expression with references; ``"lambda ..."`` a plain lambda.
    """
    if value.startswith("#"):
        return ExpressionSite(value[1:], 1, True)
    if _LAMBDA.match(value):
        return ExpressionSite(value, 0, False)
    return None


def placeholder(name: str) -> str:
    """The identifier that stands for ``@name`` in a parsed tree."""
    return f"__ref_{name}__"


def references_in(text: str) -> list[tuple[str, int]]:
    """Every ``@name`` outside string literals, with the offset of its ``@``."""
    found: list[tuple[str, int]] = []
    pos = 0
    while (m := _TOKEN.search(text, pos)) is not None:
        if m.group("ref"):
            found.append((m.group("ref"), m.start()))
            pos = m.end()
        elif m.group("quote"):
            pos = _string_end(text, m.end(), m.group("quote"))
        else:
            pos = m.end()
    return found


def _string_end(text: str, pos: int, quote: str) -> int:
    """Offset just after the literal whose body starts at ``pos``.

    A backslash keeps the next character inside the literal, in raw strings too.
    """
    while pos < len(text):
        if text[pos] == "\\":
            pos += 2
            continue
        if text.startswith(quote, pos):
            return pos + len(quote)
        pos += 1
    return len(text)  # unterminated: the parser reports it


def parse_expression(text: str, *, references: bool = True) -> ParsedExpression | ExpressionError:
    """Parse ``text`` as one Python expression; ``@name`` becomes a placeholder first.

    With ``references=False`` (lambda strings) the text is parsed exactly as written.
    Nothing is evaluated.
    """
    stripped = text.lstrip()
    lead = len(text) - len(stripped)
    if not stripped.strip():
        return ExpressionError("empty expression", 0, max(len(text), 1))
    refs = references_in(stripped) if references else []
    # rewrite, remembering (rewritten offset, original offset, rewritten length, original length)
    pieces: list[str] = []
    shifts: list[tuple[int, int, int, int]] = []
    placeholders: dict[str, str] = {}
    last = 0
    out_len = 0
    for name, at in refs:
        pieces.append(stripped[last:at])
        out_len += at - last
        ident = placeholder(name)
        placeholders[ident] = name
        shifts.append((out_len, at, len(ident), len(name) + 1))
        pieces.append(ident)
        out_len += len(ident)
        last = at + len(name) + 1
    pieces.append(stripped[last:])
    rewritten = "".join(pieces)
    try:
        tree = ast.parse(rewritten, mode="eval")
    except SyntaxError as exc:
        start = _error_offset(rewritten, exc.lineno, exc.offset)
        end = start + 1
        if exc.end_lineno == exc.lineno and exc.end_offset and exc.offset:
            end = max(end, start + (exc.end_offset - exc.offset))
        o_start = _to_original(start, shifts)
        o_end = max(_to_original(end, shifts), o_start + 1)
        message = exc.msg or "invalid syntax"
        return ExpressionError(message, lead + o_start, lead + o_end)
    except (ValueError, RecursionError, MemoryError) as exc:  # null bytes, absurd nesting
        return ExpressionError(str(exc) or type(exc).__name__, lead, lead + len(stripped))
    return ParsedExpression(tree, placeholders, tuple((name, at + lead) for name, at in refs))


def _error_offset(text: str, lineno: int | None, offset: int | None) -> int:
    if not lineno or not offset or offset < 1:
        return len(text)
    pos = 0
    for _ in range(lineno - 1):
        nl = text.find("\n", pos)
        if nl == -1:
            return len(text)
        pos = nl + 1
    return min(pos + offset - 1, len(text))


def _to_original(offset: int, shifts: list[tuple[int, int, int, int]]) -> int:
    delta = 0
    for new_at, old_at, new_len, old_len in shifts:
        if offset < new_at:
            break
        if offset < new_at + new_len:
            return old_at  # inside a placeholder: point at the @name
        delta = (new_at + new_len) - (old_at + old_len)
    return offset - delta


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
