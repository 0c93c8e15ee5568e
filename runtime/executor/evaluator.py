"""Restricted evaluator for the ``{"@expr": ..., "refs": {...}}`` values of a plan.

Clara configs carry small pieces of Python (``"#@model.parameters()"``,
``"lambda x: x[0]['loss']"``). A plan may arrive over the network from a federation
server, so these strings are *never* handed to Python's ``eval``/``exec``. Each one is
parsed with the one parser of the expression language (:mod:`mmarc.policy.grammar`),
checked against the policy the compiler applies too (:mod:`mmarc.policy.expressions`),
and compiled into a tree of closures that interprets the checked tree. What the policy
does not allow is refused with an :class:`ExecutorError` naming the plan pointer and the
offending piece, and :func:`check_plan_expressions` does this for every expression of a
plan before the executor builds a single object.

At evaluation every attribute read and method call is checked again against the *actual*
type of the object (:func:`mmarc.policy.attributes.attribute_allowed`,
:func:`~mmarc.policy.attributes.method_allowed`), and arithmetic takes numbers only: the
static check knows names, only evaluation knows types.
"""

from __future__ import annotations

import ast
import importlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from mmarc.runtime.executor.errors import ExecutorError

from mmarc.plan.pointer import join
from mmarc.policy import (
    MAX_LENGTH,
    ExpressionError,
    ParsedExpression,
    attribute_allowed,
    check_expression,
    method_allowed,
    parse_expression,
)
from mmarc.policy.attributes import BUILTIN_HELPERS, HELPERS, rule_for
from mmarc.policy.expressions import ARITHMETIC, dotted_name

__all__ = [
    "CompiledExpression",
    "check_plan_expressions",
    "compile_expression",
    "iter_expressions",
]

Env = dict[str, Any]
Code = Callable[[Env], Any]
_NUMBERS = (int, float, bool)
#: Largest magnitude of an integer operand of arithmetic (no 2**(2**40) in a loop).
_MAX_INT = 2**64


@dataclass(frozen=True)
class CompiledExpression:
    """A checked expression, ready to evaluate once its references are built.

    ``refs`` maps each ``@name`` used in the text to the plan pointer it stands for.
    """

    text: str
    pointer: str
    refs: Mapping[str, str]
    _code: Code
    _placeholders: Mapping[str, str]

    def evaluate(self, resolve: Callable[[str], Any]) -> Any:
        """Evaluate, building each referenced object with ``resolve(pointer)``."""
        env: Env = {ident: resolve(self.refs[name]) for ident, name in self._placeholders.items()}
        return self._code(env)


def compile_expression(text: str, refs: Mapping[str, str], pointer: str) -> CompiledExpression:
    """Parse and check ``text`` (the ``@expr`` string) and compile it into closures.

    Raises :class:`ExecutorError` naming ``pointer`` and the offending piece when the
    text is not valid Python or uses anything the policy does not allow. Nothing runs.
    """
    if not isinstance(text, str):
        raise ExecutorError("'@expr' must be a string", pointer)
    if not isinstance(refs, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in refs.items()
    ):
        raise ExecutorError("'refs' must map reference names to plan pointers", pointer)
    if len(text) > MAX_LENGTH:
        raise ExecutorError(f"expression is longer than {MAX_LENGTH} characters", pointer)
    parsed = parse_expression(text)
    if isinstance(parsed, ExpressionError):
        raise ExecutorError(f"expression {text!r} is not valid Python: {parsed.message}", pointer)
    used = {name for name, _ in parsed.references}
    missing = sorted(used - set(refs))
    if missing:
        raise ExecutorError(
            f"expression {text!r} uses @{missing[0]} but 'refs' gives it no pointer", pointer
        )
    violation = check_expression(parsed)
    if violation is not None:
        shown = f" (in {violation.piece!r})" if violation.piece else ""
        raise ExecutorError(f"expression {text!r} is refused: {violation.why}{shown}", pointer)
    try:
        code = _Compiler(parsed, text, pointer).compile(parsed.tree.body)
    except RecursionError:
        raise ExecutorError(f"expression {text!r} is nested too deeply", pointer) from None
    return CompiledExpression(
        text, pointer, {k: refs[k] for k in sorted(used)}, code, dict(parsed.placeholders)
    )


def iter_expressions(value: Any, pointer: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every ``{"@expr": ...}`` object inside ``value``, with its JSON pointer."""
    if isinstance(value, dict):
        if "@expr" in value:
            yield pointer, value
            return
        for key, item in value.items():
            yield from iter_expressions(item, join(pointer, str(key)))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from iter_expressions(item, f"{pointer}/{i}")


def check_plan_expressions(document: Mapping[str, Any]) -> dict[str, CompiledExpression]:
    """Check every expression of a plan's JSON document; pointer -> compiled expression.

    The executor calls this before building anything, so a refused expression anywhere
    in the plan (even in a section this run does not use) means nothing was built.
    """
    compiled: dict[str, CompiledExpression] = {}
    for pointer, obj in iter_expressions(dict(document)):
        extra = set(obj) - {"@expr", "refs"}
        if extra:
            raise ExecutorError(
                f"an expression object has only '@expr' and 'refs', not {sorted(extra)}", pointer
            )
        compiled[pointer] = compile_expression(obj["@expr"], obj.get("refs") or {}, pointer)
    return compiled


def _load_helper(dotted: str) -> Any:
    module, attr = HELPERS[dotted]
    return getattr(importlib.import_module(module), attr)


def _type_name(obj: Any) -> str:
    rule = rule_for(obj)
    return rule.name if rule is not None else type(obj).__name__


class _Refuse:
    """Raises the evaluation-time refusals of one expression, naming it and its pointer."""

    def __init__(self, text: str, pointer: str) -> None:
        self.text = text
        self.pointer = pointer

    def __call__(self, why: str) -> ExecutorError:
        return ExecutorError(f"expression {self.text!r} is refused: {why}", self.pointer)

    def attribute(self, obj: Any, attr: str) -> Any:
        if not attribute_allowed(obj, attr):
            raise self(f"reading {attr!r} of a {_type_name(obj)} is not allowed")
        return getattr(obj, attr)

    def method(self, obj: Any, name: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
        if not method_allowed(obj, name):
            raise self(f"calling {name!r} on a {_type_name(obj)} is not allowed")
        return getattr(obj, name)(*args, **kwargs)

    def number(self, value: Any, symbol: str) -> Any:
        if type(value) not in _NUMBERS:
            raise self(
                f"arithmetic operator {symbol!r} takes numbers only, not a {type(value).__name__}"
            )
        if isinstance(value, int) and abs(value) > _MAX_INT:
            raise self(f"arithmetic operator {symbol!r}: operand too large")
        return value


def _print(*values: Any) -> None:
    print(*values)


_OPERATIONS: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.FloorDiv: lambda a, b: a // b,
    ast.Mod: lambda a, b: a % b,
}


class _Compiler:
    """Turns a tree that :func:`mmarc.policy.check_expression` accepted into closures."""

    def __init__(self, parsed: ParsedExpression, text: str, pointer: str) -> None:
        self.refs = frozenset(parsed.placeholders)
        self.refuse = _Refuse(text, pointer)

    def compile(self, node: ast.expr) -> Code:
        method = getattr(self, "_" + type(node).__name__, None)
        if method is None:  # the policy check refuses these first; never reached
            raise self.refuse(f"{type(node).__name__} is not allowed")
        code: Code = method(node)
        return code

    def _many(self, nodes: list[ast.expr]) -> list[Code]:
        return [self.compile(n) for n in nodes]

    def _Constant(self, node: ast.Constant) -> Code:
        value = node.value
        return lambda env: value

    def _Name(self, node: ast.Name) -> Code:
        name = node.id
        return lambda env: env[name]

    def _Attribute(self, node: ast.Attribute) -> Code:
        dotted = dotted_name(node)
        if dotted in HELPERS and dotted.split(".", 1)[0] not in self.refs:
            return lambda env: _load_helper(dotted)
        value = self.compile(node.value)
        attr = node.attr
        refuse = self.refuse
        return lambda env: refuse.attribute(value(env), attr)

    def _Call(self, node: ast.Call) -> Code:
        func = node.func
        args = self._many(node.args)
        kwargs = [(str(kw.arg), self.compile(kw.value)) for kw in node.keywords]
        dotted = dotted_name(func)
        if isinstance(func, ast.Name) and func.id in BUILTIN_HELPERS:
            return lambda env: _print(*(a(env) for a in args))
        if isinstance(func, ast.Attribute) and not (
            dotted in HELPERS and dotted.split(".", 1)[0] not in self.refs
        ):
            owner = self.compile(func.value)
            name = func.attr
            refuse = self.refuse

            def method_call(env: Env) -> Any:
                return refuse.method(
                    owner(env), name, [a(env) for a in args], {k: v(env) for k, v in kwargs}
                )

            return method_call
        target = self.compile(func)

        def call(env: Env) -> Any:
            return target(env)(*(a(env) for a in args), **{k: v(env) for k, v in kwargs})

        return call

    def _Lambda(self, node: ast.Lambda) -> Code:
        a = node.args
        params = [p.arg for p in (*a.posonlyargs, *a.args)]
        body = self.compile(node.body)
        arity = len(params)

        def make(env: Env) -> Callable[..., Any]:
            def fn(*values: Any) -> Any:
                if len(values) != arity:
                    raise TypeError(f"lambda takes {arity} arguments, got {len(values)}")
                local = dict(env)
                local.update(zip(params, values, strict=True))
                return body(local)

            return fn

        return make

    def _List(self, node: ast.List) -> Code:
        items = self._many(node.elts)
        return lambda env: [i(env) for i in items]

    def _Tuple(self, node: ast.Tuple) -> Code:
        items = self._many(node.elts)
        return lambda env: tuple(i(env) for i in items)

    def _Set(self, node: ast.Set) -> Code:
        items = self._many(node.elts)
        return lambda env: {i(env) for i in items}

    def _Dict(self, node: ast.Dict) -> Code:
        keys = self._many([k for k in node.keys if k is not None])
        values = self._many(node.values)
        return lambda env: {k(env): v(env) for k, v in zip(keys, values, strict=True)}

    def _Subscript(self, node: ast.Subscript) -> Code:
        value = self.compile(node.value)
        index = self.compile(node.slice)
        return lambda env: value(env)[index(env)]

    def _Slice(self, node: ast.Slice) -> Code:
        bounds = (node.lower, node.upper, node.step)
        parts = [None if p is None else self.compile(p) for p in bounds]
        return lambda env: slice(*(None if p is None else p(env) for p in parts))

    def _UnaryOp(self, node: ast.UnaryOp) -> Code:
        operand = self.compile(node.operand)
        if isinstance(node.op, ast.Not):
            return lambda env: not operand(env)
        if isinstance(node.op, ast.USub):
            return lambda env: -operand(env)
        return lambda env: +operand(env)

    def _BinOp(self, node: ast.BinOp) -> Code:
        left = self.compile(node.left)
        right = self.compile(node.right)
        symbol = ARITHMETIC[type(node.op)]
        operation = _OPERATIONS[type(node.op)]
        number = self.refuse.number
        return lambda env: operation(number(left(env), symbol), number(right(env), symbol))

    def _JoinedStr(self, node: ast.JoinedStr) -> Code:
        parts = self._many(node.values)
        return lambda env: "".join(str(p(env)) for p in parts)

    def _FormattedValue(self, node: ast.FormattedValue) -> Code:
        value = self.compile(node.value)
        conversion = {-1: None, 115: str, 114: repr, 97: ascii}[node.conversion]
        spec = node.format_spec
        text = (
            "".join(str(v.value) for v in spec.values if isinstance(v, ast.Constant))
            if isinstance(spec, ast.JoinedStr)
            else ""
        )

        def formatted(env: Env) -> str:
            v = value(env)
            if conversion is not None:
                v = conversion(v)
            return format(v, text)

        return formatted

    def _BoolOp(self, node: ast.BoolOp) -> Code:
        values = self._many(node.values)
        if isinstance(node.op, ast.And):

            def all_of(env: Env) -> Any:
                result: Any = True
                for v in values:
                    result = v(env)
                    if not result:
                        return result
                return result

            return all_of

        def any_of(env: Env) -> Any:
            result: Any = False
            for v in values:
                result = v(env)
                if result:
                    return result
            return result

        return any_of

    def _Compare(self, node: ast.Compare) -> Code:
        left = self.compile(node.left)
        rights = self._many(node.comparators)
        ops = [_COMPARE[type(op)] for op in node.ops]

        def compare(env: Env) -> bool:
            a = left(env)
            for op, right in zip(ops, rights, strict=True):
                b = right(env)
                if not op(a, b):
                    return False
                a = b
            return True

        return compare

    def _IfExp(self, node: ast.IfExp) -> Code:
        test = self.compile(node.test)
        body = self.compile(node.body)
        orelse = self.compile(node.orelse)
        return lambda env: body(env) if test(env) else orelse(env)


_COMPARE: dict[type, Callable[[Any, Any], bool]] = {
    ast.Eq: lambda a, b: a == b,
    ast.NotEq: lambda a, b: a != b,
    ast.Lt: lambda a, b: a < b,
    ast.LtE: lambda a, b: a <= b,
    ast.Gt: lambda a, b: a > b,
    ast.GtE: lambda a, b: a >= b,
    ast.Is: lambda a, b: a is b,
    ast.IsNot: lambda a, b: a is not b,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
}
