"""Reading a configuration file into a :class:`SourceFile`: JSON or YAML by its suffix.

Why: one entry point for every stage and tool; an unreadable or non-UTF-8 file is a located
P003 diagnostic, never an exception.
"""

from __future__ import annotations

from pathlib import Path

from mmarc.compiler.source.json_parser import parse_json
from mmarc.compiler.source.source_file import SourceFile
from mmarc.compiler.source.yaml_composer import compose_yaml
from mmarc.diagnostics import Diagnostic, Severity

__all__ = ["YAML_SUFFIXES", "load_source", "parse_text"]

YAML_SUFFIXES = (".yml", ".yaml")


def parse_text(
    text: str, path: Path, display: str | None = None
) -> tuple[SourceFile, list[Diagnostic]]:
    """Parse ``text`` as JSON, or as YAML when ``path`` ends in .yml/.yaml."""
    if text.startswith("\ufeff"):
        text = text[1:]
    source = SourceFile(path=path, display=display or str(path), text=text)
    if path.suffix.lower() in YAML_SUFFIXES:
        source.root, diagnostics = compose_yaml(source)
    else:
        source.root, diagnostics = parse_json(source)
    return source, diagnostics


def load_source(path: Path, display: str | None = None) -> tuple[SourceFile, list[Diagnostic]]:
    """Read and parse a file; unreadable files give a located P003 instead of raising."""
    shown = display or str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        empty = SourceFile(path=path, display=shown, text="")
        reason = exc.strerror or type(exc).__name__
        return empty, [
            Diagnostic(
                Severity.ERROR,
                "P003",
                f"cannot read the file: {reason}",
                shown,
                None,
                None,
                None,
                None,
            )
        ]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        empty = SourceFile(path=path, display=shown, text=raw.decode("utf-8", "replace"))
        line, column = empty.line_col(exc.start)
        return empty, [
            Diagnostic(
                Severity.ERROR,
                "P003",
                "the file is not UTF-8 text",
                shown,
                line,
                column,
                None,
                "save the file as UTF-8",
            )
        ]
    return parse_text(text, path, shown)
