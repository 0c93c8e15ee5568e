"""Generating the fast path's validators from the JSON Schemas (build and test time only).

``mmarc schema --out schemas --validators mmarc/compiler/schemas/compiled`` writes them
together with the JSON Schema files they are made from, and
``tests/compiler/test_schema_files_fresh.py`` fails when the committed ones are stale.
fastjsonschema (in the ``test`` extra, pinned: its output must not change under us) writes
the code from each kind's draft-07 schema; :mod:`.fastpath` runs it. Four edits make that
code something mmarc can ship and trust:

* annotations (titles, descriptions, defaults) are left out of the schema, and defaults
  are not applied: the validator never changes the data, and the module stays small
  (``const: x`` is written ``enum: [x]``, the same rule, which fastjsonschema can word
  without its detailed exceptions);
* "integer" is a Python int, never a float without a fraction: pydantic's strict integers
  refuse ``2.0``, which JSON Schema draft-06 and later accept;
* the module's import of fastjsonschema becomes a local exception class, and ``Decimal``
  leaves its number checks (only plain JSON values reach them): nothing but ``re`` is
  imported at run time;
* ``SETTINGS``, the top-level keys the schema names, is appended (the schema stage tells
  a misspelt setting from a variable with it).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from mmarc.compiler.kinds import FileKind
from mmarc.compiler.schemas.export import json_schema, schema_file_name
from mmarc.compiler.schemas.fastpath import FAST_KINDS

__all__ = ["FASTJSONSCHEMA_VERSION", "validator_source", "write_validators"]

#: The fastjsonschema release the committed validators were generated with.
FASTJSONSCHEMA_VERSION = "2.22.3"

#: Schema keywords that only annotate: no validator reads them.
_ANNOTATIONS = frozenset({"title", "description", "default", "examples", "$comment"})
#: Keywords whose value maps names (property names, definition names) to schemas.
_SCHEMA_MAPS = frozenset({"properties", "patternProperties", "definitions", "$defs"})

_IMPORT = "from fastjsonschema import JsonSchemaValueException, JsonSchemaValuesException"
_LOCAL_EXCEPTION = '''
class JsonSchemaValueException(ValueError):
    """The data does not follow the schema (the fast path then asks the models)."""


JsonSchemaValuesException = JsonSchemaValueException
'''
#: Decimal is never in the data (only plain JSON reaches the validators): not imported.
_DECIMAL_IMPORT = "from decimal import Decimal\n"
#: What fastjsonschema adds to an integer check so that ``2.0`` passes it.
_FLOAT_AS_INTEGER = re.compile(
    r" and not \(isinstance\((?P<v>[\w]+), float\) and (?P=v)\.is_integer\(\)\)"
)


def write_validators(out_dir: Path) -> list[Path]:
    """Write ``<kind>.py``, the generated validator of every fast-path kind, into ``out_dir``.

    Args:
        out_dir: the package folder (``mmarc/compiler/schemas/compiled``); made if missing.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for kind in sorted(FAST_KINDS, key=list(FileKind).index):
        path = out_dir / f"{kind.value}.py"
        path.write_text(validator_source(kind), encoding="utf-8", newline="\n")
        written.append(path)
    return written


def validator_source(kind: FileKind) -> str:
    """The source of ``kind``'s generated validator module."""
    import fastjsonschema

    if fastjsonschema.VERSION != FASTJSONSCHEMA_VERSION:
        raise RuntimeError(
            f"the validators are generated with fastjsonschema {FASTJSONSCHEMA_VERSION}, "
            f"not {fastjsonschema.VERSION}: pip install 'fastjsonschema=={FASTJSONSCHEMA_VERSION}'"
        )
    schema = json_schema(kind, "draft-07")
    settings = sorted(schema.get("properties", {}))
    lean = _lean(schema)
    lean.pop("$id", None)
    code = fastjsonschema.compile_to_code(
        lean, use_default=False, use_formats=False, detailed_exceptions=False
    )
    return _header(kind) + _edited(code) + f"\n\nSETTINGS = frozenset({settings!r})\n"


def _lean(node: Any) -> Any:
    """``node`` without annotations, ``const`` as a one-value ``enum``."""
    if isinstance(node, list):
        return [_lean(item) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _ANNOTATIONS:
            continue
        if key in _SCHEMA_MAPS and isinstance(value, dict):
            out[key] = {name: _lean(schema) for name, schema in value.items()}
        elif key in ("enum", "const"):
            choices = value if key == "enum" else [value]
            _check_choices(choices, node)
            out["enum"] = choices
        elif key == "required":
            out[key] = value
        else:
            out[key] = _lean(value)
    return out


def _check_choices(choices: list[Any], node: dict[str, Any]) -> None:
    """Numbers among choices need ``type: integer`` beside them: ``True == 1`` and
    ``1.0 == 1`` in Python, so the choice check alone would let a flag or a float by."""
    if any(not isinstance(c, str) for c in choices) and node.get("type") != "integer":
        raise RuntimeError(f"a choice of non-strings without type integer: {choices!r}")


def _edited(code: str) -> str:
    if code.count(_IMPORT) != 1:
        raise RuntimeError("fastjsonschema's output changed: no single import to replace")
    code = code.replace(_IMPORT, _LOCAL_EXCEPTION.strip("\n"))
    code = _FLOAT_AS_INTEGER.sub("", code)
    code = code.replace(_DECIMAL_IMPORT, "").replace(", Decimal", "")
    if "is_integer" in code or "fastjsonschema" in code or "Decimal" in code:
        raise RuntimeError("fastjsonschema's output changed: an edit did not apply")
    return code


def _header(kind: FileKind) -> str:
    return (
        f"# Generated from schemas/{schema_file_name(kind, 'draft-07')} by\n"
        "# `mmarc schema --out schemas --validators mmarc/compiler/schemas/compiled`\n"
        f"# with fastjsonschema {FASTJSONSCHEMA_VERSION}'s compile_to_code, then edited by\n"
        "# mmarc/compiler/schemas/fastpath_build.py (no annotations, no defaults, strict\n"
        "# integers, a local exception class). Do not edit: regenerate.\n"
        "# mypy: ignore-errors\n"
    )
