"""JSON Schema files generated from the models, for editors and other tools.

The models are the single source of truth; the files in ``schemas/`` are generated from
them (``mmarc schema --out schemas``) and checked in, and a test fails when they are
stale. Two dialects are written: JSON Schema 2020-12 (what pydantic emits), and draft-07
for yaml-language-server and older editors, which do not understand ``$defs``.

pydantic's output is adjusted so that it validates what the models validate:

* ``_``-prefixed keys are allowed in every object (``patternProperties``);
* the either-or types, which the models pick by the value's shape, become ``anyOf``
  (``oneOf`` would reject an integer where "integer or number" is allowed);
* the inline ``"{VAR}"`` placeholder schema becomes one ``$defs/Placeholder``;
* descriptions, taken from docstrings, lose their reST markup.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any, Literal

from mmarc.compiler.kinds import FileKind
from mmarc.compiler.schemas.common import PLACEHOLDER_JSON_SCHEMA
from mmarc.compiler.schemas.registry import model_for

Draft = Literal["2020-12", "draft-07"]
DRAFTS: tuple[Draft, ...] = ("2020-12", "draft-07")

SCHEMA_BASE_URL = "https://mmarc.dev/schemas/"
_META_SCHEMAS: dict[str, str] = {
    "2020-12": "https://json-schema.org/draft/2020-12/schema",
    "draft-07": "http://json-schema.org/draft-07/schema#",
}
_COMMENT_KEYS = {"^_": {"description": "Keys starting with _ are comments; Clara ignores them."}}
_PLACEHOLDER_REF = "#/$defs/Placeholder"
#: reST literals in docstrings (``name``) read as plain quotes in an editor's tooltip.
_LITERAL = re.compile(r"``([^`]+)``")


def schema_file_name(kind: FileKind, draft: Draft = "2020-12") -> str:
    """``config_train.schema.json`` or ``config_train.draft-07.schema.json``."""
    infix = "" if draft == "2020-12" else ".draft-07"
    return f"{kind.value}{infix}.schema.json"


def json_schema(kind: FileKind, draft: Draft = "2020-12") -> dict[str, Any]:
    """The JSON Schema of ``kind`` in the given dialect, with ``$id``, title and description."""
    if draft not in _META_SCHEMAS:
        raise ValueError(f"unknown JSON Schema draft {draft!r}; use '2020-12' or 'draft-07'")
    model = model_for(kind)
    generated = model.model_json_schema(mode="validation")
    defs: dict[str, Any] = generated.pop("$defs", {})
    body = _adjust(generated)
    defs = {name: _adjust(schema) for name, schema in defs.items()}
    if _PLACEHOLDER_REF in json.dumps([body, defs]):
        defs["Placeholder"] = copy.deepcopy(PLACEHOLDER_JSON_SCHEMA)
    schema: dict[str, Any] = {
        "$schema": _META_SCHEMAS["2020-12"],
        "$id": SCHEMA_BASE_URL + schema_file_name(kind, draft),
        **body,
        "title": kind.label,
        "description": body.get("description") or kind.label,
    }
    if defs:
        schema["$defs"] = defs
    if draft == "draft-07":
        schema = to_draft07(schema)
    return schema


def write_schemas(out_dir: Path) -> list[Path]:
    """Write both dialects of every kind's schema into ``out_dir``; return the paths.

    Formatting is fixed (sorted keys, two-space indent, ``\\n`` line ends, final newline)
    so that the files are byte-identical from run to run and diff cleanly.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for kind in FileKind:
        for draft in DRAFTS:
            path = out_dir / schema_file_name(kind, draft)
            text = render(json_schema(kind, draft))
            path.write_text(text, encoding="utf-8", newline="\n")
            written.append(path)
    return written


def render(schema: dict[str, Any]) -> str:
    """The stable text form of a schema, as written to disk."""
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


# ---------------------------------------------------------------------------------------
# adjusting pydantic's output
# ---------------------------------------------------------------------------------------


def _adjust(node: Any) -> Any:
    if isinstance(node, list):
        return [_adjust(item) for item in node]
    if not isinstance(node, dict):
        return node
    if node == PLACEHOLDER_JSON_SCHEMA:
        return {"$ref": _PLACEHOLDER_REF}
    out = {key: _adjust(value) for key, value in node.items()}
    if isinstance(out.get("description"), str):
        out["description"] = _LITERAL.sub(r'"\1"', out["description"])
    if "oneOf" in out:
        out["anyOf"] = out.pop("oneOf")
        out.pop("discriminator", None)
    if "anyOf" in out:
        out["anyOf"] = _flatten_any_of(out["anyOf"])
    extra = out.get("additionalProperties")
    if out.get("type") == "object" and extra is not None and extra is not True:
        out["patternProperties"] = copy.deepcopy(_COMMENT_KEYS)
    return out


def _flatten_any_of(options: list[Any]) -> list[Any]:
    """``anyOf: [{anyOf: [a, b]}, c]`` -> ``anyOf: [a, b, c]`` (pydantic nests them)."""
    flat: list[Any] = []
    for option in options:
        if isinstance(option, dict) and set(option) == {"anyOf"}:
            flat.extend(_flatten_any_of(option["anyOf"]))
        elif option not in flat:
            flat.append(option)
    return flat


# ---------------------------------------------------------------------------------------
# draft-07
# ---------------------------------------------------------------------------------------

_DROPPED_IN_DRAFT07 = frozenset(
    {
        "unevaluatedProperties",
        "unevaluatedItems",
        "$dynamicRef",
        "$dynamicAnchor",
        "$anchor",
        "minContains",
        "maxContains",
        "contentSchema",
        "$vocabulary",
    }
)


def to_draft07(schema: dict[str, Any]) -> dict[str, Any]:
    """Translate a 2020-12 schema as generated here into draft-07.

    ``$defs`` become ``definitions`` and references follow; ``prefixItems`` become the
    array form of ``items``; a ``$ref`` with sibling keywords is wrapped in ``allOf``
    (draft-07 ignores a ``$ref``'s siblings); keywords draft-07 lacks are dropped.
    """
    converted: dict[str, Any] = _to_draft07(schema)
    converted["$schema"] = _META_SCHEMAS["draft-07"]
    return converted


def _to_draft07(node: Any) -> Any:
    if isinstance(node, list):
        return [_to_draft07(item) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _DROPPED_IN_DRAFT07:
            continue
        if key == "$defs":
            out["definitions"] = {name: _to_draft07(s) for name, s in value.items()}
        elif key == "$ref" and isinstance(value, str):
            out["$ref"] = value.replace("#/$defs/", "#/definitions/")
        elif key == "prefixItems":
            out["items"] = _to_draft07(value)
            if "items" in node:
                out["additionalItems"] = _to_draft07(node["items"])
        elif key == "items" and "prefixItems" in node:
            continue
        elif key in ("dependentRequired", "dependentSchemas"):
            out.setdefault("dependencies", {}).update(_to_draft07(value))
        else:
            out[key] = _to_draft07(value)
    if "$ref" in out and len(out) > 1 and "definitions" not in out:
        ref = out.pop("$ref")
        out["allOf"] = [{"$ref": ref}, *out.get("allOf", [])]
    return out
