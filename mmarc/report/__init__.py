"""Output formats for diagnostics: text (code frames), JSON (the stable contract), SARIF."""

from __future__ import annotations

import json
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from mmarc.compiler.source import SourceFile
from mmarc.diagnostics import Diagnostic, Severity
from mmarc.report.contract import to_contract
from mmarc.report.sarif import to_sarif
from mmarc.report.text import render_text, summary_line


class OutputFormat(StrEnum):
    TEXT = "text"
    JSON = "json"
    SARIF = "sarif"


def render(
    fmt: OutputFormat,
    target: str,
    detected: Mapping[str, Any],
    diagnostics: list[Diagnostic],
    sources: Mapping[str, SourceFile],
    *,
    colour: bool = False,
) -> str:
    """The whole report for one run, in the chosen format."""
    ordered = sorted(diagnostics, key=Diagnostic.sort_key)
    if fmt is OutputFormat.JSON:
        return json.dumps(to_contract(target, detected, ordered), indent=2) + "\n"
    if fmt is OutputFormat.SARIF:
        return json.dumps(to_sarif(ordered), indent=2) + "\n"
    errors = sum(d.severity is Severity.ERROR for d in ordered)
    warnings = sum(d.severity is Severity.WARNING for d in ordered)
    return render_text(
        ordered, sources, colour=colour, summary=summary_line(errors, warnings, target)
    )
