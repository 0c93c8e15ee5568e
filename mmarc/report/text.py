"""Human output: each diagnostic as a code frame with a caret, in the style of rustc and ruff.

    error[S001]: unknown key "epoch"
      --> config/config_train.json:3:3
       |
     3 |   "epoch": 2,
       |   ^^^^^^^ did you mean "epochs"?
       |
       = hint: ...

Colour is used only when the stream is a terminal and NO_COLOR is unset.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import TextIO

from mmarc.compiler.source import SourceFile
from mmarc.diagnostics import Diagnostic, Severity

_COLOURS = {
    Severity.ERROR: "\x1b[1;31m",
    Severity.WARNING: "\x1b[1;33m",
    Severity.INFO: "\x1b[1;36m",
}
_BOLD, _BLUE, _RESET = "\x1b[1m", "\x1b[1;34m", "\x1b[0m"


def use_colour(stream: TextIO) -> bool:
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def render_diagnostic(d: Diagnostic, source: SourceFile | None, *, colour: bool = False) -> str:
    """One diagnostic as a code frame; without a source line, just the header."""

    def paint(text: str, code: str) -> str:
        return f"{code}{text}{_RESET}" if colour else text

    lines = [
        paint(f"{d.severity}[{d.code}]", _COLOURS[d.severity]) + paint(f": {d.message}", _BOLD)
    ]
    location = d.file
    if d.line is not None:
        location += f":{d.line}:{d.column or 1}"
    gutter_width = len(str(d.line)) if d.line is not None else 1
    pad = " " * gutter_width
    lines.append(f"{pad}{paint('-->', _BLUE)} {location}")
    text = source.line_text(d.line) if source is not None and d.line is not None else ""
    if d.line is not None and text:
        column = max(1, d.column or 1)
        if d.end_line == d.line and d.end_column is not None:
            width = max(1, d.end_column - column)
        else:
            width = max(1, len(text) - column + 1)
        width = min(width, max(1, len(text) - column + 1))
        expanded = text.replace("\t", " ")
        lines.append(f"{pad} {paint('|', _BLUE)}")
        lines.append(f"{paint(str(d.line), _BLUE)} {paint('|', _BLUE)} {expanded}")
        caret = " " * (column - 1) + "^" * width
        lines.append(f"{pad} {paint('|', _BLUE)} {paint(caret, _COLOURS[d.severity])}")
    if d.pointer:
        lines.append(f"{pad} {paint('=', _BLUE)} at: {d.pointer}")
    if d.hint:
        lines.append(f"{pad} {paint('=', _BLUE)} {paint('hint', _BOLD)}: {d.hint}")
    return "\n".join(lines)


def render_text(
    diagnostics: Iterable[Diagnostic],
    sources: Mapping[str, SourceFile],
    *,
    colour: bool = False,
    summary: str | None = None,
) -> str:
    blocks = [render_diagnostic(d, sources.get(d.file), colour=colour) for d in diagnostics]
    if summary:
        blocks.append(summary)
    return "\n\n".join(blocks) + "\n"


def summary_line(errors: int, warnings: int, target: str) -> str:
    if errors == 0 and warnings == 0:
        return f"{target}: no problems found"
    parts = []
    parts.append(f"{errors} error{'s' if errors != 1 else ''}")
    parts.append(f"{warnings} warning{'s' if warnings != 1 else ''}")
    return f"{target}: {', '.join(parts)}"
