"""References between components: ``@name``, ``#`` expressions and ``{"ref": X}``.

Clara 4.1 wires components by name: ``"@optimizer"`` is the component in the slot
``optimizer`` (or the one aliased ``Name#optimizer``) of the same section, falling back
to the other section of a config_train.json (validate's ``@model`` is train's model);
``"@conf"`` is the whole configuration; ``"#@model.parameters()"`` is a Python expression
over such names; ``{"ref": "LoadImaged"}`` re-uses the component whose alias or class
is ``LoadImaged``. A name that resolves nowhere only fails deep inside a training run,
and a cycle (optimizer needs lr_scheduler needs optimizer) hangs or recurses there, so
this stage finds both before anything is built, with did-you-mean fixes.

Clara builds lazily: a component may refer to one written further down. Only true cycles
are errors. The :class:`SymbolTable` is reusable by later stages (plan, executor) that
need to follow a reference to its target. The input tree is the *substituted* one (see
:mod:`mmarc.compiler.substitute`): its offsets are those of the original file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from mmarc.compiler.automl import in_automl_search
from mmarc.compiler.component_sites import (
    COMPONENT_KINDS,
    TRAIN_SECTIONS,
    ComponentSite,
    iter_components,
    sections,
)
from mmarc.compiler.expressions import (
    ExpressionError,
    expression_in,
    parse_expression,
    string_span,
)
from mmarc.compiler.kinds import FileKind
from mmarc.compiler.source import (
    MappingNode,
    Node,
    PointerPart,
    ScalarNode,
    SequenceNode,
    SourceFile,
)
from mmarc.compiler.suggest import closest
from mmarc.diagnostics import Diagnostic, Severity

#: ``"@conf"``: the whole configuration, not a component.
CONF = "conf"

Parts = tuple[PointerPart, ...]

_WHOLE_REF = re.compile(r"@([A-Za-z_][A-Za-z0-9_]*)")
_EXPR_WITHOUT_HASH = re.compile(r"@[A-Za-z_][A-Za-z0-9_]*\s*[.(\[]")
#: "@ name": a reference broken by a space after the @, which Clara passed on as text
_SPACED_REF = re.compile(r"@\s+([A-Za-z_][A-Za-z0-9_]*)\s*")


# ---------------------------------------------------------------------------------------
# symbol table
# ---------------------------------------------------------------------------------------


@dataclass
class SymbolTable:
    """The names a file's references can use, per section (None for single-section files).

    ``slots`` maps each section's keys to their pointer parts; ``aliases`` and ``classes``
    map ``Name#alias`` aliases and class names to the components that carry them.
    """

    kind: FileKind
    slots: dict[str | None, dict[str, Parts]] = field(default_factory=dict)
    aliases: dict[str | None, dict[str, list[ComponentSite]]] = field(default_factory=dict)
    classes: dict[str | None, dict[str, list[ComponentSite]]] = field(default_factory=dict)
    sites: list[ComponentSite] = field(default_factory=list)

    def search_order(self, section: str | None) -> tuple[str | None, ...]:
        """Sections searched for a name used in ``section``: itself, then the other one."""
        if self.kind is FileKind.TRAIN:
            if section in TRAIN_SECTIONS:
                return (section, *(s for s in TRAIN_SECTIONS if s != section))
            return TRAIN_SECTIONS
        return (None,)

    def resolve(self, name: str, section: str | None) -> Parts | None:
        """Target of ``@name`` used in ``section``: its pointer parts (``()`` for @conf)."""
        if name == CONF:
            return ()
        for sec in self.search_order(section):
            slot = self.slots.get(sec, {}).get(name)
            if slot is not None:
                return slot
            aliased = self.aliases.get(sec, {}).get(name)
            if aliased:
                return aliased[0].parts
        return None

    def ref_candidates(self, name: str, section: str | None) -> list[ComponentSite]:
        """Components a ``{"ref": name}`` in ``section`` may mean, from the first section
        that has any: alias matches first, else class-name matches."""
        for sec in self.search_order(section):
            aliased = self.aliases.get(sec, {}).get(name)
            if aliased:
                return aliased
            by_class = self.classes.get(sec, {}).get(name)
            if by_class:
                return by_class
        return []

    def resolve_ref(self, name: str, section: str | None) -> Parts | None:
        """Target of ``{"ref": name}`` used in ``section``."""
        found = self.ref_candidates(name, section)
        return found[0].parts if found else None

    def names(self, section: str | None) -> list[str]:
        """Every name ``@`` can use from ``section`` (for did-you-mean)."""
        out = [CONF]
        for sec in self.search_order(section):
            out.extend(self.slots.get(sec, {}))
            out.extend(self.aliases.get(sec, {}))
        return out

    def ref_names(self, section: str | None) -> list[str]:
        out: list[str] = []
        for sec in self.search_order(section):
            out.extend(self.aliases.get(sec, {}))
            out.extend(self.classes.get(sec, {}))
        return out

    def section_of(self, parts: Parts) -> str | None:
        """The section a pointer is in (only config_train.json has named sections)."""
        if self.kind is FileKind.TRAIN and parts and parts[0] in TRAIN_SECTIONS:
            return str(parts[0])
        return None


def build_symbol_table(
    kind: FileKind, root: Node | None, sites: Iterable[ComponentSite] | None = None
) -> SymbolTable:
    """Slots, aliases and class names of a (substituted) file, in document order.

    ``sites`` are the file's components when the caller has already walked them
    (``iter_components(kind, root)``, every one), so that they are not walked twice.
    """
    table = SymbolTable(kind)
    for section_name, section in sections(kind, root):
        base: Parts = (section_name,) if section_name else ()
        table.slots[section_name] = {slot: (*base, slot) for slot in section.entries}
    for site in iter_components(kind, root) if sites is None else sites:
        table.sites.append(site)
        if site.alias:
            table.aliases.setdefault(site.section, {}).setdefault(site.alias, []).append(site)
        if site.class_name and site.ref is None:
            table.classes.setdefault(site.section, {}).setdefault(site.class_name, []).append(site)
    return table


# ---------------------------------------------------------------------------------------
# checking
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Edge:
    """A dependency: the owner of a reference needs ``target``; ``label`` as written."""

    target: Parts
    label: str | None  # None: the owner contains the target (built as part of it)
    parts: Parts = ()
    span: tuple[int, int] | None = None


def check_references(source: SourceFile, kind: FileKind, root: Node) -> list[Diagnostic]:
    """R001-R005 for one substituted file; ``source`` locates them in the original text."""
    if kind not in COMPONENT_KINDS:
        return []
    checker = _Checker(source, kind, root)
    checker.duplicates()
    checker.walk(root, (), None)
    checker.cycles()
    return checker.diagnostics


class _Checker:
    def __init__(self, source: SourceFile, kind: FileKind, root: Node) -> None:
        self.source = source
        self.kind = kind
        self.table = build_symbol_table(kind, root)
        self.diagnostics: list[Diagnostic] = []
        # graph nodes: slots and components, by pointer parts, in document order
        self.graph: dict[Parts, list[_Edge]] = {}
        for slots in self.table.slots.values():
            for parts in slots.values():
                self.graph.setdefault(parts, [])
        self.refs: dict[Parts, ComponentSite] = {}
        for site in self.table.sites:
            self.graph.setdefault(site.parts, [])
            if site.ref is not None:
                self.refs[site.parts] = site

    # -- names -------------------------------------------------------------------------
    def duplicates(self) -> None:
        """R004: two components claiming one alias in a section; an alias hiding a slot."""
        for section, aliases in self.table.aliases.items():
            slots = self.table.slots.get(section, {})
            where = f" in {section}" if section else ""
            for alias, sites in aliases.items():
                first = sites[0]
                for other in sites[1:]:
                    line = self._line(first.parts)
                    self.diagnostics.append(
                        self._at_name(
                            other,
                            f'duplicate component name "{alias}"{where}: '
                            f'"{first.declared_name}" on line {line} already uses it',
                            f'give each component its own alias (Name#alias); "@{alias}" and '
                            f'ref "{alias}" cannot tell them apart',
                            Severity.ERROR,
                        )
                    )
                if alias in slots and slots[alias] != first.parts:
                    self.diagnostics.append(
                        self._at_name(
                            first,
                            f'alias "{alias}" is also the name of the slot "{alias}"{where}: '
                            f'"@{alias}" refers to the slot, not to this component',
                            "rename the alias",
                            Severity.WARNING,
                        )
                    )

    def _at_name(
        self, site: ComponentSite, message: str, hint: str, severity: Severity
    ) -> Diagnostic:
        parts = (*site.parts, "name")
        node = site.node.get("name")
        span = None
        declared = site.declared_name
        if isinstance(node, ScalarNode) and declared and "#" in declared:
            at = declared.index("#")
            span = string_span(self.source.text, node, declared, at + 1, len(declared))
        return self.source.diagnostic(
            "R004", message, parts, span=span, hint=hint, severity=severity
        )

    def _line(self, parts: Parts) -> int:
        return self.source.line_col(self.source.span_of(parts)[0])[0]

    # -- walking -------------------------------------------------------------------------
    def walk(self, node: Node, parts: Parts, owner: Parts | None) -> None:
        if parts in self.graph and parts != owner:
            if owner is not None:
                self.graph[owner].append(_Edge(parts, None))
            owner = parts
        if isinstance(node, MappingNode):
            if parts in self.refs:
                self.ref(self.refs[parts], owner)
            for key, entry in node.entries.items():
                if not in_automl_search((*parts, key)):
                    self.walk(entry.value, (*parts, key), owner)
        elif isinstance(node, SequenceNode):
            for i, item in enumerate(node.items):
                self.walk(item, (*parts, i), owner)
        elif isinstance(node, ScalarNode) and isinstance(node.value, str) and node.value:
            self.string(node, node.value, parts, owner)

    def ref(self, site: ComponentSite, owner: Parts | None) -> None:
        name = site.ref
        assert name is not None
        parts = (*site.parts, "ref")
        node = site.node.get("ref")
        span = (node.start, node.end) if node is not None else None
        found = self.table.ref_candidates(name, site.section)
        if not found:
            searched = " or ".join(s for s in self.table.search_order(site.section) if s)
            where = f" in {searched}" if searched else ""
            close = closest(name, self.table.ref_names(site.section))
            hint = (
                f'did you mean "{close}"?'
                if close
                else "a ref names the class of a component defined in this section or the "
                "other one, or its alias (Name#alias)"
            )
            self.diagnostics.append(
                self.source.diagnostic(
                    "R005",
                    f'ref "{name}" matches no component{where}',
                    parts,
                    span=span,
                    hint=hint,
                )
            )
            return
        if len(found) > 1 and found[0].alias != name:
            lines = ", ".join(str(self._line(s.parts)) for s in found)
            self.diagnostics.append(
                self.source.diagnostic(
                    "R004",
                    f'ref "{name}" matches {len(found)} components (lines {lines}); '
                    "it re-uses the first",
                    parts,
                    span=span,
                    severity=Severity.WARNING,
                    hint=f'give the one you mean an alias ("{name}#myname") and ref that',
                )
            )
        if owner is not None:
            self.graph[owner].append(_Edge(found[0].parts, f"ref {name}", parts, span))

    def string(self, node: ScalarNode, value: str, parts: Parts, owner: Parts | None) -> None:
        section = self.table.section_of(parts)
        if value[0] == "@":
            whole = _WHOLE_REF.fullmatch(value)
            if whole:
                self.use(whole.group(1), section, parts, owner, (node.start, node.end))
            elif _EXPR_WITHOUT_HASH.match(value):
                self.diagnostics.append(
                    self.source.diagnostic(
                        "R003",
                        f'"{value}" is an expression, not a reference: it needs a leading #',
                        parts,
                        span=(node.start, node.end),
                        hint=f'write "#{value}"',
                    )
                )
            elif spaced := _SPACED_REF.fullmatch(value):
                self.diagnostics.append(
                    self.source.diagnostic(
                        "R003",
                        f'"{value}" is not a reference: a space breaks it, so it is passed on '
                        "as text",
                        parts,
                        span=(node.start, node.end),
                        hint=f'write "@{spaced.group(1)}"',
                    )
                )
            return
        site = expression_in(value)
        if site is None:
            return
        parsed = parse_expression(site.text, references=site.references)
        if isinstance(parsed, ExpressionError):
            start = site.offset + parsed.offset
            end = site.offset + parsed.end
            if site.references:
                hint = "the text after # must be one Python expression"
            elif "@" in site.text:
                hint = f'@ references need a # expression: "#{value}"'
            else:
                hint = "a lambda string must be one valid Python lambda"
            self.diagnostics.append(
                self.source.diagnostic(
                    "R003",
                    f"invalid expression: {parsed.message}",
                    parts,
                    span=string_span(self.source.text, node, value, start, end),
                    hint=hint,
                )
            )
            return
        for name, at in parsed.references:
            start = site.offset + at
            span = string_span(self.source.text, node, value, start, start + len(name) + 1)
            self.use(name, section, parts, owner, span)

    def use(
        self,
        name: str,
        section: str | None,
        parts: Parts,
        owner: Parts | None,
        span: tuple[int, int],
    ) -> None:
        target = self.table.resolve(name, section)
        if target is None:
            searched = " or ".join(s for s in self.table.search_order(section) if s)
            where = f" in {searched}" if searched else ""
            close = closest(name, self.table.names(section))
            hint = (
                f"did you mean @{close}?"
                if close
                else "@name refers to a slot (model, optimizer...) or a Name#alias component "
                "of this section or the other one; @conf is the whole configuration"
            )
            self.diagnostics.append(
                self.source.diagnostic(
                    "R001",
                    f'undefined reference "@{name}": no slot or component named "{name}"{where}',
                    parts,
                    span=span,
                    hint=hint,
                )
            )
            return
        if target == () or owner is None:
            return  # @conf is data, not a component to build
        self.graph[owner].append(_Edge(target, f"@{name}", parts, span))

    # -- cycles --------------------------------------------------------------------------
    def cycles(self) -> None:
        """R002 for each cycle, found depth-first in document order, located at the
        reference that closes it."""
        state: dict[Parts, int] = {}  # 1: on the stack, 2: done
        seen: set[frozenset[Parts]] = set()
        for start in self.graph:
            if start in state:
                continue
            stack: list[tuple[Parts, _Edge | None, Iterator[_Edge]]] = [
                (start, None, iter(self.graph[start]))
            ]
            state[start] = 1
            while stack:
                node, _, edges = stack[-1]
                edge = next(edges, None)
                if edge is None:
                    state[node] = 2
                    stack.pop()
                    continue
                target_state = state.get(edge.target)
                if target_state is None:
                    state[edge.target] = 1
                    stack.append((edge.target, edge, iter(self.graph.get(edge.target, []))))
                elif target_state == 1:
                    at = next(i for i, frame in enumerate(stack) if frame[0] == edge.target)
                    path = [frame[1] for frame in stack[at + 1 :]]
                    members = frozenset(frame[0] for frame in stack[at:])
                    if members not in seen:
                        seen.add(members)
                        self._report_cycle([e for e in path if e is not None] + [edge])

    def _report_cycle(self, edges: list[_Edge]) -> None:
        # close at the last written reference (containment edges have no place of their own)
        last = max(i for i, e in enumerate(edges) if e.label is not None)
        rotated = edges[last + 1 :] + edges[: last + 1]
        closing = rotated[-1]
        labels = [closing.label] + [e.label for e in rotated if e.label is not None]
        self.diagnostics.append(
            self.source.diagnostic(
                "R002",
                "circular reference: " + " -> ".join(str(label) for label in labels),
                closing.parts,
                span=closing.span,
                hint="Clara cannot build a component that needs itself; remove one of these "
                "references",
            )
        )
