"""The schema stage's fast path: a generated validator says "valid" without pydantic.

Why: ``mmarc validate`` must start cold in under 0.3 s, and importing pydantic and
building a kind's models costs more than half of that, for files that are almost always
valid. The JSON Schemas in ``schemas/`` are generated from the models and adjusted to
accept no more than the models do; :mod:`.fastpath_build` turns each kind's draft-07
schema into a plain-Python validator (made stricter still: an integer is never a float)
in :mod:`mmarc.compiler.schemas.compiled`, which imports nothing but ``re``.

The fast path only ever answers "valid". When a validator accepts the data, the models
accept it too (``tests/compiler/test_fastpath_soundness.py`` checks that on every file
the suite knows), so there is nothing to report; when it rejects the data, or the data
holds anything but plain JSON values (a non-finite number, a key that is not a string),
the models check the file as before and word every problem. The compiled plan has no
fast path: its model has rules a JSON Schema cannot state, and validating it loads
pydantic anyway.
"""

from __future__ import annotations

import importlib
import math
from types import ModuleType
from typing import Any

from mmarc.compiler.kinds import FileKind

__all__ = ["COMPILED_PACKAGE", "FAST_KINDS", "fast_accepts", "is_plain_json", "settings_of"]

#: The package of the generated validators, one module per kind, named by the kind.
COMPILED_PACKAGE = "mmarc.compiler.schemas.compiled"

#: The kinds that have a generated validator.
FAST_KINDS: frozenset[FileKind] = frozenset(kind for kind in FileKind if kind is not FileKind.PLAN)


#: Integers beyond this size go to the models (a float field cannot hold 10**400).
_INT_LIMIT = 2**63 - 1


def _compiled(kind: FileKind) -> ModuleType:
    return importlib.import_module(f"{COMPILED_PACKAGE}.{kind.value}")


def fast_accepts(kind: FileKind, data: Any) -> bool:
    """Whether ``kind``'s generated validator accepts ``data`` (False: ask the models).

    Args:
        kind: the file kind ``data`` was read as.
        data: the file's content as plain values (:meth:`SourceFile.to_plain`).
    """
    if kind not in FAST_KINDS or not is_plain_json(data):
        return False
    module = _compiled(kind)
    try:
        module.validate(data)
    except Exception:  # its own refusal, or anything the generated code trips on: not valid
        return False
    return True


def settings_of(kind: FileKind) -> frozenset[str]:
    """The top-level keys ``kind``'s model defines (``$schema`` included), as written in
    files; the schema stage takes other top-level keys of a config for variables."""
    settings: frozenset[str] = _compiled(kind).SETTINGS
    return settings


def is_plain_json(data: Any) -> bool:
    """Whether ``data`` is made of JSON values only: objects with string keys, lists,
    strings, 64-bit integers, finite numbers, booleans and null. Nothing else reaches
    the fast path: pydantic refuses ``NaN`` and infinities where a JSON Schema's bounds let
    them by, and an integer too large for a float where a number is expected.
    """
    pending = [data]
    while pending:
        value = pending.pop()
        kind = type(value)
        if kind is dict:
            if not all(type(key) is str for key in value):
                return False
            pending.extend(value.values())
        elif kind is list:
            pending.extend(value)
        elif kind is float:
            if not math.isfinite(value):
                return False
        elif kind is int:
            if not -_INT_LIMIT <= value <= _INT_LIMIT:
                return False
        elif value is not None and kind not in (str, bool):
            return False
    return True
