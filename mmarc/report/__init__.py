"""Output formats for diagnostics: text (code frames), JSON (the stable contract), SARIF."""

from __future__ import annotations

import json
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from mmarc.compiler.source import SourceFile
from mmarc.diagnostics import ALWAYS_SHOWN_NOTES, Diagnostic, Severity
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
    show_info: bool = False,
) -> str:
    """The whole report for one run, in the chosen format.

    Text output leaves info-level notes out unless ``show_info`` (they are context, such as
    which MONAI a Clara 4.1 MMAR is checked against); JSON and SARIF always carry them.
    """
    ordered = sorted(diagnostics, key=Diagnostic.sort_key)
    if fmt is OutputFormat.JSON:
        return json.dumps(to_contract(target, detected, ordered), indent=2) + "\n"
    if fmt is OutputFormat.SARIF:
        return json.dumps(to_sarif(ordered), indent=2) + "\n"
    errors = sum(d.severity is Severity.ERROR for d in ordered)
    warnings = sum(d.severity is Severity.WARNING for d in ordered)
    shown = (
        ordered
        if show_info
        else [d for d in ordered if d.severity is not Severity.INFO or d.code in ALWAYS_SHOWN_NOTES]
    )
    notes = len(ordered) - len(shown)  # the info notes left out
    summary = summary_line(errors, warnings, target)
    if notes and not show_info:
        summary += f" ({notes} note{'s' if notes != 1 else ''} hidden; -v shows them)"
    return render_text(shown, sources, colour=colour, summary=summary)
