"""SARIF 2.1.0 output, the format GitHub code scanning and editor extensions read.

Rules come from :data:`mmarc.diagnostics.CODES`, so every code mmarc can emit has a
stable rule id and description; results carry the 1-based region of the diagnostic.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from mmarc import __version__
from mmarc.diagnostics import CODES, Diagnostic, Severity

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def to_sarif(diagnostics: Iterable[Diagnostic]) -> dict[str, Any]:
    items = list(diagnostics)
    used = sorted({d.code for d in items})
    rule_index = {code: i for i, code in enumerate(used)}
    results: list[dict[str, Any]] = []
    for d in items:
        location: dict[str, Any] = {"artifactLocation": {"uri": d.file.replace("\\", "/")}}
        if d.line is not None:
            region: dict[str, Any] = {"startLine": d.line, "startColumn": d.column or 1}
            if d.end_line is not None and d.end_column is not None:
                region["endLine"] = d.end_line
                region["endColumn"] = d.end_column
            location["region"] = region
        message = d.message if not d.hint else f"{d.message}. Fix: {d.hint}"
        result: dict[str, Any] = {
            "ruleId": d.code,
            "ruleIndex": rule_index[d.code],
            "level": _LEVELS[d.severity],
            "message": {"text": message},
            "locations": [{"physicalLocation": location}],
        }
        if d.pointer is not None:
            result["properties"] = {"pointer": d.pointer}
        results.append(result)
    rules = [
        {
            "id": code,
            "name": CODES[code].title().replace(" ", "").replace("-", ""),
            "shortDescription": {"text": CODES[code]},
        }
        for code in used
    ]
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "mmarc",
                        "version": __version__,
                        "informationUri": "https://github.com/mmarc/mmarc",
                        "rules": rules,
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
