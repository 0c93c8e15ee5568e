"""The component catalog: which MONAI/torch/ignite classes exist and what they accept.

Reading it (:func:`load_catalog`) never imports torch or MONAI; building it
(:func:`build_catalog`, :func:`build_and_write`) does, so those two are imported from
:mod:`mmarc.catalog.build` only when first used. :mod:`mmarc.catalog.renames` lists what
MONAI renamed or removed since the releases Clara Train 4.x shipped with.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mmarc.catalog.model import (
    CATEGORIES,
    DEFAULT_CATALOG_PATH,
    MODULE_PRECEDENCE,
    SLOT_CATEGORIES,
    Catalog,
    ComponentEntry,
    DeprecatedArg,
    Deprecation,
    Param,
    ParamKind,
    Resolution,
    SkippedSource,
    load_catalog,
    write_catalog,
)

if TYPE_CHECKING:
    from mmarc.catalog.build import build_and_write, build_catalog

__all__ = [
    "CATEGORIES",
    "DEFAULT_CATALOG_PATH",
    "MODULE_PRECEDENCE",
    "SLOT_CATEGORIES",
    "Catalog",
    "ComponentEntry",
    "DeprecatedArg",
    "Deprecation",
    "Param",
    "ParamKind",
    "Resolution",
    "SkippedSource",
    "build_and_write",
    "build_catalog",
    "load_catalog",
    "write_catalog",
]


def __getattr__(name: str) -> Any:
    # the builder is imported lazily: it pulls in `inspect`, and (when run) torch and MONAI
    if name in ("build_catalog", "build_and_write"):
        from mmarc.catalog import build

        return getattr(build, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
