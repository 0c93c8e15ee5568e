"""The schema stage's words: a pydantic error becomes a located S001-S004 diagnostic.

pydantic reports problems as (location, error type, input); a user needs the line and
column, the key in their own words and a fix. This module walks each error location
through the file's own data (skipping the union tags pydantic adds) to get the JSON
pointer, lets :meth:`SourceFile.diagnostic` place it, and words the message:

* S001 unknown key, at the key, with a did-you-mean or the list of allowed keys;
* S002 missing required key, at the mapping that lacks it;
* S003 wrong type, with the expected type in words;
* S004 invalid value: a choice not in the list, a number out of range, an empty name.

Only a file with problems gets here (:mod:`.check` imports it then), so it may import
pydantic's side of the schemas freely.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from mmarc.compiler.kinds import FileKind
from mmarc.compiler.schemas.common import (
    PLACEHOLDER_WORDS,
    TYPE_ERRORS,
    allowed_keys,
    expected_words,
    is_placeholder,
    is_tag,
)
from mmarc.compiler.source import PointerPart, SourceFile
from mmarc.compiler.suggest import closest
from mmarc.diagnostics import Diagnostic

__all__ = ["SUGGESTION_CUTOFF", "data_path", "diagnostic_of", "suggest_key"]

#: How close an unknown key must be to an allowed one for a did-you-mean.
SUGGESTION_CUTOFF = 0.6


# ---------------------------------------------------------------------------------------
# locating
# ---------------------------------------------------------------------------------------


def data_path(
    data: Any, loc: Sequence[str | int], *, missing: bool = False
) -> tuple[list[PointerPart], bool]:
    """The path in ``data`` a pydantic error location points to, and whether at a key.

    Location parts that cannot be followed in the data are union tags (``<list>``, or the
    member names pydantic adds) and are skipped, except the last part of a ``missing``
    error: that is the key that is not there.
    """
    parts: list[PointerPart] = []
    node = data
    at_key = False
    last = len(loc) - 1
    for i, part in enumerate(loc):
        if _holds(node, part):
            parts.append(part)
            node = node[part]
        elif part == "[key]":
            at_key = True
        elif missing and i == last and not is_tag(part):
            parts.append(part)
            node = None
    return parts, at_key


def _holds(node: Any, part: str | int) -> bool:
    if isinstance(node, dict):
        return isinstance(part, str) and part in node
    if isinstance(node, list):
        return isinstance(part, int) and 0 <= part < len(node)
    return False


def _label(parts: Sequence[PointerPart]) -> str:
    """How a message names the value at ``parts``: ``"epochs"``, ``"handlers"[2]``."""
    if not parts:
        return "the file"
    indices = ""
    for part in reversed(parts):
        if isinstance(part, int):
            indices = f"[{part}]{indices}"
        else:
            return f'"{part}"{indices}'
    return f"item {indices}"


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:37] + "..."


def _describe(value: Any) -> str:
    """A value's JSON type in words, with the value when it is short."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"a boolean ({_show(value)})"
    if isinstance(value, int):
        return f"an integer ({value})"
    if isinstance(value, float):
        return f"a number ({_show(value)})"
    if isinstance(value, str):
        return f"a string ({_show(value)})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


# ---------------------------------------------------------------------------------------
# wording
# ---------------------------------------------------------------------------------------


def diagnostic_of(source: SourceFile, data: Any, kind: FileKind, error: Any) -> Diagnostic:
    error_type: str = error["type"]
    ctx: dict[str, Any] = error.get("ctx") or {}
    value = error.get("input")
    parts, at_key = data_path(data, error["loc"], missing=error_type == "missing")
    label = _label(parts)

    if error_type in ("mmarc_unknown_key", "extra_forbidden"):
        key = str(parts[-1]) if parts else ""
        return source.diagnostic(
            "S001",
            f'unknown key "{key}"',
            parts,
            key=True,
            hint=suggest_key(key, ctx.get("allowed", [])),
        )
    if error_type == "missing":
        key = str(parts[-1]) if parts else ""
        return source.diagnostic(
            "S002", f'missing required key "{key}"', parts, hint=f'add "{key}"'
        )
    if error_type == "mmarc_missing":
        keys = " or ".join(f'"{k}"' for k in ctx.get("keys", []))
        return source.diagnostic(
            "S002", str(ctx.get("message", error["msg"])), parts, hint=f"add {keys}"
        )
    if ctx.get("variable"):
        return _bad_variable(source, parts, value, kind, ctx)
    choices = _choices(ctx) if error_type == "literal_error" else None
    if error_type in TYPE_ERRORS or (choices is not None and not _fits(value, choices)):
        expected = _one_of(choices) if choices is not None else expected_words(error)
        return source.diagnostic(
            "S003",
            f"{label} must be {expected}, not {_describe(value)}",
            parts,
            key=at_key,
            hint=_type_hint(value, expected),
        )
    message, hint = _invalid_value(label, error_type, value, ctx, choices, str(error["msg"]))
    return source.diagnostic("S004", message, parts, key=at_key, hint=hint)


def suggest_key(key: str, allowed: Sequence[str]) -> str:
    """A did-you-mean for an unknown key, or else the keys that are allowed there."""
    shown = sorted(k for k in allowed if k != "$schema")
    match = closest(key, shown, cutoff=SUGGESTION_CUTOFF)
    if match:
        return f'did you mean "{match}"?'
    if not shown:
        return 'this object takes no keys; keys starting with "_" are ignored'
    listed = ", ".join(f'"{k}"' for k in shown)
    return f'allowed keys here: {listed} (keys starting with "_" are ignored)'


_NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][-+]?\d+)?")
_NUMBERS = re.compile(r"(one of )?[-\d., ]+")


def _type_hint(value: Any, expected: str) -> str | None:
    if isinstance(value, str):
        text = value.strip()
        numeric = "integer" in expected or "number" in expected or _NUMBERS.fullmatch(expected)
        if _NUMBER.fullmatch(text) and numeric:
            return f"remove the quotes: {text}"
        if text in ("true", "false") and "true or false" in expected:
            return f"remove the quotes: {text}"
        if "{" in text and PLACEHOLDER_WORDS in expected and not is_placeholder(text):
            return 'a placeholder is a variable name in braces and nothing else, e.g. "{EPOCHS}"'
        if expected.startswith("a component"):
            return f'write the component as an object: {{"name": {_show(value)}}}'
    if isinstance(value, dict) and expected.startswith("a list"):
        return "wrap the object in a list: [ {...} ]"
    return None


def _bad_variable(
    source: SourceFile, parts: list[PointerPart], value: Any, kind: FileKind, ctx: dict[str, Any]
) -> Diagnostic:
    from mmarc.compiler.schemas.mmar import TrainSection, ValidateSection

    key = str(parts[-1]) if parts else ""
    slots = allowed_keys(TrainSection) | allowed_keys(ValidateSection)
    if kind is FileKind.TRAIN and key in slots:
        hint = 'components go inside the "train" or "validate" section'
    else:
        hint = "move it into the section it belongs to, or remove it"
    return source.diagnostic(
        "S003",
        f'"{key}" is not a setting of this file, so it defines a variable, which must be '
        f"{ctx.get('expected', 'a simple value')}; it is {_describe(value)} with nested objects",
        parts,
        key=True,
        hint=hint,
    )


# -- choices ------------------------------------------------------------------------------

_CHOICE = re.compile(r"'((?:[^'\\]|\\.)*)'|(-?\d+(?:\.\d+)?)")


def _choices(ctx: dict[str, Any]) -> list[Any]:
    """The values of a Literal from pydantic's ``expected`` text (``'a', 'b' or 'c'``)."""
    found: list[Any] = []
    for text, number in _CHOICE.findall(str(ctx.get("expected", ""))):
        if number:
            found.append(float(number) if "." in number else int(number))
        else:
            found.append(text)
    return found


def _fits(value: Any, choices: list[Any]) -> bool:
    """Whether ``value`` has the JSON type of the choices (then it is a wrong value)."""
    if isinstance(value, bool):
        return False
    return any(isinstance(value, str) == isinstance(c, str) for c in choices)


def _one_of(choices: list[Any]) -> str:
    shown = [_show(c) for c in choices]
    return shown[0] if len(shown) == 1 else "one of " + ", ".join(shown)


def _invalid_value(
    label: str,
    error_type: str,
    value: Any,
    ctx: dict[str, Any],
    choices: list[Any] | None,
    fallback: str,
) -> tuple[str, str | None]:
    if choices is not None:
        hint = None
        if isinstance(value, str):
            names = [c for c in choices if isinstance(c, str)]
            match = closest(value, names, cutoff=SUGGESTION_CUTOFF)
            hint = f"did you mean {_show(match)}?" if match else None
        return f"{label} must be {_one_of(choices)}, not {_show(value)}", hint
    bounds = {
        "greater_than_equal": ("at least", "ge"),
        "greater_than": ("greater than", "gt"),
        "less_than_equal": ("at most", "le"),
        "less_than": ("less than", "lt"),
    }
    if error_type in bounds:
        words, name = bounds[error_type]
        limit = ctx.get(name)
        if isinstance(limit, float) and limit.is_integer():
            limit = int(limit)
        return f"{label} must be {words} {limit}, not {_show(value)}", None
    if error_type in ("too_short", "too_long"):
        if isinstance(value, str):
            return f"{label} must not be empty", None
        size = ctx.get("min_length") if error_type == "too_short" else ctx.get("max_length")
        words = "at least" if error_type == "too_short" else "at most"
        plural = "" if size == 1 else "s"
        return f"{label} must have {words} {size} item{plural}", None
    if error_type == "string_pattern_mismatch":
        return f"{label} must match the pattern {ctx.get('pattern')}", None
    reason = ctx.get("error", fallback)
    return f"{label}: {reason}", None
