"""Stage 5 of the compiler: every component checked against the catalog (C001-C009).

Why a separate stage: names and arguments are where Clara 4.x MMARs break under today's
MONAI (``UNet(dimensions=3)`` is a ``TypeError`` since MONAI 1.0, ``AsDiscreted(to_onehot=
True)`` a ``ValueError``), and they only break deep inside a training run. This stage finds
them from the shipped catalog (:mod:`mmarc.catalog`), without importing torch or MONAI:

- C001 unknown component (did-you-mean); C006 a class MONAI renamed or removed;
- C002 unknown argument (did-you-mean); C005 an argument MONAI renamed, removed or
  re-typed (from :mod:`mmarc.catalog.renames` and the catalog's deprecations);
- C003 a required argument missing, except those Clara supplied itself
  (:data:`IMPLICIT_ARGUMENTS`, the one list the executor also reads);
- C004 a literal value that its annotation rules out (only simple, known annotations);
- C007 a class that cannot be checked; C008 which of several same-named classes was
  taken, when the config's arguments say it matters; C009 which MONAI the MMAR was
  written for versus the catalog's.

Classes in the MMAR's ``custom/`` folder are read with :mod:`ast`
(:mod:`mmarc.compiler.custom_code`). Federated-learning components (aggregators,
filters...) are :mod:`mmarc.compiler.fl_components`' business; MONAI components nested in
them (``model_persistor.args.model``) are checked here.

The tree is the substituted one: a ``"{epochs}"`` already holds the variable's typed
value and the original offsets, so a wrong type is reported where the variable is used.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mmarc.catalog import Catalog, ComponentEntry, DeprecatedArg, Param, ParamKind
from mmarc.catalog.renames import ChangeKind, Rename, argument_changes, component_change
from mmarc.compiler.component_sites import (
    COMPONENT_ATTRIBUTES,
    COMPONENT_KINDS,
    DATASET_ATTRIBUTES,
    TRAIN_SECTIONS,
    ComponentSite,
    is_component,
    iter_components,
    sections,
)
from mmarc.compiler.custom_code import CustomLookup, custom_classes, lookup_custom
from mmarc.compiler.fl_components import FL_KINDS, handled_by_fl
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
from mmarc.compiler.versions import VERSION_KEY, ClaraVersion
from mmarc.diagnostics import Diagnostic, Severity

Parts = tuple[PointerPart, ...]

# ---------------------------------------------------------------------------------------
# what Clara supplied itself
# ---------------------------------------------------------------------------------------

#: Clara versions whose configs wire components implicitly (no ``@`` references).
#: A file whose version is unknown is treated like 4.0: leniency beats false errors.
IMPLICIT_WIRING_VERSIONS = frozenset({ClaraVersion.V40, ClaraVersion.V40_EA, ClaraVersion.UNKNOWN})


@dataclass(frozen=True, slots=True)
class ImplicitArgument:
    """A constructor argument a config may leave out because Clara supplied it.

    ``slots``: the slots of the components that receive it (``dataset``...);
    ``classes``: the only classes it applies to (empty: any class in those slots).
    ``value`` is the explicit Clara 4.1 form (``"@pre_transforms"``, ``"{amp}"``), which
    ``mmarc migrate`` writes in and the executor builds for 4.0 configs; None when the
    runtime supplies an object no config can write (the device, the datalist's records).
    ``needs`` is the slot or variable that must exist for the wiring to apply.
    ``runtime`` True: supplied for every Clara version (the executor always injects it);
    False: only Clara 4.0 wired it (:data:`IMPLICIT_WIRING_VERSIONS`).
    ``when_attribute``: applies only to components carrying that key
    (``data_list_file_path``). ``any_section``: ``needs`` may come from the other section
    of a config_train.json (validate's evaluator uses train's ``model``; train's
    ValidationHandler runs validate's ``evaluator``); otherwise only from its own.
    """

    slots: frozenset[str]
    argument: str
    value: str | None
    needs: str | None
    runtime: bool
    why: str
    classes: frozenset[str] = frozenset()
    when_attribute: str | None = None
    any_section: bool = False

    def applies_to(self, slot: str, class_name: str | None) -> bool:
        return slot in self.slots and (not self.classes or class_name in self.classes)


_TRAINER = frozenset({"trainer"})
_EVALUATOR = frozenset({"evaluator"})
_TRAINERS = frozenset({"SupervisedTrainer"})
_EVALUATORS = frozenset({"SupervisedEvaluator"})


def _wired(
    slots: frozenset[str], argument: str, value: str, classes: frozenset[str] = frozenset()
) -> ImplicitArgument:
    needs = value.strip("{}#@").split(".")[0] if value[0] in "@#{" else None
    return ImplicitArgument(
        slots,
        argument,
        value,
        needs,
        False,
        f"Clara 4.0 passed {value} as {argument}",
        classes,
        any_section=needs in _SHARED_SLOTS,
    )


#: Slots a component of either section of a config_train.json may use.
_SHARED_SLOTS = frozenset({"model", "evaluator", "optimizer", "lr_scheduler"})


#: THE list of constructor arguments a Clara MMAR may omit, in the order a 4.1 config
#: writes them. The component checker does not report them missing; ``mmarc migrate``
#: writes the Clara 4.0 ones in explicitly; the executor injects the ``runtime`` ones
#: always, and the others (as their ``value``) when it builds a 4.0 config as is.
IMPLICIT_ARGUMENTS: tuple[ImplicitArgument, ...] = (
    # -- supplied by the runtime, every version ---------------------------------------
    ImplicitArgument(
        _TRAINER | _EVALUATOR | frozenset({"validator"}),
        "device",
        None,
        None,
        True,
        "the runtime passes the device it trains on (and moves the network there)",
        _TRAINERS | _EVALUATORS,
    ),
    ImplicitArgument(
        frozenset({"dataset"}),
        "data",
        None,
        None,
        True,
        "the runtime reads the records from data_list_file_path",
        when_attribute="data_list_file_path",
    ),
    # -- wired implicitly by Clara 4.0 ---------------------------------------------------
    _wired(frozenset({"dataset"}), "transform", "@pre_transforms"),
    _wired(frozenset({"dataloader"}), "dataset", "@dataset"),
    _wired(frozenset({"optimizer"}), "params", "#@model.parameters()"),
    _wired(frozenset({"lr_scheduler"}), "optimizer", "@optimizer"),
    _wired(
        frozenset({"handlers"}), "lr_scheduler", "@lr_scheduler", frozenset({"LrScheduleHandler"})
    ),
    _wired(frozenset({"handlers"}), "validator", "@evaluator", frozenset({"ValidationHandler"})),
    _wired(_TRAINER, "train_data_loader", "@dataloader", _TRAINERS),
    _wired(_TRAINER, "network", "@model", _TRAINERS),
    _wired(_TRAINER, "loss_function", "@loss", _TRAINERS),
    _wired(_TRAINER, "optimizer", "@optimizer", _TRAINERS),
    _wired(_TRAINER, "inferer", "@inferer", _TRAINERS),
    _wired(_TRAINER, "postprocessing", "@post_transforms", _TRAINERS),
    _wired(_TRAINER, "key_train_metric", "@key_metric", _TRAINERS),
    _wired(_TRAINER, "additional_metrics", "@additional_metrics", _TRAINERS),
    _wired(_TRAINER, "train_handlers", "@handlers", _TRAINERS),
    _wired(_TRAINER, "amp", "{amp}", _TRAINERS),
    _wired(_EVALUATOR, "val_data_loader", "@dataloader", _EVALUATORS),
    _wired(_EVALUATOR, "network", "@model", _EVALUATORS),
    _wired(_EVALUATOR, "inferer", "@inferer", _EVALUATORS),
    _wired(_EVALUATOR, "postprocessing", "@post_transforms", _EVALUATORS),
    _wired(_EVALUATOR, "key_val_metric", "@key_metric", _EVALUATORS),
    _wired(_EVALUATOR, "additional_metrics", "@additional_metrics", _EVALUATORS),
    _wired(_EVALUATOR, "val_handlers", "@handlers", _EVALUATORS),
    _wired(_EVALUATOR, "amp", "{amp}", _EVALUATORS),
)

#: Clara 4.0 named components in these arguments by slot name (``"save_dict": ["model",
#: "optimizer"]``); 4.1 and MONAI take ``{"model": "@model", ...}``.
CLARA40_NAME_LISTS: frozenset[tuple[str, str]] = frozenset(
    {("CheckpointLoader", "load_dict"), ("CheckpointSaver", "save_dict")}
)

#: The 4.0 ``metrics`` list, which 4.1 splits into ``key_metric`` + ``additional_metrics``.
CLARA40_METRICS_SLOT = "metrics"


def implicit_arguments(
    slot: str, class_name: str | None, clara_version: ClaraVersion
) -> list[ImplicitArgument]:
    """The entries of :data:`IMPLICIT_ARGUMENTS` for a component, for a Clara version."""
    clara40 = clara_version in IMPLICIT_WIRING_VERSIONS
    return [
        a for a in IMPLICIT_ARGUMENTS if a.applies_to(slot, class_name) and (a.runtime or clara40)
    ]


def section_slots(kind: FileKind, root: Node | None) -> dict[str | None, set[str]]:
    """The slots each section offers to ``@`` references, as Clara 4.1 sees them.

    A 4.0 ``metrics`` list counts as the ``key_metric`` (and ``additional_metrics`` when it
    has more than one entry) that Clara 4.0 made of it.
    """
    out: dict[str | None, set[str]] = {}
    for name, section in sections(kind, root):
        slots = set(section.entries)
        metrics = section.get(CLARA40_METRICS_SLOT)
        if isinstance(metrics, SequenceNode) and metrics.items:
            slots.add("key_metric")
            if len(metrics.items) > 1:
                slots.add("additional_metrics")
        out[name] = slots
    return out


def implicit_wiring(
    kind: FileKind,
    site: ComponentSite,
    slots: Mapping[str | None, Collection[str]],
    variables: Collection[str],
) -> dict[str, str]:
    """What Clara 4.0 passed to ``site`` that its ``args`` leave out: argument -> the 4.1
    value (``"@dataloader"``, ``"{amp}"``), in :data:`IMPLICIT_ARGUMENTS` order.

    ``slots`` is :func:`section_slots` (or a caller's version of it); ``variables`` the
    names ``{VAR}`` can use (top-level settings, environment.json). An argument whose
    source is missing (no ``inferer`` slot, no ``amp`` variable) is left out.
    """
    args = site.args
    present = set(args.entries) if args is not None else set()
    if kind is FileKind.TRAIN:
        shared = [site.section, *(s for s in TRAIN_SECTIONS if s != site.section)]
    else:
        shared = [site.section]
    out: dict[str, str] = {}
    for implicit in IMPLICIT_ARGUMENTS:
        value = implicit.value
        if implicit.runtime or value is None or implicit.argument in present:
            continue
        if not implicit.applies_to(site.slot, site.class_name):
            continue
        if value.startswith("{"):
            if value.strip("{}") not in variables:
                continue
        elif implicit.needs is not None:
            order = shared if implicit.any_section else [site.section]
            if not any(implicit.needs in slots.get(s, ()) for s in order):
                continue
        out[implicit.argument] = value
    return out


#: The MONAI release each Clara Train version shipped with (C009).
CLARA_MONAI: dict[ClaraVersion, str] = {
    ClaraVersion.V40_EA: "0.4",
    ClaraVersion.V40: "0.5",
    ClaraVersion.V41: "0.8",
}

# ---------------------------------------------------------------------------------------
# annotations
# ---------------------------------------------------------------------------------------

_VAR = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")
_LAMBDA = re.compile(r"\s*lambda[\s:]")
_ANNOTATION_TOKEN = re.compile(
    r"\s*(?:(?P<name>[A-Za-z_][\w.]*)|(?P<str>'[^']*'|\"[^\"]*\")|(?P<num>-?\d+(?:\.\d+)?)"
    r"|(?P<ellipsis>\.\.\.)|(?P<punct>[\[\],|]))"
)
_PREFIXES = ("typing.", "collections.abc.", "builtins.", "typing_extensions.")
_SEQUENCES = frozenset(
    {"list", "List", "Sequence", "MutableSequence", "Collection", "Iterable", "tuple", "Tuple"}
)
_MAPPINGS = frozenset({"dict", "Dict", "Mapping", "MutableMapping"})
_STRINGY = frozenset({"Path", "pathlib.Path", "PathLike", "os.PathLike"})
_ANY = frozenset({"Any", "object"})

# parsed annotation: ("name", name, args) | ("lit", value) | ("list", items)
Ann = tuple[Any, ...]


def _parse_annotation(text: str) -> Ann | None:
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        m = _ANNOTATION_TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            if text[pos:].strip() == "":
                break
            return None
        pos = m.end()
        kind = m.lastgroup
        assert kind is not None
        tokens.append((kind, m.group(kind)))
    parser = _AnnParser(tokens)
    try:
        tree = parser.union()
    except (IndexError, ValueError):
        return None
    return tree if parser.pos == len(tokens) else None


class _AnnParser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, value: str) -> bool:
        tok = self.peek()
        if tok is not None and tok[1] == value:
            self.pos += 1
            return True
        return False

    def union(self) -> Ann:
        members = [self.term()]
        while self.take("|"):
            members.append(self.term())
        return members[0] if len(members) == 1 else ("name", "Union", members)

    def term(self) -> Ann:
        kind, value = self.tokens[self.pos]
        self.pos += 1
        if kind == "str":
            return ("lit", value[1:-1])
        if kind == "num":
            return ("lit", float(value) if "." in value else int(value))
        if kind == "ellipsis":
            return ("lit", ...)
        if value == "[":
            items = self.items("]")
            return ("list", items)
        if kind != "name":
            raise ValueError(value)
        name = value
        for prefix in _PREFIXES:
            if name.startswith(prefix):
                name = name[len(prefix) :]
        if name in ("None", "NoneType"):
            return ("lit", None)
        if name in ("True", "False"):
            return ("lit", name == "True")
        args: list[Ann] = []
        if self.take("["):
            args = self.items("]")
        return ("name", name, args)

    def items(self, close: str) -> list[Ann]:
        items: list[Ann] = []
        if self.take(close):
            return items
        while True:
            items.append(self.union())
            if self.take(close):
                return items
            if not self.take(","):
                raise ValueError("expected ,")


def _dynamic(node: Node) -> bool:
    """Values only known when the config runs: references, code, unresolved variables."""
    if isinstance(node, ScalarNode) and isinstance(node.value, str):
        v = node.value
        return v[:1] in ("@", "#") or bool(_LAMBDA.match(v)) or bool(_VAR.search(v))
    return is_component(node)


def _accepts(ann: Ann, node: Node) -> bool | None:
    """Whether ``node`` fits ``ann``: True, False, or None when it cannot be told."""
    if _dynamic(node):
        return True
    tag = ann[0]
    if tag == "lit":
        if isinstance(node, ScalarNode):
            lit = ann[1]
            if lit is ...:
                return None
            v = node.value
            return v == lit and type(v) is type(lit)
        return False
    if tag == "list":
        return None
    _, name, args = ann
    if name == "Union" or name == "Optional":
        results = [_accepts(a, node) for a in args]
        if name == "Optional":
            results.append(isinstance(node, ScalarNode) and node.value is None)
        if any(r is True for r in results):
            return True
        return None if any(r is None for r in results) else False
    if name == "Literal":
        if not isinstance(node, ScalarNode):
            return False
        return any(
            a[0] == "lit" and node.value == a[1] and type(node.value) is type(a[1]) for a in args
        )
    if name in _ANY:
        return True
    if isinstance(node, ScalarNode):
        return _scalar_accepts(name, args, node)
    if isinstance(node, SequenceNode):
        return _sequence_accepts(name, args, node)
    if isinstance(node, MappingNode):
        if name in _MAPPINGS:
            if len(args) == 2:
                return _all([_accepts(args[1], e.value) for e in node.entries.values()])
            return True
        return False if name in _KNOWN_SCALARS or name in _SEQUENCES else None
    return None


_KNOWN_SCALARS = frozenset({"int", "float", "bool", "str", "complex", "Hashable"} | _STRINGY)


def _scalar_accepts(name: str, args: list[Ann], node: ScalarNode) -> bool | None:
    v = node.value
    if name == "int":
        return isinstance(v, int) and not isinstance(v, bool)
    if name in ("float", "complex"):
        return isinstance(v, int | float) and not isinstance(v, bool)
    if name == "bool":
        return isinstance(v, bool)
    if name == "str" or name in _STRINGY:
        return isinstance(v, str)
    if name == "Hashable":
        return True
    if name == "KeysCollection":
        return v is not None
    if name == "SequenceStr":
        return isinstance(v, str)
    if name in _SEQUENCES:
        if not isinstance(v, str) or name in ("list", "List", "tuple", "Tuple"):
            return False
        if not args:
            return True
        return _accepts(args[0], node)  # a str is a sequence of str
    if name in _MAPPINGS:
        return False
    return None


def _sequence_accepts(name: str, args: list[Ann], node: SequenceNode) -> bool | None:
    if name in _KNOWN_SCALARS:
        return False
    if name == "KeysCollection":
        return _all([_accepts(("name", "Hashable", []), item) for item in node.items])
    if name == "SequenceStr":
        return _all([_accepts(("name", "str", []), item) for item in node.items])
    if name in _MAPPINGS:
        return False
    if name not in _SEQUENCES:
        return None
    if not args:
        return True
    variadic = name in ("tuple", "Tuple") and (
        len(args) == 1 or (len(args) == 2 and args[1] == ("lit", ...))
    )
    if name in ("tuple", "Tuple") and not variadic:
        if len(args) != len(node.items):
            return None  # a length the annotation does not allow: not ours to guess
        return _all([_accepts(a, item) for a, item in zip(args, node.items, strict=True)])
    return _all([_accepts(args[0], item) for item in node.items])


def _all(results: Iterable[bool | None]) -> bool | None:
    out: bool | None = True
    for r in results:
        if r is False:
            return False
        if r is None:
            out = None
    return out


def value_fits(annotation: str, node: Node, default_is_none: bool = False) -> bool | None:
    """Whether a config value fits a parameter annotation as the catalog records it.

    True/False when the annotation is made only of names this module knows (int, float,
    bool, str, None, sequences, mappings, Literal, Optional/Union, MONAI's
    ``KeysCollection``/``SequenceStr``); None (do not report) otherwise. An int fits a
    float; a bool fits neither; null fits a parameter whose default is None.
    """
    if default_is_none and isinstance(node, ScalarNode) and node.value is None:
        return True
    ann = _parse_annotation(annotation)
    if ann is None:
        return None
    return _accepts(ann, node)


# ---------------------------------------------------------------------------------------
# the stage
# ---------------------------------------------------------------------------------------


def check_components(
    source: SourceFile,
    kind: FileKind,
    tree: Node,
    catalog: Catalog,
    clara_version: ClaraVersion,
    mmar_root: Path,
) -> list[Diagnostic]:
    """C001-C009 for every component of one substituted file (FL ones excepted)."""
    if kind not in COMPONENT_KINDS or clara_version is ClaraVersion.V3X:
        return []
    checker = _Checker(source, kind, tree, catalog, clara_version, mmar_root)
    for site in iter_components(kind, tree):
        checker.site(site)
    checker.version_note()
    return checker.diagnostics


@dataclass(frozen=True, slots=True)
class _Verdict:
    """How a config's args fit one candidate class (for C008)."""

    unknown: tuple[str, ...]
    missing: tuple[str, ...]

    @property
    def fits(self) -> bool:
        return not self.unknown and not self.missing


class _Checker:
    def __init__(
        self,
        source: SourceFile,
        kind: FileKind,
        tree: Node,
        catalog: Catalog,
        clara_version: ClaraVersion,
        mmar_root: Path,
    ) -> None:
        self.source = source
        self.kind = kind
        self.tree = tree
        self.catalog = catalog
        self.clara_version = clara_version
        self.mmar_root = mmar_root
        self.diagnostics: list[Diagnostic] = []
        self.checked = 0
        self._custom_names: dict[str, str] | None = None

    # -- helpers -------------------------------------------------------------------------
    def add(
        self,
        code: str,
        message: str,
        parts: Parts,
        *,
        severity: Severity = Severity.ERROR,
        hint: str | None = None,
        key: bool = False,
        span: tuple[int, int] | None = None,
        site: ComponentSite | None = None,
    ) -> None:
        if site is not None and severity is Severity.ERROR and self._literally_disabled(site):
            severity = Severity.WARNING
            message += " (the component is disabled)"
        self.diagnostics.append(
            self.source.diagnostic(
                code, message, parts, severity=severity, hint=hint, key=key, span=span
            )
        )

    def _literally_disabled(self, site: ComponentSite) -> bool:
        """``"disabled": true`` as written (not via a variable, which --set may flip)."""
        original = self.source.node_at((*site.parts, "disabled"))
        return isinstance(original, ScalarNode) and original.value is True

    def _name_parts(self, site: ComponentSite) -> tuple[Parts, tuple[int, int] | None]:
        """Where to point at a component's class: its ``name`` (class part) or ``path``."""
        for key in ("name", "path"):
            node = site.node.get(key)
            if isinstance(node, ScalarNode) and isinstance(node.value, str):
                span = None
                text = node.value
                if key == "name" and "#" in text and self._is_plain_string(node, text):
                    span = (node.start + 1, node.start + 1 + text.index("#"))
                return (*site.parts, key), span
        return site.parts, None

    def _is_plain_string(self, node: ScalarNode, value: str) -> bool:
        raw = self.source.text[node.start : node.end]
        return raw == f'"{value}"'

    @property
    def custom_names(self) -> dict[str, str]:
        if self._custom_names is None:
            self._custom_names = custom_classes(self.mmar_root)
        return self._custom_names

    # -- one component -------------------------------------------------------------------
    def site(self, site: ComponentSite) -> None:
        if site.declared_name is None and site.path is None:
            return  # {"ref": X}: the reference stage checks it
        if self.kind in FL_KINDS and handled_by_fl(site):
            return
        self.checked += 1
        entry = self.resolve(site)
        if entry is None:
            return
        self.check_args(site, entry)

    def resolve(self, site: ComponentSite) -> ComponentEntry | None:
        """The class a component names (reporting C001/C006/C007/C008), or None."""
        class_name = site.class_name or ""
        parts, span = self._name_parts(site)
        path = site.path if site.declared_name is None else None
        if path is not None:
            entry = self.catalog.by_path(path.strip())
            if entry is not None:
                self.deprecated_class(site, entry, parts, span)
                return entry
            return self.resolve_path(site, path.strip(), parts)
        name = class_name
        if "." in name:  # a dotted "name": Clara looked it up as a path
            return self.resolve_path(site, name, parts)
        change = component_change(name)
        resolution = self.catalog.lookup(name, site.slot)
        if change is not None:
            self.renamed_class(site, change, parts, span, resolution.entry is not None)
            if resolution.entry is None:
                return None
        entry = resolution.entry
        if entry is None:
            self.unknown_class(site, name, parts, span)
            return None
        self.category_mismatch(site, entry, resolution.why, parts, span)
        if resolution.ambiguous:
            self.ambiguity(site, entry, resolution.alternatives, parts, span)
        if change is None:
            self.deprecated_class(site, entry, parts, span)
        return entry

    def resolve_path(self, site: ComponentSite, path: str, parts: Parts) -> ComponentEntry | None:
        short = path.rsplit(".", 1)[-1]
        change = component_change(short)
        if change is not None and self.catalog.lookup(short).entry is None:
            self.renamed_class(site, change, parts, None, False)
            return None
        found = lookup_custom(self.mmar_root, path, self._external)
        if found.status == "found":
            return self.custom_entry(site, found, parts)
        if found.status == "no_class":
            close = closest(short, list(found.candidates), cutoff=0.6)
            where = _rel(found.file, self.mmar_root)
            hint = f'did you mean "{path.rsplit(".", 1)[0]}.{close}"?' if close else None
            if hint is None and found.candidates:
                hint = f"{where} defines " + ", ".join(found.candidates)
            self.add(
                "C001",
                f'{where} has no class "{short}"',
                parts,
                hint=hint or f"define class {short} in {where}",
                site=site,
            )
            return None
        if found.status == "unreadable":
            self.add(
                "C007",
                f"cannot read {_rel(found.file, self.mmar_root)} to check {path}: {found.reason}",
                parts,
                severity=Severity.WARNING,
                hint="fix the file; mmarc reads custom code without running it",
            )
            return None
        root = path.split(".", 1)[0]
        skipped = next((m for m in self.catalog.skipped if path.startswith(m.module + ".")), None)
        if skipped is not None:
            self.add(
                "C007",
                f'"{path}" cannot be checked: the catalog was built without {skipped.module} '
                f"({skipped.reason})",
                parts,
                severity=Severity.WARNING,
                hint="rebuild the catalog (`mmarc catalog build`) where that module imports",
            )
            return None
        if root in ("monai", "torch", "ignite"):
            resolution = self.catalog.lookup(path)
            suggestions = [e.path for e in resolution.alternatives][:3]
            hint = (
                "did you mean " + " or ".join(f'"{s}"' for s in suggestions) + "?"
                if suggestions
                else _suggest_hint(self.catalog.suggest(short))
            )
            self.add(
                "C001",
                f'unknown component "{path}": the installed {root} has no such class',
                parts,
                hint=hint,
                site=site,
            )
            return None
        self.add(
            "C007",
            f'"{path}" is not a catalogued class and not in the MMAR\'s custom/ folder, '
            "so its arguments cannot be checked",
            parts,
            severity=Severity.WARNING,
            hint=f"put the module in {CUSTOM_HINT} or make sure the package is installed where "
            "the MMAR runs",
        )
        return None

    def _external(self, dotted: str) -> tuple[tuple[Param, ...], bool] | None:
        entry = self.catalog.by_path(dotted)
        if entry is None:
            return None
        params = (*entry.params, *entry.forwarded_params)
        return tuple(p for p in params if not p.is_variadic), entry.accepts_any_keyword

    def custom_entry(
        self, site: ComponentSite, found: CustomLookup, parts: Parts
    ) -> ComponentEntry | None:
        signature = found.signature
        assert signature is not None
        params = list(signature.params)
        if signature.open_kwargs:
            params.append(Param("kwargs", ParamKind.VAR_KEYWORD, False))
            known = {p.name for p in signature.params}
            args = site.args
            unknown = [k for k in (args.entries if args is not None else {}) if k not in known]
            if unknown:
                self.add(
                    "C007",
                    f"cannot check {', '.join(repr(k) for k in unknown)} of custom class "
                    f"{found.dotted}: {signature.open_reason}",
                    parts,
                    severity=Severity.WARNING,
                    hint="mmarc checks the custom arguments it can see in the source; these "
                    "go through **kwargs",
                )
        name = found.dotted.rsplit(".", 1)[-1]
        return ComponentEntry((name,), found.dotted, "custom", tuple(params))

    # -- class-level reports -----------------------------------------------------------------
    def unknown_class(self, site: ComponentSite, name: str, parts: Parts, span: Any) -> None:
        custom = self.custom_names.get(name)
        if custom is not None:
            self.add(
                "C001",
                f'"{name}" is not a MONAI/torch class; the MMAR\'s custom/ folder defines it',
                parts,
                span=span,
                hint=f'write "path": "{custom}" instead of "name" for a custom class',
                site=site,
            )
            return
        self.add(
            "C001",
            f'unknown component "{name}"',
            parts,
            span=span,
            hint=_suggest_hint(self.catalog.suggest(name))
            or "no MONAI, torch or ignite class has this name; a class of the MMAR's own "
            'goes in custom/ and is named with "path": "module.Class"',
            site=site,
        )

    def renamed_class(
        self, site: ComponentSite, change: Rename, parts: Parts, span: Any, still_there: bool
    ) -> None:
        when = _when(change)
        old = change.component
        if change.new_component:
            message = f'"{old}" was replaced by "{change.new_component}" {when}'
        else:
            message = f'"{old}" was removed {when}'
        severity = Severity.WARNING if still_there else Severity.ERROR
        if still_there:
            message += " (the installed MONAI still has it, deprecated)"
        self.add("C006", message, parts, span=span, hint=change.fix, severity=severity, site=site)

    def deprecated_class(
        self, site: ComponentSite, entry: ComponentEntry, parts: Parts, span: Any
    ) -> None:
        dep = entry.deprecation
        if dep is None:
            return
        severity = Severity.ERROR if dep.raises else Severity.WARNING
        since = f" since MONAI {dep.since}" if dep.since else ""
        removed = f", removed in {dep.removed}" if dep.removed else ""
        self.add(
            "C006",
            f"{entry.name} is deprecated{since}{removed}: {dep.message}",
            parts,
            span=span,
            severity=severity,
            site=site,
        )

    def category_mismatch(
        self, site: ComponentSite, entry: ComponentEntry, why: str, parts: Parts, span: Any
    ) -> None:
        if site.nested or "(none of the candidates is a" not in why:
            return
        wanted = why.rsplit("(none of the candidates is a ", 1)[1].split(")")[0]
        self.add(
            "C001",
            f'"{entry.name}" is {_article(entry.category)} {entry.category} ({entry.path}), '
            f'but "{site.slot}" holds {_article(wanted)} {wanted}',
            parts,
            span=span,
            severity=Severity.WARNING,
            hint=_slot_hint(site.slot, entry, self.catalog),
            site=site,
        )

    def ambiguity(
        self,
        site: ComponentSite,
        entry: ComponentEntry,
        alternatives: Sequence[ComponentEntry],
        parts: Parts,
        span: Any,
    ) -> None:
        """C008 when precedence picked a class the args do not fit but another one does."""
        chosen = self.verdict(site, entry)
        if chosen.fits:
            return
        for alt in alternatives:
            if alt.category != entry.category or not self.verdict(site, alt).fits:
                continue
            problem = (
                f"unknown {', '.join(chosen.unknown)}"
                if chosen.unknown
                else f"missing {', '.join(chosen.missing)}"
            )
            self.add(
                "C008",
                f'"{site.class_name}" is ambiguous: mmarc took {entry.path} (module precedence),'
                f" whose arguments do not fit ({problem}); {alt.path} accepts them",
                parts,
                span=span,
                severity=Severity.WARNING,
                hint=f'write "path": "{alt.path}" to build that one',
            )
            return

    def verdict(self, site: ComponentSite, entry: ComponentEntry) -> _Verdict:
        args = site.args
        given = set(args.entries) if args is not None else set()
        unknown = tuple(
            k
            for k in sorted(given)
            if entry.accepted_param(k) is None
            and not entry.accepts_any_keyword
            and entry.deprecated_arg(k) is None
        )
        missing = tuple(p.name for p in self.missing_required(site, entry, given))
        return _Verdict(unknown, missing)

    # -- arguments -----------------------------------------------------------------------------
    def check_args(self, site: ComponentSite, entry: ComponentEntry) -> None:
        if not entry.signature_known:
            return
        args = site.args
        base: Parts = (*site.parts, "args")
        provided: set[str] = set()
        changes = {c.argument: c for c in _changes_for(site, entry)}
        for key, item in (args.entries if args is not None else {}).items():
            provided.add(key)
            parts = (*base, key)
            param = entry.accepted_param(key)
            change = changes.get(key)
            if (
                change is not None
                and change.kind is ChangeKind.VALUE_CHANGED
                and param is not None
                and _holds(item.value, change.old_value)
            ):
                self.add(
                    "C005",
                    f"{key}: {_json(change.old_value)} no longer works {_when(change)}: "
                    f"{key} now takes {change.new_value}",
                    parts,
                    hint=change.fix,
                    site=site,
                )
                continue
            deprecated = entry.deprecated_arg(key)
            if deprecated is not None:
                if deprecated.new_name:
                    provided.add(deprecated.new_name)
                self.deprecated_argument(site, entry, key, deprecated, parts)
                if param is None:
                    continue
            if param is not None:
                self.check_value(site, entry, param, item.value, parts)
                continue
            if change is not None and change.kind in (
                ChangeKind.ARGUMENT_RENAMED,
                ChangeKind.ARGUMENT_REMOVED,
            ):
                if change.new_argument:
                    provided.add(change.new_argument)
                self.changed_argument(site, entry, key, change, parts)
                continue
            if entry.accepts_any_keyword:
                continue
            self.unknown_argument(site, entry, key, parts)
        for param in self.missing_required(site, entry, provided):
            self.missing(site, entry, param)
        self.default_changes(site, entry, provided)

    def deprecated_argument(
        self,
        site: ComponentSite,
        entry: ComponentEntry,
        key: str,
        deprecated: DeprecatedArg,
        parts: Parts,
    ) -> None:
        dep = deprecated.deprecation
        targets = [d.new_name for d in entry.deprecated_args if d.name == key and d.new_name]
        since = f" since MONAI {dep.since}" if dep.since else ""
        severity = Severity.ERROR if dep.raises else Severity.WARNING
        if len(targets) > 1:
            # MONAI renames the old name once per decorator: the value lands in one of the
            # new arguments, typed for another (VNet dropout_prob fails for every value)
            to = "; MONAI maps it onto " + " and ".join(targets) + ", which fails: set those"
            severity = Severity.ERROR
        else:
            to = f'; use "{targets[0]}"' if targets else ""
        self.add(
            "C005",
            f'"{key}" of {entry.name} is deprecated{since}{to}',
            parts,
            key=True,
            severity=severity,
            hint=dep.message,
            site=site,
        )

    def changed_argument(
        self, site: ComponentSite, entry: ComponentEntry, key: str, change: Rename, parts: Parts
    ) -> None:
        accepted = entry.accepts_any_keyword
        when = _when(change)
        if change.new_argument:
            message = f'"{key}" of {entry.name} was renamed "{change.new_argument}" {when}'
        else:
            message = f'"{key}" of {entry.name} was removed {when}'
        if accepted:
            message += "; the installed MONAI takes it through **kwargs and ignores it"
        self.add(
            "C005",
            message,
            parts,
            key=True,
            severity=Severity.WARNING if accepted else Severity.ERROR,
            hint=change.fix,
            site=site,
        )

    def unknown_argument(
        self, site: ComponentSite, entry: ComponentEntry, key: str, parts: Parts
    ) -> None:
        names = [p.name for p in (*entry.params, *entry.forwarded_params) if p.accepts_keyword]
        close = closest(key, names, cutoff=0.6)
        if close:
            hint = f'did you mean "{close}"?'
        elif key in COMPONENT_ATTRIBUTES or key in DATASET_ATTRIBUTES or key == "is_key_metric":
            hint = f'"{key}" belongs beside "args", not inside it'
        else:
            shown = ", ".join(names[:12]) + (", ..." if len(names) > 12 else "")
            hint = f"{entry.name} accepts: {shown}" if names else f"{entry.name} takes no arguments"
        self.add(
            "C002",
            f'{entry.name} has no argument "{key}"',
            parts,
            key=True,
            hint=hint,
            site=site,
        )

    def missing_required(
        self, site: ComponentSite, entry: ComponentEntry, provided: set[str]
    ) -> list[Param]:
        out = []
        implicit = {
            a.argument: a
            for a in implicit_arguments(site.slot, site.class_name, self.clara_version)
            if a.when_attribute is None or a.when_attribute in site.node.entries
        }
        for p in entry.params:
            if not p.required or not p.accepts_keyword or p.name in provided:
                continue
            if p.name in implicit:
                continue
            out.append(p)
        return out

    def missing(self, site: ComponentSite, entry: ComponentEntry, param: Param) -> None:
        args_entry = site.node.entries.get("args")
        if args_entry is not None:
            parts: Parts = (*site.parts, "args")
            key = True
            span = None
        else:
            parts, span = self._name_parts(site)
            key = False
        hint = f'add "{param.name}" to args'
        wired = [
            a
            for a in IMPLICIT_ARGUMENTS
            if a.argument == param.name and a.applies_to(site.slot, site.class_name) and a.value
        ]
        if wired and self.clara_version not in IMPLICIT_WIRING_VERSIONS:
            hint = (
                f'add "{param.name}": "{wired[0].value}" to args (Clara 4.0 wired it '
                "implicitly; a 4.1 config must write it)"
            )
        annotation = f" ({param.annotation})" if param.annotation else ""
        self.add(
            "C003",
            f'{entry.name} needs "{param.name}"{annotation}',
            parts,
            key=key,
            span=span,
            hint=hint,
            site=site,
        )

    def default_changes(
        self, site: ComponentSite, entry: ComponentEntry, provided: set[str]
    ) -> None:
        for change in _changes_for(site, entry):
            if change.kind is not ChangeKind.DEFAULT_CHANGED or change.argument in provided:
                continue
            parts, span = self._name_parts(site)
            self.add(
                "C005",
                f"{entry.name}'s {change.argument} now defaults to {_json(change.new_value)} "
                f"(it was {_json(change.old_value)}) {_when(change)}",
                parts,
                span=span,
                severity=Severity.INFO,
                hint=change.fix,
            )

    def check_value(
        self, site: ComponentSite, entry: ComponentEntry, param: Param, node: Node, parts: Parts
    ) -> None:
        if param.annotation is None:
            return
        if (site.class_name, param.name) in CLARA40_NAME_LISTS and isinstance(node, SequenceNode):
            if self.clara_version in IMPLICIT_WIRING_VERSIONS:
                return  # Clara 4.0's list of slot names
            self.add(
                "C004",
                f"{param.name} is a list of names (Clara 4.0 form); {entry.name} takes a mapping",
                parts,
                hint='write {"model": "@model", ...}: each name mapped to an @ reference',
                site=site,
            )
            return
        default_none = not param.required and param.default is None and param.default_repr is None
        fits = value_fits(param.annotation, node, default_none)
        if fits is not False:
            return
        shown = _describe(node)
        origin = self._variable_origin(parts)
        self.add(
            "C004",
            f'{entry.name} argument "{param.name}" expects {param.annotation}, got {shown}{origin}',
            parts,
            hint=_type_hint(param.annotation, node),
            site=site,
        )

    def _variable_origin(self, parts: Parts) -> str:
        original = self.source.node_at(parts)
        if (
            isinstance(original, ScalarNode)
            and isinstance(original.value, str)
            and _VAR.fullmatch(original.value)
        ):
            return f" (the value of {original.value})"
        return ""

    # -- file-level ------------------------------------------------------------------------------
    def version_note(self) -> None:
        """C009: which MONAI the MMAR was written for, and which one it is checked against."""
        if not self.checked:
            return
        installed = self.catalog.monai_version
        era = CLARA_MONAI.get(self.clara_version)
        marker: Parts = ()
        if isinstance(self.tree, MappingNode):
            for key in (VERSION_KEY, "format_version"):
                if key in self.tree.entries:
                    marker = (key,)
                    break
        if era is None:
            message = (
                f"Clara version not recognised; components are checked as Clara 4.x against "
                f"MONAI {installed}"
            )
            severity = Severity.INFO
        else:
            label = (
                "Clara 4.0 Early Access"
                if self.clara_version is ClaraVersion.V40_EA
                else (f"Clara {self.clara_version}")
            )
            message = f"this is a {label} MMAR (MONAI {era} era) checked against MONAI {installed}"
            older = _version_tuple(installed) < _version_tuple(era)
            severity = Severity.WARNING if older else Severity.INFO
            if _version_tuple(installed)[:2] == _version_tuple(era)[:2]:
                return
        self.add(
            "C009",
            message,
            marker,
            key=bool(marker),
            span=None if marker else (0, 1),
            severity=severity,
            hint="what MONAI renamed or removed since then is reported as C005/C006; "
            "`mmarc migrate` rewrites it for the installed MONAI",
        )


CUSTOM_HINT = "the MMAR's custom/ folder"


def _changes_for(site: ComponentSite, entry: ComponentEntry) -> tuple[Rename, ...]:
    """Argument-level changes recorded for the class, under any name it goes by."""
    names = {entry.name, *entry.names}
    if site.class_name:
        names.add(site.class_name)
    seen: set[tuple[str | None, ChangeKind]] = set()
    unique: list[Rename] = []
    for n in sorted(names):
        for c in argument_changes(n):
            if (c.argument, c.kind) not in seen:
                seen.add((c.argument, c.kind))
                unique.append(c)
    return tuple(unique)


def _holds(node: Node, old: object) -> bool:
    """Whether a value is (or, in a per-key list, contains) a form that no longer works."""
    if isinstance(node, ScalarNode):
        return node.value == old and type(node.value) is type(old)
    if isinstance(node, SequenceNode):
        return any(_holds(item, old) for item in node.items)
    return False


def _when(change: Rename) -> str:
    if change.version_certain:
        return f"in MONAI {change.changed_in}"
    return f"in MONAI {change.changed_in} (release not confirmed)"


def _json(value: object) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    return str(value) if not isinstance(value, str) else f'"{value}"'


def _describe(node: Node) -> str:
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return f"a list of {len(node.items)}"
    value = node.to_plain()
    if isinstance(value, bool):
        return f"{_json(value)} (a boolean)"
    if isinstance(value, str):
        text = value if len(value) <= 40 else value[:37] + "..."
        return f'the string "{text}"'
    if value is None:
        return "null"
    return f"{value} ({'an integer' if isinstance(value, int) else 'a number'})"


def _type_hint(annotation: str, node: Node) -> str | None:
    if isinstance(node, ScalarNode) and isinstance(node.value, str):
        text = node.value.strip()
        if text in ("true", "false", "null"):
            return f"write {text} without quotes"
        try:
            float(text)
        except ValueError:
            return None
        return f"write {text} without quotes"
    if isinstance(node, ScalarNode) and isinstance(node.value, bool) and "int" in annotation:
        return "give a number, not true/false"
    return None


def _suggest_hint(names: Sequence[str]) -> str | None:
    if not names:
        return None
    return "did you mean " + " or ".join(f'"{n}"' for n in names) + "?"


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


def _slot_hint(slot: str, entry: ComponentEntry, catalog: Catalog) -> str:
    if entry.category == "metric" and slot in (
        "key_metric",
        "additional_metrics",
        "metrics",
        "key_train_metric",
        "key_val_metric",
    ):
        return (
            "engine metrics come from monai.handlers (MeanDice, not DiceMetric) or ignite.metrics"
        )
    return f'"{slot}" expects another kind of class'


def _rel(path: Path | None, root: Path) -> str:
    if path is None:
        return "custom/"
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def _version_tuple(text: str) -> tuple[int, ...]:
    out = []
    for part in text.split("."):
        digits = re.match(r"\d+", part)
        if digits is None:
            break
        out.append(int(digits.group()))
    return tuple(out)
