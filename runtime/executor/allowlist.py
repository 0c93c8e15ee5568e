"""Which classes a plan may build, and importing them (catalog classes and MMAR ``custom/``).

A plan names classes by dotted path and the executor instantiates them, so the path is
the one place an attacker-controlled plan could reach arbitrary code (``torch.load``,
``torch.hub.load``...). Two kinds of class are allowed:

* a class whose path is in the shipped component catalog (``mmarc.catalog``), which lists
  the MONAI/torch/ignite classes mmarc knows how to check. If the catalog cannot be
  loaded (not installed in this environment, wrong format) the documented fallback is:
  the path starts with ``monai.``, ``torch.`` or ``ignite.``, no part of it starts with
  ``_``, it is outside :data:`FALLBACK_DENIED` (modules that download, spawn processes,
  load code or pickles), and it resolves to a class (never a function);
* a class from the MMAR's own ``custom/`` folder, only when the plan marks the component
  ``"custom": true``. Its file must hash to what the plan recorded (``plan["custom"]``),
  so a client runs exactly the code the server compiled against.

A catalogued class may still run arbitrary code through an argument that MONAI resolves
*by name* (``LoadImaged(reader="os.system")`` is ``pydoc.locate``d and called), so
:func:`check_by_name_args` holds every such argument of the plan to the names the catalog
records for it (:mod:`mmarc.policy.by_name`, the check ``mmarc validate`` runs too). When no
catalog can be loaded, the same table (:data:`mmarc.catalog.by_name.BY_NAME`) is applied
with its names computed from the installed MONAI.

Custom modules are imported under a private package name per ``custom/`` folder (with the
folder temporarily on ``sys.path`` so they can import their siblings), so two MMARs with a
``custom/net.py`` each, or a custom module named like an installed one, never collide.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import sys
import types
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from mmarc.runtime.executor.errors import ExecutorError

from mmarc.catalog.by_name import BY_NAME, allowed_names
from mmarc.catalog.entries import ByNameArg, ComponentEntry
from mmarc.plan import Plan
from mmarc.plan.hashing import file_sha256
from mmarc.plan.pointer import join
from mmarc.policy import check_by_name

FALLBACK_PREFIXES: tuple[str, ...] = ("monai.", "torch.", "ignite.")
FALLBACK_DENIED: tuple[str, ...] = (
    "torch.hub",
    "torch.utils.cpp_extension",
    "torch.distributed",
    "torch.multiprocessing",
    "torch.jit",
    "torch.package",
    "torch.onnx",
    "torch.compiler",
    "torch.utils.tensorboard",
    "monai.bundle",
    "monai.apps",
)


@lru_cache(maxsize=1)
def _catalog() -> Any:
    """The shipped catalog, or None when it cannot be loaded (then the fallback applies)."""
    try:
        from mmarc.catalog import load_catalog

        return load_catalog()
    except (ImportError, OSError, ValueError, KeyError):
        return None


def _fallback_allowed(path: str) -> bool:
    if not path.startswith(FALLBACK_PREFIXES):
        return False
    if any(part.startswith("_") or not part.isidentifier() for part in path.split(".")):
        return False
    return not any(path == d or path.startswith(d + ".") for d in FALLBACK_DENIED)


def is_allowed(path: str) -> bool:
    """Whether the non-custom class at dotted ``path`` may be built.

    True when the shipped catalog lists ``path``; when no catalog can be loaded, the
    module-prefix fallback described in this module's docstring decides (the fallback
    also requires the object to be a class, checked by :func:`import_class`).
    """
    catalog = _catalog()
    if catalog is None:
        return _fallback_allowed(path)
    by_path = getattr(catalog, "by_path", None)
    if by_path is not None:
        return by_path(path) is not None
    return path in catalog


def catalog_entry(path: str) -> ComponentEntry | None:
    """The catalog entry of the class at ``path``; without a catalog, one holding only the
    class's by-name arguments (from :data:`mmarc.catalog.by_name.BY_NAME`)."""
    catalog = _catalog()
    if catalog is not None:
        entry: ComponentEntry | None = catalog.by_path(path)
        return entry
    specs = [spec for spec in BY_NAME if spec.path == path]
    if not specs:
        return None
    by_name = tuple(
        ByNameArg(spec.arg, "locate", allowed_names(spec.names), spec.source) for spec in specs
    )
    return ComponentEntry(names=(path.rsplit(".", 1)[-1],), path=path, category="", by_name=by_name)


def check_by_name_args(path: str, args: Any, pointer: str) -> None:
    """Refuse a by-name argument of the class at ``path`` outside its allow-list.

    ``args`` is the component's ``args`` as written in the plan (before resolution): a
    by-name argument must be a literal allowed name, a nested component or null.
    """
    entry = catalog_entry(path)
    if entry is None or not entry.by_name or not isinstance(args, Mapping):
        return
    for key, value in args.items():
        refusal = check_by_name(entry, str(key), value)
        if refusal is not None:
            where = f"{pointer}/args/{str(key).replace('~', '~0').replace('/', '~1')}"
            if refusal.index is not None:
                where = f"{where}/{refusal.index}"
            raise ExecutorError(
                f"{refusal.message}, so the executor refuses to build it ({refusal.hint})", where
            )


def uses_fallback() -> bool:
    """True when no catalog could be loaded and the module-prefix fallback is in force."""
    return _catalog() is None


def import_class(path: str, pointer: str) -> type:
    """Import the allowed catalog class at ``path``; ExecutorError naming ``pointer`` if not."""
    if not isinstance(path, str) or not path:
        raise ExecutorError("component has no 'path'", pointer)
    if not is_allowed(path):
        raise ExecutorError(
            f"class {path!r} is not in the component catalog, so the executor refuses to "
            "build it (only catalogued MONAI/torch/ignite classes and the MMAR's own custom/ "
            'classes marked "custom": true may be built)',
            pointer,
        )
    obj = _import_dotted(path, pointer)
    if not isinstance(obj, type):
        raise ExecutorError(f"{path!r} is not a class, so it cannot be a component", pointer)
    return obj


def _import_dotted(path: str, pointer: str) -> Any:
    parts = path.split(".")
    error: Exception | None = None
    for cut in range(len(parts) - 1, 0, -1):
        module_name = ".".join(parts[:cut])
        try:
            obj: Any = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            error = exc
            continue
        except Exception as exc:  # a module that fails while importing
            raise ExecutorError(f"importing {module_name!r} failed: {exc}", pointer) from exc
        try:
            for attr in parts[cut:]:
                obj = getattr(obj, attr)
        except AttributeError:
            break
        return obj
    detail = f": {error}" if error else ""
    raise ExecutorError(f"cannot import {path!r}{detail}", pointer)


def verify_custom_files(plan: Plan, mmar_root: Path) -> None:
    """Check every file the plan's ``custom`` map lists against its recorded SHA-256."""
    for rel, digest in plan.custom.items():
        pointer = join("/custom", rel)
        file = _inside(mmar_root, rel, pointer)
        if not file.is_file():
            raise ExecutorError(f"the plan was compiled with {rel}, which is missing here", pointer)
        actual = file_sha256(file)
        if actual != digest:
            raise ExecutorError(
                f"{rel} differs from the file the plan was compiled with (sha256 {actual[:12]}… "
                f"here, {str(digest)[:12]}… in the plan); recompile the plan or restore the file",
                pointer,
            )


def _inside(root: Path, rel: str, pointer: str) -> Path:
    file = (root / rel).resolve()
    if not file.is_relative_to(root.resolve()):
        raise ExecutorError(f"{rel!r} points outside the MMAR", pointer)
    return file


def import_custom_class(
    path: str, mmar_root: Path, pointer: str, recorded: Mapping[str, str] | None
) -> type:
    """Import ``module.Class`` from ``<mmar_root>/custom/`` (see the module docstring).

    ``recorded`` is the plan's ``custom`` map; when it is given, the module's file must be
    listed in it (its hash is checked by :func:`verify_custom_files`).
    """
    if "." not in path:
        raise ExecutorError(f"custom path {path!r} must be 'module.Class'", pointer)
    module_name, class_name = path.rsplit(".", 1)
    custom_dir = (mmar_root / "custom").resolve()
    parts = module_name.split(".")
    if not all(p.isidentifier() and not p.startswith("__") for p in parts):
        raise ExecutorError(f"custom module name {module_name!r} is not valid", pointer)
    candidates = [
        custom_dir.joinpath(*parts).with_suffix(".py"),
        custom_dir.joinpath(*parts, "__init__.py"),
    ]
    file = next((c for c in candidates if c.is_file()), None)
    if file is None:
        raise ExecutorError(
            f"custom class {path!r}: no {'/'.join(parts)}.py in {custom_dir}", pointer
        )
    if recorded is not None:
        rel = file.relative_to(mmar_root.resolve()).as_posix()
        if rel not in recorded:
            raise ExecutorError(
                f"custom file {rel} is not listed in the plan's 'custom' hashes, so it cannot "
                "be trusted; recompile the plan",
                pointer,
            )
    package = _custom_package(custom_dir)
    sys.path.insert(0, str(custom_dir))
    try:
        module = importlib.import_module(f"{package}.{module_name}")
    except Exception as exc:
        raise ExecutorError(
            f"importing custom module {module_name!r} failed: {exc}", pointer
        ) from exc
    finally:
        with contextlib.suppress(ValueError):
            sys.path.remove(str(custom_dir))
    cls = getattr(module, class_name, None)
    if not isinstance(cls, type):
        raise ExecutorError(f"custom/{'/'.join(parts)}.py defines no class {class_name!r}", pointer)
    return cls


def _custom_package(custom_dir: Path) -> str:
    """A private package whose ``__path__`` is ``custom_dir`` (created once per folder)."""
    name = "_mmarc_custom_" + hashlib.sha256(str(custom_dir).encode()).hexdigest()[:16]
    if name not in sys.modules:
        package = types.ModuleType(name)
        package.__path__ = [str(custom_dir)]
        package.__package__ = name
        sys.modules[name] = package
    return name
