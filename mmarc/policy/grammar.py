"""The one parser of the expression language: ``@name`` references and ``#expr`` code.

Clara configs carry code in strings: ``"#@model.parameters()"`` (a ``#`` expression whose
``@name`` parts are references to other components) and ``"lambda x: x[0]['loss']"``
(a lambda written without ``#``). The compiler checks references and the policy in them;
the executor evaluates them. Both parse with this module, so the two can never disagree
about what an expression means.

The grammar is Python's expression grammar (:func:`ast.parse` in ``eval`` mode) plus one
token: ``@`` directly followed by an identifier, outside string literals, is a reference.
Before parsing each one is replaced by a placeholder identifier (see
:attr:`ParsedExpression.placeholders`) and every position is mapped back to the text as
written. Which *parts* of that grammar an expression may use is
:mod:`mmarc.policy.expressions`' business; parsing never evaluates anything.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

__all__ = [
    "ExpressionError",
    "ExpressionSite",
    "ParsedExpression",
    "expression_in",
    "parse_expression",
    "placeholder",
    "references_in",
]

_LAMBDA = re.compile(r"\s*lambda(?=[\s:])")
#: What :func:`references_in` steps over: ``@`` + identifier (a reference inside a ``#``
#: expression), the opening of a string literal (its body is then skipped), or a word.
_TOKEN = re.compile(
    r"@(?P<ref>[A-Za-z_][A-Za-z0-9_]*)"
    r"""|(?:(?<!\w)[rRbBuUfF]{1,2})?(?P<quote>'''|\"\"\"|'|")"""
    r"|\w+"
)

#: (rewritten offset, original offset, rewritten length, original length) per reference
Shift = tuple[int, int, int, int]


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
    #: the text :func:`ast.parse` saw (placeholders in place of ``@name``)
    rewritten: str = ""
    shifts: tuple[Shift, ...] = ()
    #: leading whitespace stripped before parsing
    lead: int = 0

    def span(self, node: ast.AST) -> tuple[int, int]:
        """Offsets of ``node`` in the text given to :func:`parse_expression`."""
        start = _char_offset(self.rewritten, node.lineno, node.col_offset)  # type: ignore[attr-defined]
        end_line = getattr(node, "end_lineno", None) or node.lineno  # type: ignore[attr-defined]
        end_col = getattr(node, "end_col_offset", None)
        end = _char_offset(self.rewritten, end_line, end_col) if end_col is not None else start
        o_start = _to_original(start, self.shifts)
        o_end = max(_to_original(end, self.shifts), o_start + 1)
        return self.lead + o_start, self.lead + o_end

    def readable(self, node: ast.AST) -> str:
        """The source of ``node`` with ``@name`` written back in place of placeholders."""
        piece = ast.get_source_segment(self.rewritten, node) if hasattr(node, "lineno") else None
        if not piece:
            return type(node).__name__
        for ident, name in self.placeholders.items():
            piece = piece.replace(ident, "@" + name)
        return piece


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
    pieces: list[str] = []
    shifts: list[Shift] = []
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
    return ParsedExpression(
        tree,
        placeholders,
        tuple((name, at + lead) for name, at in refs),
        rewritten,
        tuple(shifts),
        lead,
    )


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


def _char_offset(text: str, lineno: int, col_bytes: int) -> int:
    """Character offset of an ast position (1-based line, UTF-8 byte column)."""
    pos = 0
    for _ in range(lineno - 1):
        nl = text.find("\n", pos)
        if nl == -1:
            return len(text)
        pos = nl + 1
    line_end = text.find("\n", pos)
    line = text[pos:] if line_end == -1 else text[pos:line_end]
    return pos + len(line.encode("utf-8")[:col_bytes].decode("utf-8", "replace"))


def _to_original(offset: int, shifts: list[Shift] | tuple[Shift, ...]) -> int:
    delta = 0
    for new_at, old_at, new_len, old_len in shifts:
        if offset < new_at:
            break
        if offset < new_at + new_len:
            return old_at  # inside a placeholder: point at the @name
        delta = (new_at + new_len) - (old_at + old_len)
    return offset - delta
