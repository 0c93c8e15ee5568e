"""YAML files composed by PyYAML (its C parser when present) and converted to located nodes.

Why compose rather than load: PyYAML's node graph keeps the marks (line, column) that its
loaders drop; converting it gives the same trees as the JSON parser, with duplicate keys
reported as P002 instead of silently overwritten.
"""

from __future__ import annotations

from typing import Any

from mmarc.compiler.source.nodes import Entry, MappingNode, Node, ScalarNode, SequenceNode
from mmarc.compiler.source.pointers import PointerPart
from mmarc.compiler.source.source_file import SourceFile, duplicate_key
from mmarc.diagnostics import Diagnostic

__all__ = ["MERGE_TAG", "compose_yaml"]

#: The tag PyYAML gives a ``<<`` key (YAML 1.1 merge: the mapping takes the anchored
#: mapping's entries, except the keys it writes itself).
MERGE_TAG = "tag:yaml.org,2002:merge"


def _fault_offset(source: SourceFile, exc: Any) -> int:
    """Where a YAML syntax error's mistake is, which is not always where PyYAML stopped.

    A key without its ':' is reported where the ':' was still missing (often lines later),
    and a quote never closed where the file ends: the key, or the opening quote, is the
    mistake. A flow collection (``[...]``/``{...}``) missing its closer or a comma is
    reported at the next line's first token: the mistake is at the end of the line before.
    """
    problem, context = exc.problem_mark, exc.context_mark
    what = exc.context or ""
    if context is not None and what.startswith(
        ("while scanning a simple key", "while scanning a quoted scalar")
    ):
        return int(source.offset_of(context.line, context.column))
    if (
        problem is not None
        and context is not None
        and what.startswith("while parsing a flow")
        and problem.line > context.line
    ):
        lines = source.text.splitlines()
        for number in range(problem.line - 1, context.line - 1, -1):
            content = lines[number].split(" #", 1)[0].rstrip()
            if content and not content.lstrip().startswith("#"):
                return int(source.offset_of(number, len(content) - 1))
    mark = problem or context
    return int(source.offset_of(mark.line, mark.column)) if mark else 0


def compose_yaml(source: SourceFile) -> tuple[Node | None, list[Diagnostic]]:
    """The tree of a YAML file (None when it does not parse) and its P001/P002 diagnostics."""
    import yaml

    loader_cls = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        composed = yaml.compose(source.text, Loader=loader_cls)
    except yaml.MarkedYAMLError as exc:
        offset = _fault_offset(source, exc)
        problem = exc.problem or "invalid YAML"
        context = f" ({exc.context})" if exc.context else ""
        hint = None
        if "\t" in source.text and "tab" in str(exc).lower():
            hint = "YAML indentation uses spaces, not tabs"
        elif "mapping values are not allowed" in problem:
            hint = "quote values that contain ': ', or check the indentation of this line"
        return None, [
            source.diagnostic(
                "P001",
                f"invalid YAML: {problem}{context}",
                (),
                span=(offset, offset + 1),
                hint=hint,
            )
        ]
    except yaml.YAMLError as exc:
        return None, [source.diagnostic("P001", f"invalid YAML: {exc}", (), span=(0, 1))]
    if composed is None:
        return ScalarNode(0, 0, None), []
    constructor = yaml.constructor.SafeConstructor()
    diagnostics: list[Diagnostic] = []

    def start_end(node: yaml.Node) -> tuple[int, int]:
        return (
            source.offset_of(node.start_mark.line, node.start_mark.column),
            source.offset_of(node.end_mark.line, node.end_mark.column),
        )

    def merge_entries(
        value_node: yaml.Node, path: list[PointerPart], depth: int
    ) -> list[tuple[str, Entry]]:
        """The entries a ``<<`` merge key brings: one mapping, or a list of mappings."""
        sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
        entries: list[tuple[str, Entry]] = []
        for merged_node in sources:
            converted = convert(merged_node, path, depth + 1)
            if not isinstance(converted, MappingNode):
                ms, me = start_end(merged_node)
                diagnostics.append(
                    source.diagnostic(
                        "P001",
                        "invalid YAML: a merge key (<<) takes a mapping or a list of mappings",
                        path,
                        span=(ms, me),
                        hint="point << at an anchored mapping (&name), e.g. <<: *defaults",
                    )
                )
                return entries  # one error per merge key
            entries.extend(converted.entries.items())
        return entries

    def convert(node: yaml.Node, path: list[PointerPart], depth: int) -> Node:
        start, end = start_end(node)
        if depth > 200:
            return ScalarNode(start, end, None)
        if isinstance(node, yaml.MappingNode):
            out = MappingNode(start, end)
            merged: list[tuple[str, Entry]] = []
            for key_node, value_node in node.value:
                if key_node.tag == MERGE_TAG:
                    merged.extend(merge_entries(value_node, path, depth))
                    continue
                try:
                    key_value = (
                        constructor.construct_object(key_node, deep=True)
                        if isinstance(key_node, yaml.ScalarNode)
                        else None
                    )
                except yaml.YAMLError as exc:
                    ks, ke = start_end(key_node)
                    diagnostics.append(
                        source.diagnostic("P001", f"invalid YAML key: {exc}", path, span=(ks, ke))
                    )
                    continue
                key = "" if key_value is None else str(key_value)
                ks, ke = start_end(key_node)
                child = convert(value_node, [*path, key], depth + 1)
                entry = Entry(ks, ke, child)
                if key in out.entries:
                    first = out.entries[key]
                    diagnostics.append(duplicate_key(source, [*path, key], first, entry))
                out.entries[key] = entry
            for key, entry in merged:
                # keys written in the mapping win over merged ones; earlier merges win
                out.entries.setdefault(key, entry)
            return out
        if isinstance(node, yaml.SequenceNode):
            seq = SequenceNode(start, end)
            for i, item in enumerate(node.value):
                seq.items.append(convert(item, [*path, i], depth + 1))
            return seq
        try:
            value = constructor.construct_object(node, deep=True)
        except yaml.YAMLError as exc:
            diagnostics.append(
                source.diagnostic("P001", f"invalid YAML value: {exc}", path, span=(start, end))
            )
            value = node.value
        if isinstance(value, bytes | bytearray):
            value = value.decode("latin-1")
        elif not isinstance(value, str | int | float | bool | type(None)):
            value = str(value)  # dates and timestamps stay text
        return ScalarNode(start, end, value)

    return convert(composed, [], 0), diagnostics
