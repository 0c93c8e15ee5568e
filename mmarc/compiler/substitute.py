"""Variable substitution: ``{VAR}`` in MMAR string values, as Clara does it.

Clara fills ``{VAR}`` from the config's own top-level settings, then environment.json,
then ``--set KEY=VALUE`` (later wins). A string that is exactly ``"{VAR}"`` takes the
variable's typed value (``"disabled": "{dont_load_ckpt_model}"`` is a boolean); inside a
longer string it is text. Later stages (references, catalog checks, the plan) must see
the values Clara would see, yet still report problems at the line the user wrote, so
:func:`substitute` returns a *new* tree whose nodes keep the offsets of the original.

Every variable remembers where it was defined (:class:`Definition`) and every
substitution records the names it used (:attr:`Variables.used`), for diagnostics here and
for the unused-variable lint. A reference is ``{`` + identifier + ``}``: other braces
(JSON snippets, ``{}``, Python dict literals) are left alone.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from mmarc.compiler.expressions import expression_in, string_span
from mmarc.compiler.kinds import FileKind
from mmarc.compiler.source import (
    Entry,
    MappingNode,
    Node,
    PointerPart,
    ScalarNode,
    SequenceNode,
    SourceFile,
)
from mmarc.compiler.suggest import closest
from mmarc.diagnostics import Diagnostic, Severity

#: The ``file`` of diagnostics about ``--set`` overrides.
COMMAND_LINE = "<command line>"

_VAR = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
#: near-misses of ``{VAR}`` reported as X002 (only when the name is, or nearly is, defined)
_PADDED = re.compile(r"\{(\s*)([A-Za-z_][A-Za-z0-9_]*)(\s*)\}")
_UNCLOSED = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(?=[^A-Za-z0-9_}]|\Z)")
_UNOPENED = re.compile(r"(?<![{A-Za-z0-9_])([A-Za-z_][A-Za-z0-9_]*)\}")

#: Environment variables that hold paths (see :func:`is_path_variable` for the rest).
PATH_VARIABLES = frozenset(
    {
        "MMAR_CKPT_DIR",
        "MMAR_CKPT",
        "MMAR_TORCHSCRIPT",
        "MMAR_EVAL_OUTPUT_PATH",
        "DATA_ROOT",
        "DATASET_JSON",
    }
)
_PATH_SUFFIXES = ("_DIR", "_PATH", "_ROOT", "_JSON", "_FILE")

#: Top-level config keys that Clara's runtime reads itself (not through ``{VAR}``): an
#: unused-variable lint must not report them.
RUNTIME_SETTINGS = frozenset(
    {"CLARA_TRAIN_VERSION", "multi_gpu", "use_gpu", "tf32", "cudnn_benchmark", "determinism"}
)

#: Kinds whose top-level settings are variables; FL files only read environment and --set.
_CONFIG_KINDS = (FileKind.TRAIN, FileKind.VALIDATION)


class Origin(StrEnum):
    """Where a variable was defined; later origins override earlier ones."""

    CONFIG = "config"
    ENVIRONMENT = "environment"
    COMMAND_LINE = "command line"


@dataclass(frozen=True, slots=True, eq=False)
class Definition:
    """One definition of a variable: its (resolved) value and where it is written.

    ``source`` is None for ``--set``; ``parts`` is the JSON pointer of the key.
    """

    name: str
    value: object
    origin: Origin
    source: SourceFile | None
    parts: tuple[PointerPart, ...]

    @property
    def file(self) -> str:
        return self.source.display if self.source is not None else COMMAND_LINE

    def describe(self) -> str:
        """``environment.json line 4`` / ``--set`` for messages."""
        if self.source is None:
            return "--set"
        line, _ = self.source.line_col(self.source.span_of(self.parts, key=True)[0])
        return f"{self.source.display} line {line}"


@dataclass
class Variables:
    """Every variable visible to substitution, by layer, and which ones were used.

    A config's top-level settings are visible only in that config (keyed by its path);
    environment and ``--set`` values in every file.
    """

    config: dict[Path, dict[str, Definition]] = field(default_factory=dict)
    environment: dict[str, Definition] = field(default_factory=dict)
    overrides: dict[str, Definition] = field(default_factory=dict)
    #: problems found while collecting (undefined or circular references in environment.json)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    #: names substituted anywhere, over every call of :func:`substitute`
    used: set[str] = field(default_factory=set)
    #: names substituted per file (display path), environment.json's own references included
    used_by_file: dict[str, set[str]] = field(default_factory=dict)

    def scope(self, source: SourceFile | None) -> dict[str, Definition]:
        """The definitions ``source`` sees, each name mapped to the one that wins."""
        merged: dict[str, Definition] = {}
        if source is not None:
            merged.update(self.config.get(source.path, {}))
        merged.update(self.environment)
        merged.update(self.overrides)
        return merged

    def lookup(self, name: str, source: SourceFile | None = None) -> Definition | None:
        for layer in (self.overrides, self.environment):
            if name in layer:
                return layer[name]
        if source is not None:
            return self.config.get(source.path, {}).get(name)
        return None

    def definitions(self) -> list[Definition]:
        """Every definition, shadowed ones included, in layer order."""
        out = [d for layer in self.config.values() for d in layer.values()]
        out.extend(self.environment.values())
        out.extend(self.overrides.values())
        return out

    def shadowed(self, definition: Definition) -> Definition | None:
        """The definition that overrides ``definition`` in its own file, if any."""
        winner = self.lookup(definition.name, definition.source)
        return winner if winner is not None and winner is not definition else None

    def _mark_used(self, name: str, file: str) -> None:
        self.used.add(name)
        self.used_by_file.setdefault(file, set()).add(name)


# ---------------------------------------------------------------------------------------
# --set
# ---------------------------------------------------------------------------------------


def parse_set_overrides(items: Sequence[str]) -> tuple[dict[str, object], list[Diagnostic]]:
    """``--set KEY=VALUE`` items: VALUE is JSON when it parses (5, false, [1,2]), else text."""
    values: dict[str, object] = {}
    diagnostics: list[Diagnostic] = []

    def problem(message: str, hint: str, severity: Severity = Severity.ERROR) -> None:
        diagnostics.append(Diagnostic(severity, "X003", message, COMMAND_LINE, hint=hint))

    for item in items:
        key, sep, raw = item.partition("=")
        key = key.strip()
        if not sep:
            problem(
                f"--set {item!r} is not KEY=VALUE",
                f"write --set {key or 'KEY'}=VALUE, for example --set epochs=5",
            )
            continue
        if not key:
            problem(f"--set {item!r} has no KEY before '='", "write --set KEY=VALUE")
            continue
        if not _IDENT.match(key):
            problem(
                f"--set {item!r}: {key!r} is not a variable name",
                "variable names are letters, digits and underscores, as in {epochs}",
            )
            continue
        try:
            value: object = json.loads(raw)
        except ValueError:
            value = raw
        if key in values:
            problem(
                f"--set {key} is given more than once; the last value ({raw}) wins",
                f"pass --set {key}=... once",
                Severity.WARNING,
            )
        values[key] = value
    return values, diagnostics


# ---------------------------------------------------------------------------------------
# collecting
# ---------------------------------------------------------------------------------------


def collect_variables(
    config_roots: Sequence[SourceFile | tuple[SourceFile, FileKind]],
    environment: SourceFile | None,
    sets: Mapping[str, object],
) -> Variables:
    """All variables of one MMAR: configs' top-level settings < environment.json < --set.

    ``config_roots`` holds the loaded train/validation configs, each a :class:`SourceFile`
    or a tuple ``(SourceFile, FileKind)`` (a tuple whose kind is not a train or
    validation config is skipped: FL files only read environment and --set);
    ``sets`` is the output of :func:`parse_set_overrides`.
    Environment values that refer to other variables (``"{DATA_ROOT}/dataset.json"``) are
    resolved here, cycles and undefined names reported; config settings that refer to
    variables are resolved too, their problems left to :func:`substitute`.
    """
    variables = Variables()
    for name, value in sets.items():
        variables.overrides[name] = Definition(name, value, Origin.COMMAND_LINE, None, ())
    if environment is not None and isinstance(environment.root, MappingNode):
        raw = _layer(environment, environment.root, Origin.ENVIRONMENT)
        resolver = _Resolver(variables, environment, raw, variables.overrides, report=True)
        variables.environment = resolver.resolve_all()
    for item in config_roots:
        source, kind = (item, None) if isinstance(item, SourceFile) else item
        if kind is not None and kind not in _CONFIG_KINDS:
            continue
        if not isinstance(source.root, MappingNode):
            continue
        raw = _layer(source, source.root, Origin.CONFIG)
        outer = {**variables.environment, **variables.overrides}
        resolver = _Resolver(variables, source, raw, outer, report=False)
        variables.config[source.path] = resolver.resolve_all()
    return variables


def _layer(source: SourceFile, root: MappingNode, origin: Origin) -> dict[str, Definition]:
    """The top-level scalar (and list) settings of a file, as written."""
    out: dict[str, Definition] = {}
    for key, entry in root.entries.items():
        if isinstance(entry.value, ScalarNode | SequenceNode) and _IDENT.match(key):
            out[key] = Definition(key, entry.value.to_plain(), origin, source, (key,))
    return out


class _Resolver:
    """Resolves ``{VAR}`` inside one layer's own string values, detecting cycles.

    ``outer`` holds the layers above this one (--set for the environment; environment
    and --set for a config) and wins over the layer's own names, as in :meth:`Variables.scope`.
    """

    def __init__(
        self,
        variables: Variables,
        source: SourceFile,
        raw: dict[str, Definition],
        outer: dict[str, Definition],
        *,
        report: bool,
    ) -> None:
        self.variables = variables
        self.source = source
        self.raw = raw
        self.outer = outer
        self.report = report
        self.done: dict[str, Definition] = {}
        self.stack: list[str] = []

    def resolve_all(self) -> dict[str, Definition]:
        for name in self.raw:
            self._resolve(name)
        return self.done

    def _resolve(self, name: str) -> Definition:
        if name in self.done:
            return self.done[name]
        definition = self.raw[name]
        value = definition.value
        if isinstance(value, str) and "{" in value:
            self.stack.append(name)
            value = self._substitute(value, definition)
            self.stack.pop()
            definition = Definition(
                name, value, definition.origin, definition.source, definition.parts
            )
        self.done[name] = definition
        return definition

    def _substitute(self, value: str, definition: Definition) -> object:
        node = self.source.node_at(definition.parts)
        whole = _VAR.fullmatch(value)
        pieces: list[str] = []
        last = 0
        for m in _VAR.finditer(value):
            ref = m.group(1)
            found: object
            if ref in self.outer:
                found = self.outer[ref].value
            elif ref in self.stack:
                self._cycle(ref, node, value, m, definition)
                continue
            elif ref in self.raw:
                found = self._resolve(ref).value
            else:
                if self.report and node is not None:
                    names = [*self.outer, *self.raw]
                    self.variables.diagnostics.append(
                        _undefined(self.source, node, value, m, definition.parts, names)
                    )
                continue
            self.variables._mark_used(ref, self.source.display)
            if whole is not None:
                return found
            pieces.append(value[last : m.start()])
            pieces.append(str(found))
            last = m.end()
        pieces.append(value[last:])
        return "".join(pieces)

    def _cycle(
        self, ref: str, node: Node | None, value: str, m: re.Match[str], definition: Definition
    ) -> None:
        cycle = [*self.stack[self.stack.index(ref) :], ref]
        span = string_span(self.source.text, node, value, m.start(), m.end()) if node else None
        self.variables.diagnostics.append(
            self.source.diagnostic(
                "X002",
                "variables refer to each other in a circle: "
                + " -> ".join(f"{{{n}}}" for n in cycle),
                definition.parts,
                span=span,
                hint="give one of them a value that does not refer back",
            )
        )


# ---------------------------------------------------------------------------------------
# substituting
# ---------------------------------------------------------------------------------------


def substitute(source: SourceFile, variables: Variables) -> tuple[Node, list[Diagnostic]]:
    """A copy of ``source``'s tree with ``{VAR}`` filled in; offsets are the original ones.

    Keys are never substituted. The names used are added to ``variables.used``.
    """
    root = source.root
    if root is None:
        return ScalarNode(0, 0, None), []
    run = _Substitution(source, variables)
    return run.copy(root, ()), run.diagnostics


class _Substitution:
    def __init__(self, source: SourceFile, variables: Variables) -> None:
        self.source = source
        self.variables = variables
        self.scope = variables.scope(source)
        self.diagnostics: list[Diagnostic] = []
        #: inside a component whose "disabled" is true: Clara never builds it
        self.disabled = False

    def copy(self, node: Node, parts: tuple[PointerPart, ...]) -> Node:
        if isinstance(node, MappingNode):
            out = MappingNode(node.start, node.end)
            outer = self.disabled
            self.disabled = outer or self.is_disabled(node)
            for key, entry in node.entries.items():
                child = self.copy(entry.value, (*parts, key))
                out.entries[key] = Entry(entry.key_start, entry.key_end, child)
            self.disabled = outer
            return out
        if isinstance(node, SequenceNode):
            return SequenceNode(
                node.start,
                node.end,
                [self.copy(item, (*parts, i)) for i, item in enumerate(node.items)],
            )
        if isinstance(node, ScalarNode) and isinstance(node.value, str) and node.value:
            return self.string(node, parts)
        return ScalarNode(node.start, node.end, node.to_plain())

    def is_disabled(self, node: MappingNode) -> bool:
        """``"disabled": true``, or a ``{VAR}`` that is true (``{dont_load_ckpt_model}``)."""
        flag = node.get("disabled")
        if not isinstance(flag, ScalarNode):
            return False
        value = flag.value
        if isinstance(value, str):
            whole = _VAR.fullmatch(value)
            definition = self.scope.get(whole.group(1)) if whole else None
            value = definition.value if definition is not None else None
        return value is True

    def string(self, node: ScalarNode, parts: tuple[PointerPart, ...]) -> Node:
        value: str = node.value
        if "{" not in value and "}" not in value:
            return ScalarNode(node.start, node.end, value)
        code = expression_in(value) is not None
        self.near_misses(node, value, parts, code)
        whole = _VAR.fullmatch(value)
        pieces: list[str] = []
        last = 0
        for m in _VAR.finditer(value):
            definition = self.scope.get(m.group(1))
            if definition is None:
                self.diagnostics.append(
                    _undefined(
                        self.source, node, value, m, parts, list(self.scope), code, self.disabled
                    )
                )
                continue
            self.variables._mark_used(definition.name, self.source.display)
            if whole is not None:
                return _node_of(definition.value, node.start, node.end)
            pieces.append(value[last : m.start()])
            pieces.append(str(definition.value))
            last = m.end()
        pieces.append(value[last:])
        return ScalarNode(node.start, node.end, "".join(pieces))

    def near_misses(
        self, node: ScalarNode, value: str, parts: tuple[PointerPart, ...], code: bool
    ) -> None:
        """X002 for references that are almost ``{VAR}``; code strings keep their braces."""
        if code:
            return

        def report(start: int, end: int, message: str, hint: str, severity: Severity) -> None:
            span = string_span(self.source.text, node, value, start, end)
            self.diagnostics.append(
                self.source.diagnostic(
                    "X002", message, parts, span=span, hint=hint, severity=severity
                )
            )

        for m in _PADDED.finditer(value):
            if (m.group(1) or m.group(3)) and self._known(m.group(2)):
                report(
                    m.start(),
                    m.end(),
                    f"malformed variable reference {m.group()!r}: spaces inside the braces",
                    f"write {{{self._known(m.group(2))}}}",
                    Severity.ERROR,
                )
        for m in _UNCLOSED.finditer(value):
            if m.group(1) in self.scope:
                report(
                    m.start(),
                    m.end(),
                    f"malformed variable reference '{m.group()}': missing '}}'",
                    f"write {{{m.group(1)}}}",
                    Severity.ERROR,
                )
        for m in _UNOPENED.finditer(value):
            if m.group(1) in self.scope:
                report(
                    m.start(),
                    m.end(),
                    f"malformed variable reference '{m.group()}': missing '{{'",
                    f"write {{{m.group(1)}}}",
                    Severity.ERROR,
                )
        for m in _VAR.finditer(value):
            before = value[: m.start()]
            if before.endswith("$") and m.group(1) in self.scope:
                report(
                    m.start() - 1,
                    m.end(),
                    f"'${{{m.group(1)}}}' is shell syntax: the '$' stays in the value",
                    f"write {{{m.group(1)}}}",
                    Severity.WARNING,
                )
            elif before.endswith("{") and value[m.end() : m.end() + 1] == "}":
                report(
                    m.start() - 1,
                    m.end() + 1,
                    f"'{{{{{m.group(1)}}}}}': double braces keep one pair around the value",
                    f"write {{{m.group(1)}}}",
                    Severity.WARNING,
                )

    def _known(self, name: str) -> str | None:
        if name in self.scope:
            return name
        close = closest(name, list(self.scope))
        return close


def _node_of(value: object, start: int, end: int) -> Node:
    """A node for a typed value, every part at the offsets of the ``"{VAR}"`` it replaces."""
    if isinstance(value, list | tuple):
        return SequenceNode(start, end, [_node_of(v, start, end) for v in value])
    if isinstance(value, dict):
        mapping = MappingNode(start, end)
        for k, v in value.items():
            mapping.entries[str(k)] = Entry(start, end, _node_of(v, start, end))
        return mapping
    return ScalarNode(start, end, value)


def _undefined(
    source: SourceFile,
    node: Node,
    value: str,
    match: re.Match[str],
    parts: tuple[PointerPart, ...],
    candidates: list[str],
    code: bool = False,
    disabled: bool = False,
) -> Diagnostic:
    name = match.group(1)
    span = string_span(source.text, node, value, match.start(), match.end())
    close = closest(name, candidates)
    where = "the config's top-level settings, environment.json and --set"
    if close is not None:
        hint = f"did you mean {{{close}}}? Variables come from {where}"
    else:
        hint = (
            f"define {name} at the top level of the config or in environment.json, "
            f"or pass --set {name}=VALUE"
        )
    severity = Severity.ERROR
    message = f"undefined variable {{{name}}}"
    if code:
        # inside Python code, {name} may be a set literal: say so instead of failing
        severity = Severity.WARNING
        message += " (if this is a Python set literal, ignore this warning)"
    if disabled:
        # Clara skips a disabled component before filling in its variables
        severity = Severity.INFO
        message += " in a disabled component (not built, so not needed while it stays disabled)"
    return source.diagnostic("X001", message, parts, span=span, hint=hint, severity=severity)


# ---------------------------------------------------------------------------------------
# paths
# ---------------------------------------------------------------------------------------


def is_path_variable(name: str) -> bool:
    """Whether an environment variable holds a path (by name: MMAR_CKPT, *_DIR, ...)."""
    return name in PATH_VARIABLES or name.upper().endswith(_PATH_SUFFIXES)


def mmar_path(value: str, mmar_root: Path) -> Path:
    """Where a path written in an MMAR points: relative paths are relative to the MMAR root."""
    path = Path(value)
    return path if path.is_absolute() else mmar_root / path


def has_unresolved_variable(value: str) -> bool:
    """Whether ``value`` still holds a ``{VAR}`` (substitution reported it as X001)."""
    return _VAR.search(value) is not None
