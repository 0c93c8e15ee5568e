"""Build the component catalog by introspecting the installed MONAI, torch and ignite.

This is the only part of mmarc's checking side that imports torch and MONAI, and it does
so inside :func:`build_catalog` only, never at module import, so that importing
``mmarc.catalog`` stays cheap. ``mmarc catalog build`` calls :func:`build_and_write`;
the result is shipped as ``mmarc/catalog/data/catalog.json`` for the pinned versions
(``constraints.txt``), and a test rebuilds it and fails when the shipped file is stale.

What is catalogued is declared in :data:`SOURCES`: for each public module, the category
its classes get and the base class that selects them (``monai.data`` exports datasets,
loaders, samplers and readers side by side, and much else). A class reachable from
several modules becomes one entry whose public path is the best-ranked module
(:data:`~mmarc.catalog.model.MODULE_PRECEDENCE`) and whose other paths are aliases.

Determinism: entries and keys are sorted, defaults are rendered without memory
addresses, and the torch version drops its local build tag (``+cpu``/``+cu121`` do not
change any Python signature), so CPU and CUDA installs build the same bytes.
"""

from __future__ import annotations

import ast
import enum
import importlib
import inspect
import math
import re
import sys
import textwrap
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from mmarc.catalog.by_name import BY_NAME, allowed_names, factory_names, scan_constructor
from mmarc.catalog.model import (
    ByNameArg,
    Catalog,
    ComponentEntry,
    DeprecatedArg,
    Deprecation,
    Param,
    ParamKind,
    SkippedSource,
    clean_repr,
    module_rank,
    write_catalog,
)


@dataclass(frozen=True, slots=True)
class Source:
    """Classes of ``module`` that subclass ``base`` (a dotted path) get ``category``.

    ``defined_under`` restricts to classes whose defining module starts with it (used when
    there is no common base, e.g. ``monai.handlers``). ``optional`` sources may fail to
    import (a missing optional dependency); the catalog then lists them as skipped.
    """

    module: str
    category: str
    base: str | None = None
    defined_under: str | None = None
    optional: bool = False


#: What the catalog covers, in the categories of :data:`mmarc.catalog.model.CATEGORIES`.
SOURCES: tuple[Source, ...] = (
    Source("monai.transforms", "transform", base="monai.transforms.Transform"),
    Source("monai.apps.deepgrow.transforms", "transform", base="monai.transforms.Transform"),
    Source("monai.apps.deepedit.transforms", "transform", base="monai.transforms.Transform"),
    Source("monai.networks.nets", "network", base="torch.nn.Module"),
    Source("monai.losses", "loss", base="torch.nn.Module"),
    Source("torch.nn", "loss", base="torch.nn.modules.loss._Loss"),
    Source("monai.metrics", "metric", base="monai.metrics.Metric"),
    Source("monai.handlers", "handler", defined_under="monai.handlers"),
    Source("ignite.metrics", "handler", base="ignite.metrics.Metric", optional=True),
    Source("ignite.handlers", "handler", defined_under="ignite.handlers", optional=True),
    Source("torch.optim", "optimizer", base="torch.optim.Optimizer"),
    Source("monai.optimizers", "optimizer", base="torch.optim.Optimizer"),
    Source("torch.optim.lr_scheduler", "lr_scheduler", base="torch.optim.lr_scheduler.LRScheduler"),
    Source(
        "torch.optim.lr_scheduler",
        "lr_scheduler",
        base="torch.optim.lr_scheduler.ReduceLROnPlateau",
    ),
    Source("monai.optimizers", "lr_scheduler", base="torch.optim.lr_scheduler.LRScheduler"),
    Source("monai.data", "dataloader", base="torch.utils.data.DataLoader"),
    Source("torch.utils.data", "dataloader", base="torch.utils.data.DataLoader"),
    Source("monai.data", "dataset", base="torch.utils.data.Dataset"),
    Source("monai.apps", "dataset", base="torch.utils.data.Dataset"),
    Source("torch.utils.data", "dataset", base="torch.utils.data.Dataset"),
    Source("monai.data", "sampler", base="torch.utils.data.Sampler"),
    Source("torch.utils.data", "sampler", base="torch.utils.data.Sampler"),
    Source("monai.data", "image_io", base="monai.data.ImageReader"),
    Source("monai.data", "image_io", base="monai.data.ImageWriter"),
    Source("monai.inferers", "inferer", base="monai.inferers.Inferer"),
    Source("monai.inferers", "helper", base="monai.inferers.Merger"),
    Source("monai.inferers", "helper", base="monai.inferers.Splitter"),
    Source("monai.engines", "engine", base="monai.engines.Workflow"),
    Source("monai.engines", "helper", base="monai.engines.PrepareBatch"),
    Source("monai.apps.deepgrow.interaction", "helper", defined_under="monai.apps.deepgrow"),
    Source("monai.apps.deepedit.interaction", "helper", defined_under="monai.apps.deepedit"),
)


def build_catalog(sources: tuple[Source, ...] = SOURCES) -> Catalog:
    """Introspect the installed packages into a :class:`Catalog` (imports torch and MONAI)."""
    import warnings

    with warnings.catch_warnings():
        # importing MONAI's optional modules warns about missing extras; irrelevant here
        warnings.simplefilter("ignore")
        return _build(sources)


def build_and_write(path: Path) -> Catalog:
    """What ``mmarc catalog build [--out PATH]`` runs: build, write to ``path``, return it."""
    catalog = build_catalog()
    write_catalog(catalog, path)
    return catalog


# -- implementation --------------------------------------------------------------


@dataclass
class _Found:
    cls: type
    category: str
    names: set[str]
    paths: set[str]


def _build(sources: tuple[Source, ...]) -> Catalog:
    import monai
    import torch

    found: dict[int, _Found] = {}
    skipped: dict[str, str] = {}
    for source in sources:
        try:
            module = importlib.import_module(source.module)
            base = _resolve(source.base) if source.base else None
        except Exception as exc:  # an optional extra is missing
            if not source.optional:
                raise
            skipped[source.module] = clean_repr(f"{type(exc).__name__}: {exc}")
            continue
        for export, cls in _public_classes(module):
            if not _selected(cls, source, base):
                continue
            item = found.get(id(cls))
            if item is None:  # the first source that selects a class decides its category
                item = found[id(cls)] = _Found(cls, source.category, set(), set())
            item.names.add(export)
            item.paths.add(f"{source.module}.{export}")
            defining = f"{cls.__module__}.{cls.__qualname__}"
            if "<" not in defining:
                item.paths.add(defining)

    entries = [_entry(item) for item in found.values()]
    enums = _string_enums(item.cls for item in found.values())
    _check_by_name_table(found.values(), entries)
    ignite_version: str | None = None
    try:
        import ignite

        ignite_version = _public_version(ignite.__version__)
    except ImportError:
        pass
    return Catalog.from_entries(
        monai_version=_public_version(monai.__version__),
        torch_version=_public_version(torch.__version__),
        ignite_version=ignite_version,
        python_version=f"{sys.version_info.major}.{sys.version_info.minor}",
        entries=tuple(entries),
        skipped=tuple(SkippedSource(m, r) for m, r in sorted(skipped.items())),
        factories=factory_names(),
        enums=enums,
    )


_NAME = re.compile(r"[A-Za-z_][\w.]*")


def _string_enums(classes: Iterable[type]) -> dict[str, list[str]]:
    """The string enums named by the catalogued constructors' annotations -> their values.

    MONAI annotates choice arguments ``reduction: LossReduction | str`` and checks the
    string against the enum (at build or at first use, ``look_up_option``); the checker
    needs the values without importing MONAI. Only MONAI's own enums are taken: ignite's
    ``Events`` also accepts strings that are not its values. Annotations are often
    strings (postponed evaluation), so their names are looked up in the constructor's
    module. A name two different enums
    share is left out (it could not be told which one an annotation means).
    """
    found: dict[str, tuple[str, ...]] = {}
    clashes: set[str] = set()
    for cls in classes:
        own = _own_init(cls)
        scope = getattr(own[1], "__globals__", {}) if own is not None else {}
        try:
            params = inspect.signature(cls).parameters.values()
        except (TypeError, ValueError):
            continue
        for p in params:
            for enum_cls in _annotation_enums(p.annotation, scope):
                values = tuple(m.value for m in enum_cls)
                name = enum_cls.__name__
                if found.get(name, values) != values:
                    clashes.add(name)
                found[name] = values
    return {k: list(v) for k, v in sorted(found.items()) if k not in clashes}


def _annotation_enums(annotation: Any, scope: dict[str, Any]) -> list[type[enum.Enum]]:
    candidates: list[Any] = []
    if isinstance(annotation, str):
        for name in _NAME.findall(annotation):
            head, *rest = name.split(".")
            obj = scope.get(head)
            for part in rest:
                try:
                    obj = getattr(obj, part, None)
                except Exception:  # a lazy attribute of a missing optional extra
                    obj = None
            candidates.append(obj)
    else:
        stack = [annotation]
        while stack:
            obj = stack.pop()
            candidates.append(obj)
            stack.extend(getattr(obj, "__args__", ()) or ())
    return [
        c
        for c in candidates
        if isinstance(c, type)
        and issubclass(c, enum.Enum)
        and c.__module__.startswith("monai.")
        and len(c) > 0
        and all(isinstance(m.value, str) for m in c)
    ]


def _resolve(dotted: str) -> type:
    module, _, name = dotted.rpartition(".")
    obj = getattr(importlib.import_module(module), name)
    if not isinstance(obj, type):
        raise TypeError(f"{dotted} is not a class")
    return obj


def _public_classes(module: ModuleType) -> list[tuple[str, type]]:
    out = []
    for export in sorted(dir(module)):
        if export.startswith("_"):
            continue
        try:
            obj = getattr(module, export)
        except Exception:  # lazy attributes of optional extras may raise
            continue
        if isinstance(obj, type) and not issubclass(obj, enum.Enum):
            out.append((export, obj))
    return out


def _selected(cls: type, source: Source, base: type | None) -> bool:
    if source.defined_under is not None and not (
        cls.__module__ == source.defined_under
        or cls.__module__.startswith(source.defined_under + ".")
    ):
        return False
    if base is not None:
        try:
            return issubclass(cls, base)
        except TypeError:
            return False
    return True


def _public_version(version: str) -> str:
    return version.split("+", 1)[0]


def _entry(item: _Found) -> ComponentEntry:
    cls = item.cls
    # public path: best-ranked module, under the class's own name (not an alias such as
    # ``LoadImageD``), from the shallowest module (``monai.transforms``, not its submodule)
    paths = sorted(
        item.paths,
        key=lambda p: (module_rank(p), p.rsplit(".", 1)[-1] != cls.__name__, p.count("."), p),
    )
    public = paths[0]
    params, error = _params(cls)
    dep_args, class_dep = _deprecations(cls)
    target, forwarded = _forwarded(cls, params) if error is None else (None, ())
    return ComponentEntry(
        names=tuple(sorted(item.names, key=lambda n: (n != cls.__name__, n))),
        path=public,
        category=item.category,
        params=params,
        aliases=tuple(sorted(paths[1:])),
        tags=_tags(cls),
        deprecated_args=dep_args,
        deprecation=class_dep,
        signature_error=error,
        kwargs_target=target,
        forwarded_params=forwarded,
        by_name=_by_name(public),
    )


def _by_name(path: str) -> tuple[ByNameArg, ...]:
    return tuple(
        ByNameArg(spec.arg, "locate", allowed_names(spec.names), spec.source)
        for spec in BY_NAME
        if spec.path == path
    )


def _check_by_name_table(found: Iterable[_Found], entries: list[ComponentEntry]) -> None:
    """Fail the build when a catalogued constructor resolves names the table misses."""
    missing = sorted(
        entry.path
        for item, entry in zip(found, entries, strict=True)
        if not entry.by_name and scan_constructor(item.cls)
    )
    if missing:
        raise RuntimeError(
            "these constructors resolve a string by name (locate/optional_import/getattr) "
            f"but mmarc.catalog.by_name.BY_NAME does not list them: {', '.join(missing)}"
        )


def _tags(cls: type) -> tuple[str, ...]:
    tags = []
    if inspect.isabstract(cls):
        tags.append("abstract")
    checks: dict[str, str] = {
        "dictionary": "monai.transforms.MapTransform",
        "random": "monai.transforms.Randomizable",
        "metric_handler": "monai.handlers.IgniteMetricHandler",
    }
    for tag, base in checks.items():
        try:
            if issubclass(cls, _resolve(base)):
                tags.append(tag)
        except Exception:
            continue
    try:
        if "metric_handler" not in tags and issubclass(cls, _resolve("ignite.metrics.Metric")):
            tags.append("metric_handler")
    except Exception:
        pass
    return tuple(sorted(tags))


def _own_init(cls: type) -> tuple[type, Callable[..., Any]] | None:
    """The class in ``cls``'s MRO that defines the ``__init__`` it runs, and that function."""
    for klass in cls.__mro__:
        init = vars(klass).get("__init__")
        if init is not None:
            return klass, inspect.unwrap(init)
    return None


def _super_kwargs_call(init: Callable[..., Any], kwargs_name: str) -> ast.Call | None:
    """The ``super().__init__(..., **kwargs)`` call inside ``init``, if it has one."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(init)))
    except (OSError, TypeError, SyntaxError):
        return None
    for node in ast.walk(tree):
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "__init__"
            and isinstance(node.func.value, ast.Call)
            and isinstance(node.func.value.func, ast.Name)
            and node.func.value.func.id == "super"
        ):
            continue
        for kw in node.keywords:
            if kw.arg is None and isinstance(kw.value, ast.Name) and kw.value.id == kwargs_name:
                return node
    return None


def _forwarded(
    cls: type, params: tuple[Param, ...], depth: int = 0
) -> tuple[str | None, tuple[Param, ...]]:
    """Where ``**kwargs`` goes when ``__init__`` hands it to ``super().__init__``.

    ``monai.data.DataLoader(dataset, num_workers=0, **kwargs)`` passes ``batch_size``,
    ``shuffle``... through to ``torch.utils.data.DataLoader``; without following that, a
    checker could not tell ``batch_size`` from a typo. Returns the receiving class's path
    and the parameters ``**kwargs`` can set there (those the call does not already bind),
    following further forwarding. Only ``super().__init__(..., **kwargs)`` is followed:
    kwargs sent anywhere else (a reader, an inner transform) stay unchecked.
    """
    var_kw = next((p for p in params if p.kind is ParamKind.VAR_KEYWORD), None)
    found = _own_init(cls)
    if var_kw is None or found is None or depth > 4:
        return None, ()
    owner, init = found
    call = _super_kwargs_call(init, var_kw.name)
    if call is None:
        return None, ()
    parent = next((k for k in owner.__mro__[1:] if "__init__" in vars(k)), None)
    if parent is None or parent is object:
        return None, ()
    parent_params, error = _params(parent)
    if error is not None:
        return None, ()
    bound = {kw.arg for kw in call.keywords if kw.arg is not None}
    positional = [
        p.name
        for p in parent_params
        if p.kind in (ParamKind.POSITIONAL_ONLY, ParamKind.POSITIONAL_OR_KEYWORD)
    ]
    bound.update(positional[: len(call.args)])
    own = {p.name for p in params}
    out = [
        p for p in parent_params if p.accepts_keyword and p.name not in bound and p.name not in own
    ]
    _, further = _forwarded(parent, parent_params, depth + 1)
    names = {p.name for p in out}
    out.extend(p for p in further if p.name not in names and p.name not in own)
    parent_var_kw = next((p for p in parent_params if p.kind is ParamKind.VAR_KEYWORD), None)
    if parent_var_kw is not None and not further:
        out.append(parent_var_kw)  # the parent keeps them open: anything may still pass
    return f"{parent.__module__}.{parent.__qualname__}", tuple(out)


_KIND_MAP: dict[Any, ParamKind] = {
    inspect.Parameter.POSITIONAL_ONLY: ParamKind.POSITIONAL_ONLY,
    inspect.Parameter.POSITIONAL_OR_KEYWORD: ParamKind.POSITIONAL_OR_KEYWORD,
    inspect.Parameter.KEYWORD_ONLY: ParamKind.KEYWORD_ONLY,
    inspect.Parameter.VAR_POSITIONAL: ParamKind.VAR_POSITIONAL,
    inspect.Parameter.VAR_KEYWORD: ParamKind.VAR_KEYWORD,
}


def _params(cls: type) -> tuple[tuple[Param, ...], str | None]:
    """The constructor's parameters, or why they could not be read.

    ``inspect.signature(cls)`` follows ``__wrapped__``, so MONAI's deprecation wrappers
    (``*args, **kwargs``) are seen through to the real ``__init__``.
    """
    try:
        sig = inspect.signature(cls)
    except (TypeError, ValueError) as exc:
        return (), clean_repr(f"{type(exc).__name__}: {exc}")
    params = []
    for p in sig.parameters.values():
        kind = _KIND_MAP[p.kind]
        variadic = kind in (ParamKind.VAR_POSITIONAL, ParamKind.VAR_KEYWORD)
        required = not variadic and p.default is inspect.Parameter.empty
        default: Any = None
        default_repr: str | None = None
        if not required and not variadic:
            ok, value = _json_value(p.default)
            if ok:
                default = value
            else:
                default_repr = _describe(p.default)
        params.append(
            Param(
                name=p.name,
                kind=kind,
                required=required,
                default=default,
                default_repr=default_repr,
                annotation=_annotation(p.annotation),
            )
        )
    return tuple(params), None


def _annotation(annotation: Any) -> str | None:
    if annotation is inspect.Parameter.empty:
        return None
    if isinstance(annotation, str):
        return clean_repr(annotation)
    return clean_repr(inspect.formatannotation(annotation))


def _json_value(value: Any) -> tuple[bool, Any]:
    """``(True, json_form)`` for values a JSON config could write, else ``(False, None)``.

    Enum members become their value (configs write ``"bilinear"``, not
    ``InterpolateMode.BILINEAR``); tuples become lists.
    """
    if value is None or isinstance(value, bool | str):
        return True, value
    if isinstance(value, enum.Enum):
        return _json_value(value.value)
    if isinstance(value, int):
        return True, int(value)
    if isinstance(value, float):
        return (True, float(value)) if math.isfinite(value) else (False, None)
    if isinstance(value, list | tuple):
        items = [_json_value(v) for v in value]
        if all(ok for ok, _ in items):
            return True, [v for _, v in items]
        return False, None
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        pairs = {k: _json_value(v) for k, v in value.items()}
        if all(ok for ok, _ in pairs.values()):
            return True, {k: v for k, (_, v) in sorted(pairs.items())}
    return False, None


def _describe(value: Any) -> str:
    """Stable text for a default with no JSON form: dotted names for classes and functions."""
    if isinstance(value, type) or inspect.isfunction(value) or inspect.isbuiltin(value):
        module = getattr(value, "__module__", None) or ""
        qualname = str(getattr(value, "__qualname__", None) or getattr(value, "__name__", "?"))
        return clean_repr(f"{module}.{qualname}" if module else qualname)
    if isinstance(value, float):  # inf, nan
        return repr(value)
    return clean_repr(repr(value))


_SINCE = re.compile(r"deprecated since version (\S+?)\.?(?:\s|$)")
_REMOVED = re.compile(r"removed in version (\S+?)\.?(?:\s|$)")


def _deprecations(cls: type) -> tuple[tuple[DeprecatedArg, ...], Deprecation | None]:
    """Read MONAI's ``deprecated`` / ``deprecated_arg`` wrappers around ``__init__``.

    MONAI does not record deprecations as attributes: each decorator wraps ``__init__``
    in a closure (chained through ``__wrapped__``) that holds the argument name, its
    replacement, the message and whether it is already removed. Those closures are read
    here; ``since``/``removed`` are taken from the message, which always states them.
    """
    init = None
    for klass in cls.__mro__:
        if "__init__" in vars(klass):
            init = vars(klass)["__init__"]
            break
    args: list[DeprecatedArg] = []
    class_dep: Deprecation | None = None
    fn: Callable[..., Any] | None = init
    seen: set[int] = set()
    while fn is not None and id(fn) not in seen:
        seen.add(id(fn))
        code = getattr(fn, "__code__", None)
        if code is not None and code.co_filename.replace("\\", "/").endswith(
            "monai/utils/deprecate_utils.py"
        ):
            try:
                closure = inspect.getclosurevars(fn).nonlocals
            except (TypeError, ValueError):
                closure = {}
            msg = str(closure.get("msg", ""))
            dep = Deprecation(
                message=msg,
                since=_match(_SINCE, msg),
                removed=_match(_REMOVED, msg),
                raises=bool(closure.get("is_removed", False)),
            )
            if "name" in closure and "new_name" in closure:
                # one old name may appear twice, split into two new ones (VNet dropout_prob)
                new = closure["new_name"]
                args.append(DeprecatedArg(str(closure["name"]), str(new) if new else None, dep))
            elif "call_obj" in closure:
                class_dep = dep
        fn = getattr(fn, "__wrapped__", None)
    return tuple(sorted(args, key=lambda d: (d.name, d.new_name or ""))), class_dep


def _match(pattern: re.Pattern[str], text: str) -> str | None:
    m = pattern.search(text)
    return m.group(1) if m else None
