"""A loaded file: its text, its tree, and how a path in the tree maps to line and column.

Why: any stage reports a problem at a path of keys and indices
(:meth:`SourceFile.diagnostic`) without knowing whether the file was JSON or YAML.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mmarc.compiler.source.nodes import Entry, MappingNode, Node, SequenceNode
from mmarc.compiler.source.pointers import PointerPart, to_pointer
from mmarc.diagnostics import Diagnostic, Severity

__all__ = ["SourceFile", "duplicate_key"]


@dataclass
class SourceFile:
    """A file as loaded: its text, its tree (None when it did not parse) and positions.

    ``display`` is the path printed in diagnostics: a path that opens from the directory
    mmarc was started in.
    """

    path: Path
    display: str
    text: str
    root: Node | None = None
    _line_starts: list[int] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        starts = [0]
        starts.extend(m.end() for m in re.finditer(r"\r\n|\n|\r", self.text))
        self._line_starts = starts

    # -- positions ---------------------------------------------------------------
    def line_col(self, offset: int) -> tuple[int, int]:
        """1-based line and column of a character offset."""
        offset = max(0, min(offset, len(self.text)))
        line = bisect.bisect_right(self._line_starts, offset) - 1
        return line + 1, offset - self._line_starts[line] + 1

    def offset_of(self, line: int, column: int) -> int:
        """Character offset of a 0-based (line, column) pair, as PyYAML reports them."""
        if line >= len(self._line_starts):
            return len(self.text)
        return min(self._line_starts[line] + column, len(self.text))

    def line_text(self, line: int) -> str:
        """The text of a 1-based line, without its line break."""
        if not 1 <= line <= len(self._line_starts):
            return ""
        start = self._line_starts[line - 1]
        end = self._line_starts[line] if line < len(self._line_starts) else len(self.text)
        return self.text[start:end].rstrip("\r\n")

    # -- navigation ----------------------------------------------------------------
    def walk(self, parts: Sequence[PointerPart]) -> tuple[Node | None, Entry | None, int]:
        """Follow ``parts`` from the root as far as the tree allows.

        Returns the deepest node reached, the mapping entry that holds it (if it was
        reached through a key) and how many parts were consumed.
        """
        node = self.root
        entry: Entry | None = None
        consumed = 0
        for part in parts:
            if isinstance(node, MappingNode) and str(part) in node.entries:
                entry = node.entries[str(part)]
                node = entry.value
            elif isinstance(node, SequenceNode) and _as_index(part, len(node.items)) is not None:
                node = node.items[_as_index(part, len(node.items))]  # type: ignore[index]
                entry = None
            else:
                break
            consumed += 1
        return node, entry, consumed

    def node_at(self, parts: Sequence[PointerPart]) -> Node | None:
        node, _, consumed = self.walk(parts)
        return node if consumed == len(parts) else None

    def span_of(self, parts: Sequence[PointerPart], *, key: bool = False) -> tuple[int, int]:
        """Offsets of the value at ``parts`` (or of its key when ``key``).

        A path that does not exist is located at the deepest node that does, so that a
        missing key is reported on the mapping that should hold it.
        """
        node, entry, consumed = self.walk(parts)
        if node is None:
            return 0, 0
        if consumed == len(parts) and key and entry is not None:
            return entry.key_start, entry.key_end
        if consumed < len(parts) and entry is not None and isinstance(node, MappingNode):
            # point at the key that opens the mapping missing the child, not its whole body
            return entry.key_start, entry.key_end
        if isinstance(node, MappingNode | SequenceNode):
            # a container: underline its opening character only
            return node.start, node.start + 1
        return node.start, node.end

    # -- reporting -----------------------------------------------------------------
    def diagnostic(
        self,
        code: str,
        message: str,
        parts: Sequence[PointerPart] = (),
        *,
        severity: Severity = Severity.ERROR,
        hint: str | None = None,
        key: bool = False,
        span: tuple[int, int] | None = None,
    ) -> Diagnostic:
        """A diagnostic located at the value (or key) that ``parts`` points to."""
        start, end = span if span is not None else self.span_of(parts, key=key)
        line, column = self.line_col(start)
        end_line, end_column = self.line_col(max(end, start + 1) if self.text else start)
        return Diagnostic(
            severity=severity,
            code=code,
            message=message,
            file=self.display,
            line=line,
            column=column,
            pointer=to_pointer(parts),
            hint=hint,
            end_line=end_line,
            end_column=end_column,
        )

    def to_plain(self) -> Any:
        return self.root.to_plain() if self.root is not None else None


def _as_index(part: PointerPart, length: int) -> int | None:
    if isinstance(part, int):
        return part if 0 <= part < length else None
    if part.isdigit():
        i = int(part)
        return i if i < length else None
    return None


def duplicate_key(
    source: SourceFile, path: list[PointerPart], first: Entry, second: Entry
) -> Diagnostic:
    """P002 at the second of two equal keys of one mapping (JSON and YAML alike)."""
    first_line, _ = source.line_col(first.key_start)
    return source.diagnostic(
        "P002",
        f'duplicate key "{path[-1]}" (first defined on line {first_line})',
        path,
        span=(second.key_start, second.key_end),
        hint="remove one of the two; only the last one would take effect",
    )
