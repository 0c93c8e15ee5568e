"""The trees a loaded file becomes: mappings, sequences and scalars that remember their offsets.

Why: Python's ``json`` and PyYAML's loaders throw source positions away; every later
diagnostic needs them. Each node carries the character offsets of its value, and each
mapping entry those of its key.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from mmarc.compiler.source.pointers import PointerPart

__all__ = ["Entry", "MappingNode", "Node", "ScalarNode", "SequenceNode", "iter_nodes"]


@dataclass(slots=True)
class Node:
    """A value in a loaded file; ``start``/``end`` are character offsets into the text."""

    start: int
    end: int

    def to_plain(self) -> Any:
        raise NotImplementedError


@dataclass(slots=True)
class ScalarNode(Node):
    value: Any = None

    def to_plain(self) -> Any:
        return self.value


@dataclass(slots=True)
class Entry:
    """One key of a mapping: where the key is written, and its value."""

    key_start: int
    key_end: int
    value: Node


@dataclass(slots=True)
class MappingNode(Node):
    entries: dict[str, Entry] = field(default_factory=dict)

    def to_plain(self) -> dict[str, Any]:
        return {k: e.value.to_plain() for k, e in self.entries.items()}

    def get(self, key: str) -> Node | None:
        entry = self.entries.get(key)
        return entry.value if entry is not None else None


@dataclass(slots=True)
class SequenceNode(Node):
    items: list[Node] = field(default_factory=list)

    def to_plain(self) -> list[Any]:
        return [item.to_plain() for item in self.items]


def iter_nodes(
    node: Node, parts: tuple[PointerPart, ...] = ()
) -> Iterator[tuple[tuple[PointerPart, ...], Node]]:
    """Every node below ``node`` (itself included) with its path, depth first."""
    yield parts, node
    if isinstance(node, MappingNode):
        for k, e in node.entries.items():
            yield from iter_nodes(e.value, (*parts, k))
    elif isinstance(node, SequenceNode):
        for i, item in enumerate(node.items):
            yield from iter_nodes(item, (*parts, i))
