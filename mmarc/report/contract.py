"""The stable JSON object printed by ``--format json`` (other tools read it; keep it stable).

{"mmarc_version": str, "target": str, "detected": {...},
 "diagnostics": [{"severity", "code", "message", "file", "line", "column",
                  "pointer", "hint"}],
 "summary": {"errors": int, "warnings": int}}
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from mmarc import __version__
from mmarc.diagnostics import Diagnostic, Severity


def to_contract(
    target: str, detected: Mapping[str, Any], diagnostics: Iterable[Diagnostic]
) -> dict[str, Any]:
    items = list(diagnostics)
    return {
        "mmarc_version": __version__,
        "target": target,
        "detected": dict(detected),
        "diagnostics": [d.as_contract() for d in items],
        "summary": {
            "errors": sum(d.severity is Severity.ERROR for d in items),
            "warnings": sum(d.severity is Severity.WARNING for d in items),
        },
    }
