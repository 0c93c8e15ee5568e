"""RFC 6901 JSON pointers: the one place that escapes, splits, joins and resolves them.

Plans refer to their own parts by JSON pointer (``{"@ref": "/train/model"}``) and every
error about a plan names one, so the compiler that writes pointers and the runtime that
follows them must agree on the escaping (``~0`` for ``~``, ``~1`` for ``/``) exactly.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from mmarc.errors import MmarcError

__all__ = [
    "PointerError",
    "escape",
    "join",
    "resolve",
    "split",
    "to_pointer",
    "unescape",
]

_MISSING = object()


class PointerError(MmarcError):
    """A JSON pointer that is malformed or names nothing; ``pointer`` is the culprit."""

    def __init__(self, message: str, pointer: str) -> None:
        super().__init__(message)
        self.pointer = pointer


def escape(token: str | int) -> str:
    """One reference token, escaped (``a/b`` -> ``a~1b``)."""
    return str(token).replace("~", "~0").replace("/", "~1")


def unescape(token: str) -> str:
    """One escaped reference token back to its key (``a~1b`` -> ``a/b``)."""
    return token.replace("~1", "/").replace("~0", "~")


def split(pointer: str) -> list[str]:
    """The unescaped tokens of ``pointer`` (``""`` is the whole document: no tokens)."""
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise PointerError(f"{pointer!r} is not a JSON pointer (it must start with '/')", pointer)
    return [unescape(t) for t in pointer[1:].split("/")]


def join(pointer: str, token: str | int) -> str:
    """``pointer`` extended by one token (escaped)."""
    return f"{pointer}/{escape(token)}"


def to_pointer(tokens: Iterable[str | int]) -> str:
    """The pointer made of ``tokens`` (``()`` -> ``""``)."""
    return "".join("/" + escape(t) for t in tokens)


def resolve(document: Any, pointer: str) -> Any:
    """The value at ``pointer`` inside ``document``; :class:`PointerError` when absent."""
    node: Any = document
    for token in split(pointer):
        if isinstance(node, Mapping):
            node = node.get(token, _MISSING)
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            node = _MISSING
        if node is _MISSING:
            raise PointerError(f"{pointer!r} is not in the document", pointer)
    return node
