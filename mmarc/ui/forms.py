"""Parameter forms generated from mmarc's JSON schemas, and diagnostics put beside fields.

Why: people should edit numbers in a form, not JSON, and the form must not drift from
what the compiler accepts. Each field is one scalar property of a schema (its type,
bounds and description come from the schema the editor tooling also uses), bound to a
JSON pointer inside a config file. Posted values are written back at those pointers,
the compiler checks the result, and each located diagnostic whose pointer falls on a
field is shown at that field; the rest are shown as code frames above the form.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from mmarc.diagnostics import Diagnostic
from mmarc.plan.pointer import PointerError, join, resolve, split, to_pointer

__all__ = [
    "FormField",
    "apply_fields",
    "attach_diagnostics",
    "fields_from_schema",
    "parse_value",
    "set_pointer",
    "unset_pointer",
]

_SCALARS = ("integer", "number", "string", "boolean")


@dataclass(frozen=True)
class FormField:
    """One input: its form name, the JSON pointer it edits, its type and current value."""

    name: str
    label: str
    pointer: str
    kind: str
    value: Any
    description: str = ""
    minimum: float | None = None
    maximum: float | None = None
    error: str = ""

    @property
    def shown(self) -> str:
        """The value as the input shows it."""
        if self.value is None:
            return ""
        if isinstance(self.value, bool):
            return "true" if self.value else "false"
        return str(self.value)


def _resolve(schema: Mapping[str, Any], node: Mapping[str, Any]) -> Mapping[str, Any]:
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        return schema.get("$defs", {}).get(ref.split("/")[-1], {})
    return node


def _scalar(schema: Mapping[str, Any], node: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The scalar branch of a property (``anyOf`` minus placeholders and null), if any."""
    node = _resolve(schema, node)
    if node.get("type") in _SCALARS:
        return node
    for option in node.get("anyOf") or ():
        if option.get("$ref", "").endswith("/Placeholder"):
            continue
        found = _scalar(schema, option)
        if found is not None:
            return found
    return None


def set_pointer(document: Any, pointer: str, value: Any) -> None:
    """Set ``pointer`` in ``document``, creating objects along the way."""
    tokens = split(pointer)
    node = document
    for token in tokens[:-1]:
        node = node[int(token)] if isinstance(node, list) else node.setdefault(token, {})
    if isinstance(node, list):
        node[int(tokens[-1])] = value
    else:
        node[tokens[-1]] = value


def unset_pointer(document: Any, pointer: str) -> None:
    """Remove the object key ``pointer`` names from ``document``, if it is there."""
    tokens = split(pointer)
    try:
        parent = resolve(document, to_pointer(tokens[:-1]))
    except PointerError:
        return
    if isinstance(parent, dict):
        parent.pop(tokens[-1], None)


def fields_from_schema(
    schema: Mapping[str, Any],
    node: Mapping[str, Any],
    document: Any,
    base: str,
    *,
    pointers: Mapping[str, str] | None = None,
    skip_prefix: str = "Earlier form",
) -> list[FormField]:
    """One field per scalar property of ``node`` (a schema object inside ``schema``).

    Args:
        schema: the whole schema (for ``$defs``).
        node: the object schema whose properties become fields.
        document: the config file's content (current values).
        base: the pointer of ``node``'s object in the file (``/servers/0``).
        pointers: property -> pointer where the property lives elsewhere in the file.
        skip_prefix: properties whose description starts so are left out (legacy forms).
    """
    node = _resolve(schema, node)
    fields = []
    for name, prop in (node.get("properties") or {}).items():
        if name.startswith("$"):
            continue
        scalar = _scalar(schema, prop)
        description = str(_resolve(schema, prop).get("description") or "")
        if scalar is None or description.startswith(skip_prefix):
            continue
        pointer = (pointers or {}).get(name, join(base, name))
        try:
            value = resolve(document, pointer)
        except PointerError:
            value = None
        if value is None:
            value = _resolve(schema, prop).get("default")
        fields.append(
            FormField(
                name=name,
                label=name.replace("_", " "),
                pointer=pointer,
                kind=str(scalar["type"]),
                value=value,
                description=description,
                minimum=scalar.get("minimum", scalar.get("exclusiveMinimum")),
                maximum=scalar.get("maximum", scalar.get("exclusiveMaximum")),
            )
        )
    return fields


def parse_value(kind: str, text: str | None) -> Any:
    """A posted value as JSON: numbers where they parse, ``{VAR}`` and other text kept as
    text (the compiler then says what is wrong, at the field)."""
    if kind == "boolean":
        return text in ("true", "on", "1")
    raw = (text or "").strip()
    if kind == "integer" and raw.lstrip("-").isdigit() and len(raw) < 19:
        return int(raw)
    if kind in ("integer", "number"):
        try:
            number = float(raw)
        except ValueError:
            return raw
        if math.isfinite(number):
            return int(number) if kind == "integer" and number.is_integer() else number
        return raw
    return raw


def apply_fields(
    path: Path, fields: Iterable[FormField], posted: Mapping[str, str | None]
) -> list[FormField]:
    """Write the posted values of ``fields`` into the JSON file at ``path`` (a field that
    was not posted keeps its value); the fields with their new values."""
    document = json.loads(path.read_text(encoding="utf-8"))
    updated = []
    for f in fields:
        if f.name not in posted:
            updated.append(f)
            continue
        value = parse_value(f.kind, posted.get(f.name))
        if value == "" and f.kind in ("integer", "number"):
            unset_pointer(document, f.pointer)  # a blank number: the setting's default
            value = None
        else:
            set_pointer(document, f.pointer, value)
        updated.append(replace(f, value=value))
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return updated


def attach_diagnostics(
    fields: list[FormField], diagnostics: Iterable[Diagnostic], file_name: str
) -> tuple[list[FormField], list[Diagnostic]]:
    """Each diagnostic of ``file_name`` at (or under) a field's pointer, put on that field;
    the diagnostics that concern no field."""
    rest: list[Diagnostic] = []
    by_pointer = {f.pointer: i for i, f in enumerate(fields)}
    out = list(fields)
    for d in diagnostics:
        index = None
        if d.pointer is not None and Path(d.file).name == file_name:
            for pointer, i in by_pointer.items():
                if d.pointer == pointer or d.pointer.startswith(pointer + "/"):
                    index = i
        if index is None:
            rest.append(d)
            continue
        message = f"{d.code}: {d.message}" + (f" (hint: {d.hint})" if d.hint else "")
        current = out[index].error
        out[index] = replace(out[index], error=f"{current}; {message}" if current else message)
    return out, rest
