"""Which parts of the expression grammar an expression may use: the static policy check.

:func:`check_expression` walks a :class:`~mmarc.policy.grammar.ParsedExpression` and
returns the first :class:`Violation`, or None. The compiler reports a violation as a
located diagnostic (``mmarc validate``); the executor refuses the plan with it before
building anything, then evaluates with the per-type checks of
:mod:`mmarc.policy.attributes`. One walk, so the two can never disagree.

An expression may contain:

* ``@name`` references and the parameters of its lambdas;
* a helper from :data:`~mmarc.policy.attributes.HELPERS` by its full dotted path
  (``monai.handlers.from_engine([...])``), or ``print(...)`` with positional arguments;
* attribute reads and method calls that some rule of
  :data:`~mmarc.policy.attributes.TYPE_RULES` allows (a method may only be called);
* literals, lists/tuples/sets/dicts, subscripts and slices, comparisons, ``and``/``or``/
  ``not``, unary ``-``/``+``, ``x if c else y``;
* ``+ - * / // %`` on numbers (never on a string literal: repetition and ``%``-formatting);
* f-strings whose fields follow these rules and whose format spec is short and plain;
* ``lambda`` with plain positional parameters whose body follows these rules.

Everything else is refused: other names and builtins, any other attribute or method,
calling a value, ``**``, comprehensions, ``*``/``**`` unpacking, walrus, await/yield.
"""

from __future__ import annotations

import ast
import builtins
import re
from dataclasses import dataclass

from mmarc.policy.attributes import (
    BUILTIN_HELPERS,
    HELPERS,
    TYPE_RULES,
    attribute_known,
    method_known,
)
from mmarc.policy.grammar import ParsedExpression

__all__ = [
    "ARITHMETIC",
    "MAX_LENGTH",
    "Violation",
    "check_expression",
    "dotted_name",
]

#: Longest expression text accepted; real configs use a few dozen characters.
MAX_LENGTH = 4000

#: Binary operators allowed, by ast class name -> symbol; operands must be numbers.
ARITHMETIC: dict[type[ast.operator], str] = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.FloorDiv: "//",
    ast.Mod: "%",
}
_OPERATOR_SYMBOLS: dict[type[ast.operator], str] = {
    ast.Pow: "**",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.BitOr: "|",
    ast.BitAnd: "&",
    ast.BitXor: "^",
    ast.MatMult: "@",
}
#: A format spec such as ``.4f``, ``>8`` or ``,``: no nested fields, no huge widths.
_FORMAT_SPEC = re.compile(r"[<>^=]?[+\- ]?#?0?(\d{1,3})?[,_]?(\.\d{1,2})?[bcdeEfFgGnosxX%]?")
_BUILTIN_NAMES = frozenset(dir(builtins))
_NODE_NAMES = {
    "ListComp": "list comprehension",
    "SetComp": "set comprehension",
    "DictComp": "dict comprehension",
    "GeneratorExp": "generator expression",
    "NamedExpr": "assignment expression (:=)",
    "Await": "await",
    "Yield": "yield",
    "YieldFrom": "yield from",
    "Starred": "* unpacking",
}
_SIMPLE = (
    ast.List,
    ast.Tuple,
    ast.Set,
    ast.Subscript,
    ast.Slice,
    ast.BoolOp,
    ast.Compare,
    ast.IfExp,
)


@dataclass(frozen=True, slots=True)
class Violation:
    """Why an expression is refused, and where (offsets into the parsed text)."""

    why: str
    #: the offending piece as written (``@model.__class__``)
    piece: str
    offset: int
    end: int


class _Refused(Exception):
    def __init__(self, node: ast.AST, why: str) -> None:
        super().__init__(why)
        self.node = node
        self.why = why


def check_expression(parsed: ParsedExpression) -> Violation | None:
    """The first thing in ``parsed`` the policy does not allow, or None when all is."""
    checker = _Checker(frozenset(parsed.placeholders))
    try:
        checker.check(parsed.tree.body, frozenset())
    except _Refused as refused:
        start, end = parsed.span(refused.node)
        return Violation(refused.why, parsed.readable(refused.node), start, end)
    except RecursionError:
        return Violation("the expression is nested too deeply", "", 0, len(parsed.rewritten))
    return None


def dotted_name(node: ast.expr) -> str | None:
    """``a.b.c`` for a chain of attributes on a plain name, else None."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def _allowed_attributes() -> str:
    return ", ".join(sorted({a for r in TYPE_RULES for a in r.attributes}))


def _allowed_methods() -> str:
    return ", ".join(sorted({m for r in TYPE_RULES for m in r.methods}))


class _Checker:
    """One walk over a parsed tree; raises :class:`_Refused` at the first offence."""

    def __init__(self, refs: frozenset[str]) -> None:
        self.refs = refs

    def check(self, node: ast.AST, scope: frozenset[str]) -> None:
        method = getattr(self, "_" + type(node).__name__, None)
        if method is not None:
            method(node, scope)
        elif isinstance(node, _SIMPLE):
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.expr):
                    self.check(child, scope)
        elif isinstance(node, (ast.expr_context, ast.boolop, ast.cmpop)):
            return
        else:
            kind = _NODE_NAMES.get(type(node).__name__, type(node).__name__)
            raise _Refused(node, f"{kind} is not allowed")

    def _is_helper_root(self, dotted: str | None, scope: frozenset[str]) -> bool:
        if dotted is None:
            return False
        root = dotted.split(".", 1)[0]
        return root not in scope and root not in self.refs

    # -- leaves --------------------------------------------------------------------------

    def _Constant(self, node: ast.Constant, scope: frozenset[str]) -> None:
        return

    def _Name(self, node: ast.Name, scope: frozenset[str]) -> None:
        name = node.id
        if name in scope or name in self.refs:
            return
        if name in _BUILTIN_NAMES:
            raise _Refused(node, f"builtin {name!r} is not allowed")
        raise _Refused(
            node,
            f"name {name!r} is not available; an expression may use @references, lambda "
            "parameters and helpers such as monai.handlers.from_engine",
        )

    def _Attribute(self, node: ast.Attribute, scope: frozenset[str]) -> None:
        dotted = dotted_name(node)
        if self._is_helper_root(dotted, scope):
            assert dotted is not None
            for part in dotted.split(".")[1:]:
                _check_private(node, part)
            if dotted in HELPERS:
                return
            raise _Refused(
                node,
                f"{dotted!r} is not an allowed helper (allowed: {', '.join(sorted(HELPERS))})",
            )
        _first_private_in_chain(node)
        self.check(node.value, scope)  # inner pieces first: the first offence wins
        if not attribute_known(node.attr):
            raise _Refused(
                node,
                f"attribute {node.attr!r} is not allowed (attributes an expression may read: "
                f"{_allowed_attributes()})",
            )

    # -- calls ---------------------------------------------------------------------------

    def _Call(self, node: ast.Call, scope: frozenset[str]) -> None:
        func = node.func
        dotted = dotted_name(func)
        if dotted in HELPERS and self._is_helper_root(dotted, scope):
            pass
        elif (
            isinstance(func, ast.Name)
            and func.id in BUILTIN_HELPERS
            and func.id not in scope
            and func.id not in self.refs
        ):
            if node.keywords:
                raise _Refused(node, f"{func.id}() takes positional arguments only here")
        elif isinstance(func, ast.Attribute):
            if self._is_helper_root(dotted, scope):
                self._Attribute(func, scope)  # raises: not a helper
            _first_private_in_chain(func)
            self.check(func.value, scope)
            if not method_known(func.attr):
                raise _Refused(
                    node,
                    f"calling method {func.attr!r} is not allowed; only read-only methods "
                    f"({_allowed_methods()}) and helpers such as monai.handlers.from_engine "
                    "may be called",
                )
        elif isinstance(func, ast.Name):
            self.check(func, scope)  # raises for builtins and unknown names
            raise _Refused(node, f"calling {func.id!r} is not allowed")
        else:
            self.check(func, scope)  # inner pieces first, so the error names the telling part
            raise _Refused(node, "only helpers and allowed methods may be called")
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise _Refused(arg, "* unpacking is not allowed")
        for kw in node.keywords:
            if kw.arg is None:
                raise _Refused(kw.value, "** unpacking is not allowed")
        for arg in node.args:
            self.check(arg, scope)
        for kw in node.keywords:
            self.check(kw.value, scope)

    def _Lambda(self, node: ast.Lambda, scope: frozenset[str]) -> None:
        a = node.args
        if a.vararg or a.kwarg or a.kwonlyargs or a.defaults or a.kw_defaults:
            raise _Refused(node, "lambda may only have plain positional parameters")
        params = [p.arg for p in (*a.posonlyargs, *a.args)]
        for p in params:
            if p.startswith("_"):
                raise _Refused(node, f"lambda parameter {p!r} may not start with '_'")
        self.check(node.body, scope | frozenset(params))

    # -- containers and operators --------------------------------------------------------

    def _Dict(self, node: ast.Dict, scope: frozenset[str]) -> None:
        if any(k is None for k in node.keys):
            raise _Refused(node, "** unpacking is not allowed")
        for child in [*node.keys, *node.values]:
            if child is not None:
                self.check(child, scope)

    def _UnaryOp(self, node: ast.UnaryOp, scope: frozenset[str]) -> None:
        self.check(node.operand, scope)
        if isinstance(node.op, ast.Invert):
            raise _Refused(node, "operator '~' is not allowed")

    def _BinOp(self, node: ast.BinOp, scope: frozenset[str]) -> None:
        symbol = ARITHMETIC.get(type(node.op))
        if symbol is None:
            shown = _OPERATOR_SYMBOLS.get(type(node.op), type(node.op).__name__)
            raise _Refused(
                node,
                f"arithmetic operator {shown!r} is not allowed (allowed: "
                f"{' '.join(ARITHMETIC.values())}, on numbers)",
            )
        for side in (node.left, node.right):
            if isinstance(side, ast.JoinedStr) or (
                isinstance(side, ast.Constant) and isinstance(side.value, (str, bytes))
            ):
                raise _Refused(
                    node, f"arithmetic operator {symbol!r} on text is not allowed (numbers only)"
                )
        self.check(node.left, scope)
        self.check(node.right, scope)

    def _JoinedStr(self, node: ast.JoinedStr, scope: frozenset[str]) -> None:
        for value in node.values:
            self.check(value, scope)

    def _FormattedValue(self, node: ast.FormattedValue, scope: frozenset[str]) -> None:
        self.check(node.value, scope)
        spec = node.format_spec
        if spec is None:
            return
        text = _constant_spec(spec)
        if text is None or not _FORMAT_SPEC.fullmatch(text):
            raise _Refused(
                node, "an f-string format spec may only be a short plain one such as '.4f'"
            )


def _constant_spec(spec: ast.expr) -> str | None:
    if isinstance(spec, ast.JoinedStr) and all(
        isinstance(v, ast.Constant) and isinstance(v.value, str) for v in spec.values
    ):
        return "".join(str(v.value) for v in spec.values)  # type: ignore[attr-defined]
    return None


def _check_private(node: ast.AST, attr: str) -> None:
    """Refuse a dunder or private name with a message that says which kind it is."""
    if attr.startswith("__") and attr.endswith("__"):
        raise _Refused(node, f"dunder attribute {attr!r} is not allowed")
    if attr.startswith("_"):
        raise _Refused(node, f"private attribute {attr!r} is not allowed")


def _first_private_in_chain(node: ast.Attribute) -> None:
    """Name the innermost dunder/private attribute of ``a.b.__c__.d`` first: it is the most
    telling part of the refusal (the allow-list refuses the whole chain either way)."""
    chain: list[ast.Attribute] = []
    current: ast.expr = node
    while isinstance(current, ast.Attribute):
        chain.append(current)
        current = current.value
    for attr_node in reversed(chain):
        _check_private(attr_node, attr_node.attr)
