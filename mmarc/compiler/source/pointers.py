"""The compiler's names for JSON pointers, over the one helper in :mod:`mmarc.plan.pointer`.

Every stage reports a problem at a path of keys and indices, and the JSON output contract
prints it as a pointer (``/train/args/epochs``). The escaping itself lives in
:mod:`mmarc.plan.pointer` alone, so the compiler that writes pointers and the runtime that
follows them cannot disagree.
"""

from __future__ import annotations

from collections.abc import Sequence

from mmarc.plan.pointer import escape, split
from mmarc.plan.pointer import to_pointer as _to_pointer

__all__ = ["PointerPart", "escape_pointer_part", "from_pointer", "to_pointer"]

#: One step of a path: a mapping key or a sequence index.
PointerPart = str | int


def escape_pointer_part(part: PointerPart) -> str:
    """One reference token of a pointer, with ``~`` and ``/`` escaped."""
    return escape(part)


def to_pointer(parts: Sequence[PointerPart]) -> str:
    """RFC 6901 JSON pointer for a path of keys and indices ('' is the whole document)."""
    return _to_pointer(parts)


def from_pointer(pointer: str) -> list[str]:
    """The unescaped reference tokens of a pointer (``[]`` for the whole document)."""
    return split(pointer) if pointer else []
