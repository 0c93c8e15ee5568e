"""Stage 1 of the compiler: load JSON and YAML into trees that remember where they came from.

Python's ``json`` and PyYAML's loaders throw source positions away; mmarc needs them for
every later diagnostic. This module parses a file into :class:`Node` objects (mapping,
sequence, scalar), each carrying the character offsets of its key and value, and offers
:meth:`SourceFile.diagnostic` so that any stage can report a problem at a JSON pointer
without knowing how the file was parsed.

JSON is parsed by a small strict recursive-descent parser written for its error messages
(trailing commas, ``ture``, single quotes, comments and unclosed brackets each get a
message and a fix); YAML is composed by PyYAML (the C parser when present) and its node
graph is converted. Duplicate keys are errors in both.

The package's modules: :mod:`.nodes` (the located tree), :mod:`.pointers` (JSON pointers),
:mod:`.source_file` (:class:`SourceFile`: positions, navigation, diagnostics),
:mod:`.json_parser`, :mod:`.yaml_composer`, and :mod:`.load` (reading a file).
"""

from mmarc.compiler.source.load import YAML_SUFFIXES, load_source, parse_text
from mmarc.compiler.source.nodes import (
    Entry,
    MappingNode,
    Node,
    ScalarNode,
    SequenceNode,
    iter_nodes,
)
from mmarc.compiler.source.pointers import (
    PointerPart,
    escape_pointer_part,
    from_pointer,
    to_pointer,
)
from mmarc.compiler.source.source_file import SourceFile

__all__ = [
    "YAML_SUFFIXES",
    "Entry",
    "MappingNode",
    "Node",
    "PointerPart",
    "ScalarNode",
    "SequenceNode",
    "SourceFile",
    "escape_pointer_part",
    "from_pointer",
    "iter_nodes",
    "load_source",
    "parse_text",
    "to_pointer",
]
