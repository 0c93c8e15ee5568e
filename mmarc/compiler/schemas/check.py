"""The schema stage: validate a loaded file against its kind's schema, report S001-S004.

A file first meets its kind's generated validator (:mod:`.fastpath`); when that accepts
it, the file is valid and pydantic is never imported, which is most of what keeps a cold
``mmarc validate`` fast. Otherwise the kind's pydantic model checks it and
:mod:`.wording` turns each error into a located diagnostic (S001 unknown key, S002
missing key, S003 wrong type, S004 invalid value).

Train and validation configs allow any top-level key (it defines a variable), so a
misspelt setting would pass silently; a top-level key that is a near miss of a setting the
file does not define, and that nothing refers to as ``{key}``, is reported as S001 too.
"""

from __future__ import annotations

from typing import Any

from mmarc.compiler.kinds import FileKind
from mmarc.compiler.schemas.fastpath import fast_accepts, settings_of
from mmarc.compiler.schemas.registry import VARIABLE_KINDS, model_for
from mmarc.compiler.source import SourceFile
from mmarc.compiler.suggest import closest
from mmarc.diagnostics import Diagnostic
from mmarc.plan.pointer import to_pointer

__all__ = ["MISSPELLING_CUTOFF", "check_schema"]

#: How close a top-level key must be to a setting's name to be taken for a misspelling.
MISSPELLING_CUTOFF = 0.85


def check_schema(source: SourceFile, kind: FileKind) -> list[Diagnostic]:
    """Every schema problem of ``source`` read as ``kind``, in document order.

    A file that did not parse (``source.root is None``) has nothing to check: the parse
    stage has reported it.
    """
    if source.root is None:
        return []
    data = source.to_plain()
    diagnostics = [] if fast_accepts(kind, data) else _model_diagnostics(source, data, kind)
    if kind in VARIABLE_KINDS and isinstance(data, dict):
        diagnostics = _misspelt_settings(source, settings_of(kind), data, diagnostics)
    unique = dict.fromkeys(diagnostics)
    return sorted(unique, key=lambda d: (d.line or 0, d.column or 0, d.code, d.message))


def _model_diagnostics(source: SourceFile, data: Any, kind: FileKind) -> list[Diagnostic]:
    """What ``kind``'s pydantic model finds wrong with ``data``, worded as diagnostics."""
    from pydantic import ValidationError

    from mmarc.compiler.schemas.wording import diagnostic_of

    try:
        model_for(kind).model_validate(data)
    except ValidationError as exc:
        return [diagnostic_of(source, data, kind, e) for e in exc.errors(include_url=False)]
    return []


# ---------------------------------------------------------------------------------------
# misspelt settings among top-level variables
# ---------------------------------------------------------------------------------------


def _misspelt_settings(
    source: SourceFile,
    settings: frozenset[str],
    data: dict[str, Any],
    diagnostics: list[Diagnostic],
) -> list[Diagnostic]:
    known = sorted(settings - {"$schema"})
    for key in data:
        if key.startswith("_") or key in known or key == "$schema":
            continue
        match = closest(key, known, cutoff=MISSPELLING_CUTOFF)
        if not match or match in data or "{" + key + "}" in source.text:
            continue
        pointer = to_pointer([key])
        diagnostics = [
            d
            for d in diagnostics
            if not (d.pointer == pointer or (d.pointer or "").startswith(pointer + "/"))
        ]
        diagnostics.append(
            source.diagnostic(
                "S001", f'unknown key "{key}"', [key], key=True, hint=f'did you mean "{match}"?'
            )
        )
    return diagnostics
