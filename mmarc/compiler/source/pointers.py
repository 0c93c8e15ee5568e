"""RFC 6901 JSON pointers for the paths of keys and indices that locate a diagnostic.

Why a module of its own: every stage reports a problem at a path of keys and indices,
and the JSON output contract prints it as a pointer (``/train/args/epochs``). This is the
one place the compiler escapes and unescapes them.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["PointerPart", "escape_pointer_part", "from_pointer", "to_pointer"]

#: One step of a path: a mapping key or a sequence index.
PointerPart = str | int


def escape_pointer_part(part: PointerPart) -> str:
    """One reference token of a pointer, with ``~`` and ``/`` escaped."""
    return str(part).replace("~", "~0").replace("/", "~1")


def to_pointer(parts: Sequence[PointerPart]) -> str:
    """RFC 6901 JSON pointer for a path of keys and indices ('' is the whole document)."""
    return "".join("/" + escape_pointer_part(p) for p in parts)


def from_pointer(pointer: str) -> list[str]:
    """The unescaped reference tokens of a pointer (``[]`` for the whole document)."""
    if not pointer:
        return []
    return [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]
