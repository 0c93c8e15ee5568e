"""Typed schemas of every file kind mmarc reads, and the JSON Schema files made from them.

The API other stages use:

* :data:`SCHEMA_MODELS` - the pydantic model of each :class:`FileKind`;
* :func:`check_schema` - the schema stage: S001-S004 diagnostics for a loaded file;
* :func:`json_schema` / :func:`write_schemas` - JSON Schema (2020-12 or draft-07).

Importing this package is cheap on purpose: pydantic and the models load on first use
(``check_schema``, ``json_schema``, or reading ``SCHEMA_MODELS``), and only the models of
the kinds used, because ``mmarc validate`` must start fast and pydantic alone takes most
of that budget. Values typed ``Var[...]`` accept a ``"{VAR}"`` placeholder; see
:mod:`mmarc.compiler.schemas.common`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from mmarc.compiler.kinds import FileKind

if TYPE_CHECKING:
    from pydantic import BaseModel

    from mmarc.compiler.source import SourceFile
    from mmarc.diagnostics import Diagnostic

    #: The pydantic model that checks each file kind (loaded on first access).
    SCHEMA_MODELS: dict[FileKind, type[BaseModel]]

__all__ = ["SCHEMA_MODELS", "check_schema", "json_schema", "write_schemas"]


def check_schema(source: SourceFile, kind: FileKind) -> list[Diagnostic]:
    """Validate ``source`` against the schema of ``kind``; every problem as a located diagnostic.

    Unknown keys give S001 (at the key, with a did-you-mean), missing required keys S002
    (at the mapping), wrong types S003 (expected type in words), invalid values S004.
    """
    from mmarc.compiler.schemas.check import check_schema as check

    return check(source, kind)


def json_schema(
    kind: FileKind, draft: Literal["2020-12", "draft-07"] = "2020-12"
) -> dict[str, Any]:
    """The JSON Schema of ``kind``: ``$id``, title and field descriptions included."""
    from mmarc.compiler.schemas.export import json_schema as generate

    return generate(kind, draft)


def write_schemas(out_dir: Path) -> list[Path]:
    """Write ``<kind>.schema.json`` and ``<kind>.draft-07.schema.json`` for every kind."""
    from mmarc.compiler.schemas.export import write_schemas as write

    return write(out_dir)


def __getattr__(name: str) -> Any:
    if name == "SCHEMA_MODELS":
        from mmarc.compiler.schemas.registry import all_models

        models = all_models()
        globals()["SCHEMA_MODELS"] = models
        return models
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
