"""Constructor signatures of an MMAR's own classes, read from ``custom/`` without importing it.

A config may build a class that lives in the MMAR itself: ``"path": "digits_net.DigitsCNN"``
means ``<mmar>/custom/digits_net.py`` (Clara put ``custom/`` on ``sys.path``). Validation
must check that class's arguments like any catalogued one, but importing the file would
run arbitrary code (and pull in torch) on the validate path. So the file is parsed with
:mod:`ast` and the class's ``__init__`` read as a list of catalog :class:`Param` rows,
which lets the component checker treat custom and catalogued classes the same way.

What is followed: ``__init__`` of the class; of its base when it has none (or when its
``**kwargs`` go to ``super().__init__``), for bases defined in the same file, imported
from another custom module (``from .layers import Base``, ``from layers import Base``),
or imported from a catalogued library (resolved by the caller's ``external`` lookup);
``@dataclass`` fields. ``torch.nn.Module`` and ``object`` take no arguments. Anything
else (a base from an uncatalogued package, a metaclass, a decorator that replaces the
class) makes the signature *open*: arguments cannot be proven wrong, and the reason is
kept so that a C007 warning can say why.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from mmarc.catalog.model import Param, ParamKind

#: Where Clara looked for an MMAR's own modules.
CUSTOM_DIR = "custom"

#: Bases whose ``__init__`` accepts no configuration arguments.
_NO_ARG_BASES = frozenset(
    {
        "object",
        "Module",
        "nn.Module",
        "torch.nn.Module",
        "torch.nn.modules.module.Module",
        "ABC",
        "abc.ABC",
        "Generic",
        "typing.Generic",
        "Protocol",
    }
)
_DATACLASS_DECORATORS = frozenset({"dataclass", "dataclasses.dataclass"})
#: Nested classes and bases are followed this deep (a guard against import cycles).
_MAX_DEPTH = 12

#: ``external(dotted_path)``: the parameters of a catalogued class (None when unknown)
#: and whether it takes arbitrary keywords.
ExternalLookup = Callable[[str], tuple[tuple[Param, ...], bool] | None]


@dataclass(frozen=True, slots=True)
class CustomSignature:
    """What a custom class's constructor accepts.

    ``params`` are the keyword-settable parameters (inherited ones included).
    ``open_kwargs`` is True when any keyword may be accepted (``**kwargs`` that go
    nowhere checkable); ``open_reason`` then says why, for C007.
    """

    params: tuple[Param, ...]
    open_kwargs: bool = False
    open_reason: str | None = None


@dataclass(frozen=True, slots=True)
class CustomLookup:
    """The outcome of looking up a dotted path in ``custom/``.

    ``status``: ``"found"`` (``signature`` set), ``"no_module"`` (no such file: the path
    may name an installed package), ``"no_class"`` (the file exists, the class does
    not; ``candidates`` lists the classes it has), ``"unreadable"`` (``reason`` says why).
    """

    status: str
    dotted: str
    file: Path | None = None
    line: int | None = None
    signature: CustomSignature | None = None
    candidates: tuple[str, ...] = ()
    reason: str | None = None


@dataclass
class _Module:
    """One parsed custom module: its classes and the names it imports."""

    name: str
    file: Path
    classes: dict[str, ast.ClassDef] = field(default_factory=dict)
    #: local name -> dotted origin (``Base`` -> ``layers.Base``, ``nn`` -> ``torch.nn``)
    imports: dict[str, str] = field(default_factory=dict)
    error: str | None = None


def module_file(custom_dir: Path, module: str) -> Path | None:
    """The file of custom module ``a.b``: ``custom/a/b.py`` or ``custom/a/b/__init__.py``."""
    parts = module.split(".")
    if not parts or not all(p.isidentifier() for p in parts):
        return None
    base = custom_dir.joinpath(*parts)
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def split_custom_path(dotted: str) -> tuple[str, str] | None:
    """``("digits_net", "DigitsCNN")`` for ``digits_net.DigitsCNN``.

    Only ``custom/`` is on the import path (as :func:`mmarc.compiler.resolve.custom_module_file`
    and the executor see it), so ``custom.digits_net.DigitsCNN`` is not a custom path.
    """
    module, _, name = dotted.strip().rpartition(".")
    if not module or not name:
        return None
    return module, name


def lookup_custom(
    mmar_root: Path, dotted: str, external: ExternalLookup | None = None
) -> CustomLookup:
    """Find ``dotted`` (``module.Class``) under ``<mmar_root>/custom`` and read its signature."""
    split = split_custom_path(dotted)
    custom_dir = mmar_root / CUSTOM_DIR
    if split is None or not custom_dir.is_dir():
        return CustomLookup("no_module", dotted)
    module_name, class_name = split
    file = module_file(custom_dir, module_name)
    if file is None:
        return CustomLookup("no_module", dotted)
    module = _parse(file, module_name)
    if module.error is not None:
        return CustomLookup("unreadable", dotted, file, reason=module.error)
    node = module.classes.get(class_name)
    if node is None:
        imported = module.imports.get(class_name)
        if imported is not None:  # re-exported from another module: follow it
            target = _resolve_import(custom_dir, module, imported)
            if target is not None:
                return lookup_custom(mmar_root, target, external)
        return CustomLookup("no_class", dotted, file, candidates=tuple(sorted(module.classes)))
    reader = _SignatureReader(custom_dir, external)
    signature = reader.signature(module, node, 0)
    return CustomLookup("found", dotted, file, node.lineno, signature)


def custom_classes(mmar_root: Path) -> dict[str, str]:
    """Every top-level class in ``custom/`` by short name -> dotted path (first one wins)."""
    custom_dir = mmar_root / CUSTOM_DIR
    out: dict[str, str] = {}
    if not custom_dir.is_dir():
        return out
    for file in sorted(custom_dir.rglob("*.py")):
        rel = file.relative_to(custom_dir).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts.pop()
        if not parts or not all(p.isidentifier() for p in parts):
            continue
        module = _parse(file, ".".join(parts))
        for name in module.classes:
            out.setdefault(name, f"{module.name}.{name}")
    return out


# ---------------------------------------------------------------------------------------
# parsing
# ---------------------------------------------------------------------------------------


def _parse(file: Path, name: str) -> _Module:
    try:
        stat = file.stat()
    except OSError as exc:
        return _Module(name, file, error=exc.strerror or type(exc).__name__)
    return _parse_cached(str(file), name, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=64)
def _parse_cached(path: str, name: str, _mtime: int, _size: int) -> _Module:
    file = Path(path)
    module = _Module(name, file)
    try:
        tree = ast.parse(file.read_bytes(), filename=path)
    except SyntaxError as exc:
        module.error = f"syntax error on line {exc.lineno}: {exc.msg}"
        return module
    except (OSError, ValueError) as exc:
        module.error = str(exc)
        return module
    package = name.rpartition(".")[0] if file.name != "__init__.py" else name
    for stmt in tree.body:
        if isinstance(stmt, ast.ClassDef):
            module.classes[stmt.name] = stmt
        elif isinstance(stmt, ast.Import):
            for alias in stmt.names:
                local = alias.asname or alias.name.split(".")[0]
                module.imports[local] = alias.name if alias.asname else local
        elif isinstance(stmt, ast.ImportFrom):
            origin = stmt.module or ""
            if stmt.level:
                base = package.split(".") if package else []
                base = base[: len(base) - (stmt.level - 1)] if stmt.level > 1 else base
                origin = ".".join([*base, origin] if origin else base)
                origin = "." + origin  # marks a relative (hence custom) import
            for alias in stmt.names:
                module.imports[alias.asname or alias.name] = f"{origin}.{alias.name}"
    return module


def _resolve_import(custom_dir: Path, module: _Module, dotted: str) -> str | None:
    """The custom dotted path an import names, or None when it is not in ``custom/``."""
    relative = dotted.startswith(".")
    target = dotted.lstrip(".")
    mod, _, _name = target.rpartition(".")
    if not mod:
        return None
    if module_file(custom_dir, mod) is not None:
        return target
    return None if not relative else target


# ---------------------------------------------------------------------------------------
# signatures
# ---------------------------------------------------------------------------------------


class _SignatureReader:
    def __init__(self, custom_dir: Path, external: ExternalLookup | None) -> None:
        self.custom_dir = custom_dir
        self.external = external

    def signature(self, module: _Module, cls: ast.ClassDef, depth: int) -> CustomSignature:
        if depth > _MAX_DEPTH:
            return CustomSignature((), True, f"the bases of {cls.name} nest too deeply")
        if any(_decorator_name(d) in _DATACLASS_DECORATORS for d in cls.decorator_list):
            return self._dataclass(module, cls, depth)
        init = _find_init(cls)
        if init is None:
            return self._inherited(module, cls, depth)
        params, var_kw = _params_of(init)
        if var_kw is None:
            return CustomSignature(tuple(params))
        if not _passes_kwargs_to_super(init, var_kw):
            reason = f"{cls.name}.__init__ takes **{var_kw}"
            return CustomSignature(tuple(params), True, reason)
        base = self._inherited(module, cls, depth)
        own = {p.name for p in params}
        merged = [*params, *(p for p in base.params if p.name not in own)]
        return CustomSignature(tuple(merged), base.open_kwargs, base.open_reason)

    def _inherited(self, module: _Module, cls: ast.ClassDef, depth: int) -> CustomSignature:
        """The signature a class without its own ``__init__`` gets from its first base."""
        if not cls.bases:
            return CustomSignature(())
        for base in cls.bases:
            text = _dotted(base)
            if text is None:
                return CustomSignature((), True, f"the base of {cls.name} is not a plain name")
            if text in _NO_ARG_BASES:
                continue
            found = self._base(module, text, depth)
            if found is not None:
                return found
            return CustomSignature(
                (), True, f"its base {text} is neither a custom nor a catalogued class"
            )
        return CustomSignature(())

    def _base(self, module: _Module, text: str, depth: int) -> CustomSignature | None:
        head, _, rest = text.partition(".")
        if not rest and head in module.classes:
            return self.signature(module, module.classes[head], depth + 1)
        origin = module.imports.get(head)
        dotted = f"{origin}.{rest}" if origin and rest else origin or text
        if dotted in _NO_ARG_BASES:
            return CustomSignature(())
        custom = _resolve_import(self.custom_dir, module, dotted) if origin else None
        if custom is not None:
            mod_name, _, cls_name = custom.rpartition(".")
            file = module_file(self.custom_dir, mod_name)
            if file is not None:
                other = _parse(file, mod_name)
                if cls_name in other.classes:
                    return self.signature(other, other.classes[cls_name], depth + 1)
        if self.external is not None:
            found = self.external(dotted.lstrip("."))
            if found is not None:
                params, open_kwargs = found
                kw = tuple(p for p in params if p.accepts_keyword)
                reason = f"its base {dotted} takes **kwargs" if open_kwargs else None
                return CustomSignature(kw, open_kwargs, reason)
        return None

    def _dataclass(self, module: _Module, cls: ast.ClassDef, depth: int) -> CustomSignature:
        inherited = self._inherited(module, cls, depth) if cls.bases else CustomSignature(())
        fields: dict[str, Param] = {p.name: p for p in inherited.params}
        for stmt in cls.body:
            if not isinstance(stmt, ast.AnnAssign) or not isinstance(stmt.target, ast.Name):
                continue
            annotation = ast.unparse(stmt.annotation)
            if annotation.startswith(("ClassVar", "typing.ClassVar")):
                continue
            required = stmt.value is None or _is_field_without_default(stmt.value)
            default = _literal(stmt.value) if stmt.value is not None and not required else None
            fields[stmt.target.id] = Param(
                stmt.target.id, ParamKind.POSITIONAL_OR_KEYWORD, required, default, None, annotation
            )
        return CustomSignature(tuple(fields.values()), inherited.open_kwargs, inherited.open_reason)


def _find_init(cls: ast.ClassDef) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    for stmt in cls.body:
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef) and stmt.name == "__init__":
            return stmt
    return None


def _params_of(init: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[list[Param], str | None]:
    """The keyword-settable parameters of ``__init__`` (``self`` dropped) and ``**name``."""
    args = init.args
    positional = [*args.posonlyargs, *args.args]
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults))
    defaults.extend(args.defaults)
    params: list[Param] = []
    for i, (arg, default) in enumerate(zip(positional, defaults, strict=True)):
        if i == 0:
            continue  # self
        kind = (
            ParamKind.POSITIONAL_ONLY
            if i < len(args.posonlyargs)
            else ParamKind.POSITIONAL_OR_KEYWORD
        )
        params.append(_param(arg, default, kind))
    for arg, kw_default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
        params.append(_param(arg, kw_default, ParamKind.KEYWORD_ONLY))
    var_kw = args.kwarg.arg if args.kwarg is not None else None
    return [p for p in params if p.accepts_keyword], var_kw


def _param(arg: ast.arg, default: ast.expr | None, kind: ParamKind) -> Param:
    annotation = ast.unparse(arg.annotation) if arg.annotation is not None else None
    if default is None:
        return Param(arg.arg, kind, True, None, None, annotation)
    return Param(arg.arg, kind, False, _literal(default), ast.unparse(default), annotation)


def _literal(node: ast.expr) -> object:
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None


def _is_field_without_default(value: ast.expr) -> bool:
    """``field()`` / ``field(metadata=...)`` without ``default``/``default_factory``."""
    if not isinstance(value, ast.Call) or _dotted(value.func) not in (
        "field",
        "dataclasses.field",
    ):
        return False
    return not any(k.arg in ("default", "default_factory") for k in value.keywords)


def _passes_kwargs_to_super(init: ast.FunctionDef | ast.AsyncFunctionDef, var_kw: str) -> bool:
    """Whether ``__init__`` calls ``super().__init__(..., **var_kw)``."""
    for node in ast.walk(init):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        if node.func.attr != "__init__":
            continue
        owner = node.func.value
        if not (isinstance(owner, ast.Call) and _dotted(owner.func) == "super"):
            continue
        for kw in node.keywords:
            if kw.arg is None and isinstance(kw.value, ast.Name) and kw.value.id == var_kw:
                return True
    return False


def _decorator_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Call):
        node = node.func
    return _dotted(node)


def _dotted(node: ast.expr) -> str | None:
    """``a.b.C`` for a Name/Attribute chain (subscripts such as ``Generic[T]`` drop)."""
    if isinstance(node, ast.Subscript):
        node = node.value
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None
