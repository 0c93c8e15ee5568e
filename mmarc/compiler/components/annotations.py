"""Whether a literal config value fits a parameter annotation as the catalog records it (C004).

Why a parser of its own: the catalog stores annotations as text (``"Sequence[int] | int"``)
so that validation never imports torch or MONAI. Only annotations made of names this
module knows are judged; anything else is "cannot tell", never a false error.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from mmarc.compiler.component_sites import is_component
from mmarc.compiler.source import MappingNode, Node, ScalarNode, SequenceNode
from mmarc.compiler.suggest import closest

__all__ = ["VARIABLE", "describe_value", "is_dynamic", "json_literal", "type_hint", "value_fits"]

#: A ``{VAR}`` reference left in a value (not substituted).
VARIABLE = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")
_LAMBDA = re.compile(r"\s*lambda[\s:]")
_ANNOTATION_TOKEN = re.compile(
    r"\s*(?:(?P<name>[A-Za-z_][\w.]*)|(?P<str>'[^']*'|\"[^\"]*\")|(?P<num>-?\d+(?:\.\d+)?)"
    r"|(?P<ellipsis>\.\.\.)|(?P<punct>[\[\],|]))"
)
_PREFIXES = ("typing.", "collections.abc.", "builtins.", "typing_extensions.")
_SEQUENCES = frozenset(
    {"list", "List", "Sequence", "MutableSequence", "Collection", "Iterable", "tuple", "Tuple"}
)
_MAPPINGS = frozenset({"dict", "Dict", "Mapping", "MutableMapping"})
_STRINGY = frozenset({"Path", "pathlib.Path", "PathLike", "os.PathLike"})
_ANY = frozenset({"Any", "object"})

# parsed annotation: ("name", name, args) | ("lit", value) | ("list", items)
Ann = tuple[Any, ...]


def _parse_annotation(text: str) -> Ann | None:
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        m = _ANNOTATION_TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            if text[pos:].strip() == "":
                break
            return None
        pos = m.end()
        kind = m.lastgroup
        assert kind is not None
        tokens.append((kind, m.group(kind)))
    parser = _AnnParser(tokens)
    try:
        tree = parser.union()
    except (IndexError, ValueError):
        return None
    return tree if parser.pos == len(tokens) else None


class _AnnParser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, value: str) -> bool:
        tok = self.peek()
        if tok is not None and tok[1] == value:
            self.pos += 1
            return True
        return False

    def union(self) -> Ann:
        members = [self.term()]
        while self.take("|"):
            members.append(self.term())
        return members[0] if len(members) == 1 else ("name", "Union", members)

    def term(self) -> Ann:
        kind, value = self.tokens[self.pos]
        self.pos += 1
        if kind == "str":
            return ("lit", value[1:-1])
        if kind == "num":
            return ("lit", float(value) if "." in value else int(value))
        if kind == "ellipsis":
            return ("lit", ...)
        if value == "[":
            items = self.items("]")
            return ("list", items)
        if kind != "name":
            raise ValueError(value)
        name = value
        for prefix in _PREFIXES:
            if name.startswith(prefix):
                name = name[len(prefix) :]
        if name in ("None", "NoneType"):
            return ("lit", None)
        if name in ("True", "False"):
            return ("lit", name == "True")
        args: list[Ann] = []
        if self.take("["):
            args = self.items("]")
        return ("name", name, args)

    def items(self, close: str) -> list[Ann]:
        items: list[Ann] = []
        if self.take(close):
            return items
        while True:
            items.append(self.union())
            if self.take(close):
                return items
            if not self.take(","):
                raise ValueError("expected ,")


def is_dynamic(node: Node) -> bool:
    """Values only known when the config runs: references, code, unresolved variables."""
    if isinstance(node, ScalarNode) and isinstance(node.value, str):
        v = node.value
        return v[:1] in ("@", "#") or bool(_LAMBDA.match(v)) or bool(VARIABLE.search(v))
    return is_component(node)


def _accepts(ann: Ann, node: Node) -> bool | None:
    """Whether ``node`` fits ``ann``: True, False, or None when it cannot be told."""
    if is_dynamic(node):
        return True
    tag = ann[0]
    if tag == "lit":
        if isinstance(node, ScalarNode):
            lit = ann[1]
            if lit is ...:
                return None
            v = node.value
            return v == lit and type(v) is type(lit)
        return False
    if tag == "list":
        return None
    _, name, args = ann
    if name == "Union" or name == "Optional":
        results = [_accepts(a, node) for a in args]
        if name == "Optional":
            results.append(isinstance(node, ScalarNode) and node.value is None)
        if any(r is True for r in results):
            return True
        return None if any(r is None for r in results) else False
    if name == "Literal":
        if not isinstance(node, ScalarNode):
            return False
        return any(
            a[0] == "lit" and node.value == a[1] and type(node.value) is type(a[1]) for a in args
        )
    if name in _ANY:
        return True
    if isinstance(node, ScalarNode):
        return _scalar_accepts(name, args, node)
    if isinstance(node, SequenceNode):
        return _sequence_accepts(name, args, node)
    if isinstance(node, MappingNode):
        if name in _MAPPINGS:
            if len(args) == 2:
                return _all([_accepts(args[1], e.value) for e in node.entries.values()])
            return True
        return False if name in _KNOWN_SCALARS or name in _SEQUENCES else None
    return None


_KNOWN_SCALARS = frozenset({"int", "float", "bool", "str", "complex", "Hashable"} | _STRINGY)


def _scalar_accepts(name: str, args: list[Ann], node: ScalarNode) -> bool | None:
    v = node.value
    if name == "int":
        return isinstance(v, int) and not isinstance(v, bool)
    if name in ("float", "complex"):
        return isinstance(v, int | float) and not isinstance(v, bool)
    if name == "bool":
        return isinstance(v, bool)
    if name == "str" or name in _STRINGY:
        return isinstance(v, str)
    if name == "Hashable":
        return True
    if name == "KeysCollection":
        return v is not None
    if name == "SequenceStr":
        return isinstance(v, str)
    if name in _SEQUENCES:
        if not isinstance(v, str) or name in ("list", "List", "tuple", "Tuple"):
            return False
        if not args:
            return True
        return _accepts(args[0], node)  # a str is a sequence of str
    if name in _MAPPINGS:
        return False
    return None


def _sequence_accepts(name: str, args: list[Ann], node: SequenceNode) -> bool | None:
    if name in _KNOWN_SCALARS:
        return False
    if name == "KeysCollection":
        return _all([_accepts(("name", "Hashable", []), item) for item in node.items])
    if name == "SequenceStr":
        return _all([_accepts(("name", "str", []), item) for item in node.items])
    if name in _MAPPINGS:
        return False
    if name not in _SEQUENCES:
        return None
    if not args:
        return True
    variadic = name in ("tuple", "Tuple") and (
        len(args) == 1 or (len(args) == 2 and args[1] == ("lit", ...))
    )
    if name in ("tuple", "Tuple") and not variadic:
        if len(args) != len(node.items):
            return None  # a length the annotation does not allow: not ours to guess
        return _all([_accepts(a, item) for a, item in zip(args, node.items, strict=True)])
    return _all([_accepts(args[0], item) for item in node.items])


def _all(results: Iterable[bool | None]) -> bool | None:
    out: bool | None = True
    for r in results:
        if r is False:
            return False
        if r is None:
            out = None
    return out


def value_fits(annotation: str, node: Node, default_is_none: bool = False) -> bool | None:
    """Whether a config value fits a parameter annotation as the catalog records it.

    True/False when the annotation is made only of names this module knows (int, float,
    bool, str, None, sequences, mappings, Literal, Optional/Union, MONAI's
    ``KeysCollection``/``SequenceStr``); None (do not report) otherwise. An int fits a
    float; a bool fits neither; null fits a parameter whose default is None.
    """
    if default_is_none and isinstance(node, ScalarNode) and node.value is None:
        return True
    ann = _parse_annotation(annotation)
    if ann is None:
        return None
    return _accepts(ann, node)


def json_literal(value: object) -> str:
    """A plain value as JSON writes it (``true``, ``null``, ``"x"``), for messages."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    return str(value) if not isinstance(value, str) else f'"{value}"'


def _literal_strings(annotation: str) -> list[str]:
    """The string choices of the ``Literal[...]`` members of an annotation, in order."""
    tree = _parse_annotation(annotation)
    out: list[str] = []
    stack = [tree] if tree is not None else []
    while stack:
        ann = stack.pop(0)
        if ann[0] == "name" and ann[1] == "Literal":
            out.extend(a[1] for a in ann[2] if a[0] == "lit" and isinstance(a[1], str))
        elif ann[0] == "name":
            stack.extend(ann[2])
    return out


def describe_value(node: Node) -> str:
    """A value as a message shows it: ``the string "3"``, ``a list of 2``, ``true (a boolean)``."""
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return f"a list of {len(node.items)}"
    value = node.to_plain()
    if isinstance(value, bool):
        return f"{json_literal(value)} (a boolean)"
    if isinstance(value, str):
        text = value if len(value) <= 40 else value[:37] + "..."
        return f'the string "{text}"'
    if value is None:
        return "null"
    return f"{value} ({'an integer' if isinstance(value, int) else 'a number'})"


def type_hint(annotation: str, node: Node) -> str | None:
    """The fix for a value quoted or typed the wrong way, when there is an obvious one
    (a misspelled ``Literal`` choice gets did-you-mean)."""
    if isinstance(node, ScalarNode) and isinstance(node.value, str):
        text = node.value.strip()
        choices = _literal_strings(annotation)
        if choices:
            close = closest(text, choices, cutoff=0.6)
            shown = ", ".join(f'"{c}"' for c in choices)
            return f'did you mean "{close}"?' if close else f"one of {shown}"
        if text in ("true", "false", "null"):
            return f"write {text} without quotes"
        try:
            float(text)
        except ValueError:
            return None
        return f"write {text} without quotes"
    if isinstance(node, ScalarNode) and isinstance(node.value, bool) and "int" in annotation:
        return "give a number, not true/false"
    return None
