"""Restricted evaluator for the ``{"@expr": ..., "refs": {...}}`` values of a plan.

Clara configs carry small pieces of Python (``"#@model.parameters()"``,
``"lambda x: x[0]['loss']"``). A plan may arrive over the network from a federation
server, so these strings are *never* handed to Python's ``eval``/``exec``. Instead each
one is parsed with :mod:`ast`, checked against a whitelist of node kinds, and compiled
into a tree of closures that interprets the checked tree. Anything outside the
whitelist is refused with an :class:`ExecutorError` naming the plan pointer and the
offending piece, and :func:`check_plan_expressions` does this for every expression of a
plan before the executor builds a single object.

What an expression may contain:

* ``@name`` references, bound to the built object at the pointer in ``refs``;
* a helper from :data:`HELPERS` (pure functions MONAI configs call), named by its full
  dotted path, e.g. ``monai.handlers.from_engine(['pred', 'label'])``;
* attribute access whose name does not start with ``_`` (no dunders, no privates), on a
  reference, a lambda parameter or a value computed from them;
* calls of a helper or of a method named in :data:`SAFE_METHODS` (``parameters``,
  ``item``, ``get``...). Arbitrary method calls are refused because innocuous-looking
  values have methods that do I/O (``tensor.numpy().tofile(path)``);
* literals, lists/tuples/sets/dicts, subscripts and slices, comparisons, ``and``/``or``/
  ``not``, unary ``-``/``+``, ``x if c else y``;
* ``lambda`` with plain positional parameters whose body uses the above.

No builtins (``open``, ``eval``, ``getattr``, ``__import__``...), no imports, no
comprehensions, no f-strings, no arithmetic operators (a DoS vector: ``'a' * 10**10``),
no ``*``/``**`` unpacking, no walrus.
"""

from __future__ import annotations

import ast
import builtins
import importlib
import io
import itertools
import tokenize
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from mmarc.runtime.executor.errors import ExecutorError

from mmarc.plan.pointer import join

#: Pure helper functions an expression may call, by the dotted path written in configs
#: -> (module to import, attribute). ``from_engine`` picks keys out of engine output;
#: the ``stopping_fn_*`` helpers build EarlyStopHandler score functions.
HELPERS: dict[str, tuple[str, str]] = {
    "monai.handlers.from_engine": ("monai.handlers", "from_engine"),
    "monai.handlers.utils.from_engine": ("monai.handlers.utils", "from_engine"),
    "monai.handlers.stopping_fn_from_metric": ("monai.handlers", "stopping_fn_from_metric"),
    "monai.handlers.stopping_fn_from_loss": ("monai.handlers", "stopping_fn_from_loss"),
    "monai.handlers.utils.stopping_fn_from_metric": (
        "monai.handlers.utils",
        "stopping_fn_from_metric",
    ),
    "monai.handlers.utils.stopping_fn_from_loss": ("monai.handlers.utils", "stopping_fn_from_loss"),
}

#: Methods an expression may call on references, lambda parameters and values derived
#: from them: read-only accessors of modules, tensors and mappings. Everything else is
#: refused, since "any method" includes ones that write files.
SAFE_METHODS: frozenset[str] = frozenset(
    {
        # torch.nn.Module: parameter groups for optimizers
        "parameters",
        "named_parameters",
        "buffers",
        "named_buffers",
        "children",
        "named_children",
        "modules",
        "named_modules",
        "state_dict",
        # tensors: scalars and cheap views for output transforms
        "item",
        "tolist",
        "float",
        "double",
        "long",
        "int",
        "bool",
        "detach",
        "cpu",
        "squeeze",
        "unsqueeze",
        "flatten",
        "mean",
        "sum",
        "argmax",
        "numel",
        "size",
        "dim",
        # mappings
        "get",
        "keys",
        "values",
        "items",
    }
)

#: Longest expression text accepted; real configs use a few dozen characters.
MAX_LENGTH = 4000
_PREFIX = "_mmarc_ref_"
_BUILTIN_NAMES = frozenset(dir(builtins))
_NODE_NAMES = {
    "ListComp": "list comprehension",
    "SetComp": "set comprehension",
    "DictComp": "dict comprehension",
    "GeneratorExp": "generator expression",
    "JoinedStr": "f-string",
    "FormattedValue": "f-string",
    "NamedExpr": "assignment expression (:=)",
    "Await": "await",
    "Yield": "yield",
    "YieldFrom": "yield from",
    "Starred": "* unpacking",
    "BinOp": "arithmetic operator",
}

Env = dict[str, Any]
Code = Callable[[Env], Any]


@dataclass(frozen=True)
class CompiledExpression:
    """A checked expression, ready to evaluate once its references are built.

    ``refs`` maps each ``@name`` used in the text to the plan pointer it stands for.
    """

    text: str
    pointer: str
    refs: Mapping[str, str]
    _code: Code

    def evaluate(self, resolve: Callable[[str], Any]) -> Any:
        """Evaluate, building each referenced object with ``resolve(pointer)``."""
        env: Env = {_PREFIX + name: resolve(ptr) for name, ptr in self.refs.items()}
        return self._code(env)


def compile_expression(text: str, refs: Mapping[str, str], pointer: str) -> CompiledExpression:
    """Parse and check ``text`` (the ``@expr`` string) and compile it into closures.

    Raises :class:`ExecutorError` naming ``pointer`` and the offending piece when the
    text is not valid Python or uses anything outside the whitelist. Nothing runs.
    """
    if not isinstance(text, str):
        raise ExecutorError("'@expr' must be a string", pointer)
    if not isinstance(refs, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in refs.items()
    ):
        raise ExecutorError("'refs' must map reference names to plan pointers", pointer)
    if len(text) > MAX_LENGTH:
        raise ExecutorError(f"expression is longer than {MAX_LENGTH} characters", pointer)
    if _PREFIX in text:
        raise ExecutorError(f"expression may not contain the reserved text {_PREFIX!r}", pointer)
    rewritten, used = _replace_references(text, pointer)
    missing = sorted(used - set(refs))
    if missing:
        raise ExecutorError(
            f"expression {text!r} uses @{missing[0]} but 'refs' gives it no pointer", pointer
        )
    try:
        tree = ast.parse(rewritten.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExecutorError(
            f"expression {text!r} is not valid Python: {exc.msg}", pointer
        ) from None
    except (ValueError, RecursionError, MemoryError) as exc:
        raise ExecutorError(f"expression {text!r} cannot be parsed: {exc}", pointer) from None
    compiler = _Compiler(text, pointer, frozenset(used))
    try:
        code = compiler.compile(tree.body, frozenset())
    except RecursionError:
        raise ExecutorError(f"expression {text!r} is nested too deeply", pointer) from None
    return CompiledExpression(text, pointer, {k: refs[k] for k in sorted(used)}, code)


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


def _replace_references(text: str, pointer: str) -> tuple[str, set[str]]:
    """Replace each ``@name`` token by a placeholder identifier; return the names used.

    Tokenizing (rather than a regular expression) leaves ``'@name'`` inside string
    literals alone.
    """
    line_starts = [0]
    for line in text.splitlines(keepends=True):
        line_starts.append(line_starts[-1] + len(line))

    def offset(pos: tuple[int, int]) -> int:
        return line_starts[pos[0] - 1] + pos[1]

    cuts: list[tuple[int, int, str]] = []
    used: set[str] = set()
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError) as exc:
        raise ExecutorError(f"expression {text!r} is not valid Python: {exc}", pointer) from None
    for tok, nxt in itertools.pairwise(tokens):
        if tok.type == tokenize.OP and tok.string == "@":
            if nxt.type != tokenize.NAME or nxt.start != tok.end:
                raise ExecutorError(
                    f"expression {text!r}: '@' must be followed by a reference name", pointer
                )
            cuts.append((offset(tok.start), offset(nxt.end), nxt.string))
            used.add(nxt.string)
    out: list[str] = []
    last = 0
    for start, end, name in cuts:
        out.append(text[last:start])
        out.append(_PREFIX + name)
        last = end
    out.append(text[last:])
    return "".join(out), used


def _dotted(node: ast.expr) -> str | None:
    """``a.b.c`` for a chain of attributes on a plain name, else None."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def _load_helper(dotted: str) -> Any:
    module, attr = HELPERS[dotted]
    return getattr(importlib.import_module(module), attr)


class _Compiler:
    """Checks one parsed expression and turns it into closures, node by node."""

    def __init__(self, text: str, pointer: str, refs: frozenset[str]) -> None:
        self.text = text
        self.pointer = pointer
        self.refs = frozenset(_PREFIX + r for r in refs)

    def refuse(self, node: ast.AST, why: str) -> ExecutorError:
        piece = ast.get_source_segment(self._source(), node) if hasattr(node, "lineno") else None
        shown = _readable(piece) if piece else type(node).__name__
        return ExecutorError(
            f"expression {self.text!r} is refused: {why} (in {shown!r})", self.pointer
        )

    def _source(self) -> str:
        rewritten, _ = _replace_references(self.text, self.pointer)
        return rewritten.strip()

    # -- dispatch ------------------------------------------------------------------------

    def compile(self, node: ast.expr, scope: frozenset[str]) -> Code:
        method = getattr(self, "_" + type(node).__name__, None)
        if method is None:
            kind = _NODE_NAMES.get(type(node).__name__, type(node).__name__)
            raise self.refuse(node, f"{kind} is not allowed")
        code: Code = method(node, scope)
        return code

    def _many(self, nodes: list[ast.expr], scope: frozenset[str]) -> list[Code]:
        return [self.compile(n, scope) for n in nodes]

    # -- leaves --------------------------------------------------------------------------

    def _Constant(self, node: ast.Constant, scope: frozenset[str]) -> Code:
        value = node.value
        return lambda env: value

    def _Name(self, node: ast.Name, scope: frozenset[str]) -> Code:
        name = node.id
        if name in scope or name in self.refs:
            return lambda env: env[name]
        if name in _BUILTIN_NAMES:
            raise self.refuse(node, f"builtin {name!r} is not allowed")
        raise self.refuse(
            node,
            f"name {name!r} is not available; an expression may use @references, lambda "
            "parameters and helpers such as monai.handlers.from_engine",
        )

    def _Attribute(self, node: ast.Attribute, scope: frozenset[str]) -> Code:
        attr = node.attr
        dotted = _dotted(node)
        root = dotted.split(".", 1)[0] if dotted is not None else None
        if dotted is not None and root not in scope and root not in self.refs:
            # a dotted name such as monai.handlers.from_engine: only whole helper paths
            for part in dotted.split(".")[1:]:
                self._check_attribute_name(node, part)
            if dotted in HELPERS:
                return lambda env: _load_helper(dotted)
            raise self.refuse(
                node,
                f"{dotted!r} is not an allowed helper (allowed: {', '.join(sorted(HELPERS))})",
            )
        value = self.compile(node.value, scope)  # inner pieces first: the first offence wins
        self._check_attribute_name(node, attr)
        return lambda env: getattr(value(env), attr)

    def _check_attribute_name(self, node: ast.AST, attr: str) -> None:
        if attr.startswith("__") and attr.endswith("__"):
            raise self.refuse(node, f"dunder attribute {attr!r} is not allowed")
        if attr.startswith("_"):
            raise self.refuse(node, f"private attribute {attr!r} is not allowed")

    # -- calls ---------------------------------------------------------------------------

    def _Call(self, node: ast.Call, scope: frozenset[str]) -> Code:
        func = node.func
        dotted = _dotted(func)
        root = dotted.split(".", 1)[0] if dotted is not None else None
        if dotted in HELPERS and root not in scope and root not in self.refs:
            target = self.compile(func, scope)
        elif isinstance(func, ast.Attribute):
            # inner pieces first, so the error names the most telling part
            target = self.compile(func, scope)
            if func.attr not in SAFE_METHODS:
                raise self.refuse(
                    node,
                    f"calling method {func.attr!r} is not allowed; only read-only methods "
                    "(parameters, item, get, ... see SAFE_METHODS) and helpers such as "
                    "monai.handlers.from_engine may be called",
                )
        elif isinstance(func, ast.Name):
            self.compile(func, scope)  # raises for builtins and unknown names
            raise self.refuse(node, f"calling {func.id!r} is not allowed")
        else:
            raise self.refuse(node, "only helpers and whitelisted methods may be called")
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise self.refuse(arg, "* unpacking is not allowed")
        for kw in node.keywords:
            if kw.arg is None:
                raise self.refuse(kw.value, "** unpacking is not allowed")
        args = self._many(node.args, scope)
        kwargs = [(kw.arg, self.compile(kw.value, scope)) for kw in node.keywords]

        def call(env: Env) -> Any:
            fn = target(env)
            return fn(*(a(env) for a in args), **{k: v(env) for k, v in kwargs if k})

        return call

    def _Lambda(self, node: ast.Lambda, scope: frozenset[str]) -> Code:
        a = node.args
        if a.vararg or a.kwarg or a.kwonlyargs or a.defaults or a.kw_defaults:
            raise self.refuse(node, "lambda may only have plain positional parameters")
        params = [p.arg for p in (*a.posonlyargs, *a.args)]
        for p in params:
            if p.startswith("_"):
                raise self.refuse(node, f"lambda parameter {p!r} may not start with '_'")
        body = self.compile(node.body, scope | frozenset(params))
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

    # -- containers, subscripts, operators -----------------------------------------------

    def _List(self, node: ast.List, scope: frozenset[str]) -> Code:
        items = self._many(node.elts, scope)
        return lambda env: [i(env) for i in items]

    def _Tuple(self, node: ast.Tuple, scope: frozenset[str]) -> Code:
        items = self._many(node.elts, scope)
        return lambda env: tuple(i(env) for i in items)

    def _Set(self, node: ast.Set, scope: frozenset[str]) -> Code:
        items = self._many(node.elts, scope)
        return lambda env: {i(env) for i in items}

    def _Dict(self, node: ast.Dict, scope: frozenset[str]) -> Code:
        if any(k is None for k in node.keys):
            raise self.refuse(node, "** unpacking is not allowed")
        keys = self._many([k for k in node.keys if k is not None], scope)
        values = self._many(node.values, scope)
        return lambda env: {k(env): v(env) for k, v in zip(keys, values, strict=True)}

    def _Subscript(self, node: ast.Subscript, scope: frozenset[str]) -> Code:
        value = self.compile(node.value, scope)
        index = self.compile(node.slice, scope)
        return lambda env: value(env)[index(env)]

    def _Slice(self, node: ast.Slice, scope: frozenset[str]) -> Code:
        parts = [
            None if p is None else self.compile(p, scope)
            for p in (node.lower, node.upper, node.step)
        ]
        return lambda env: slice(*(None if p is None else p(env) for p in parts))

    def _UnaryOp(self, node: ast.UnaryOp, scope: frozenset[str]) -> Code:
        operand = self.compile(node.operand, scope)
        if isinstance(node.op, ast.Not):
            return lambda env: not operand(env)
        if isinstance(node.op, ast.USub):
            return lambda env: -operand(env)
        if isinstance(node.op, ast.UAdd):
            return lambda env: +operand(env)
        raise self.refuse(node, "operator '~' is not allowed")

    def _BoolOp(self, node: ast.BoolOp, scope: frozenset[str]) -> Code:
        values = self._many(node.values, scope)
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

    def _Compare(self, node: ast.Compare, scope: frozenset[str]) -> Code:
        left = self.compile(node.left, scope)
        rights = self._many(node.comparators, scope)
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

    def _IfExp(self, node: ast.IfExp, scope: frozenset[str]) -> Code:
        test = self.compile(node.test, scope)
        body = self.compile(node.body, scope)
        orelse = self.compile(node.orelse, scope)
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


def _readable(piece: str) -> str:
    """Show ``@name`` again where the parse used a placeholder."""
    return piece.replace(_PREFIX, "@")
