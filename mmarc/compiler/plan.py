"""Stage 7 (``mmarc compile``): emit the frozen, hashed plan that the runtime executes.

The plan (format described in ``docs/plan-format.md`` and ``schemas/plan.schema.json``)
is the validated MMAR with every variable substituted, every component's class resolved
to a dotted path, every ``@name``/``ref`` turned into a JSON pointer inside the plan and
every expression marked as such, plus the catalog versions, the mmarc version and the FL
settings. Canonical JSON makes the same inputs give byte-identical plans, and the
SHA-256 over it is what server and clients compare before they train together, so the
plan carries no absolute path of the machine it was compiled on.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mmarc import __version__
from mmarc.catalog import Catalog
from mmarc.compiler.component_sites import (
    COMPONENT_ATTRIBUTES,
    DATASET_ATTRIBUTES,
    is_component,
)
from mmarc.compiler.expressions import expression_in, references_in
from mmarc.compiler.kinds import FileKind
from mmarc.compiler.mmar import LoadedFile
from mmarc.compiler.pipeline import Validation
from mmarc.compiler.references import CONF, SymbolTable, build_symbol_table
from mmarc.compiler.resolve import resolve_class
from mmarc.compiler.source import (
    MappingNode,
    Node,
    PointerPart,
    ScalarNode,
    SequenceNode,
    SourceFile,
)
from mmarc.compiler.versions import ClaraVersion, VersionReport
from mmarc.diagnostics import Diagnostic
from mmarc.plan import (
    PLAN_FORMAT,
    FLConfigError,
    Plan,
    PlanError,
    canonical_json,
    plan_sha256,
    write_plan,
)
from mmarc.plan.fl import client_settings, overridden, server_settings
from mmarc.plan.hashing import file_sha256
from mmarc.plan.pointer import to_pointer
from mmarc.plan.simulation import SimulationSettings

__all__ = [
    "PLAN_FORMAT",
    "PlanError",
    "build_plan",
    "canonical_json",
    "plan_sha256",
    "verify_plan_source",
    "write_plan",
]
#: Keys of a config's top level that are not settings.
_NOT_SETTINGS = frozenset({"train", "validate", "$schema"})
#: Where each file kind goes in the plan.
_PLAN_SECTION = {FileKind.VALIDATION: "evaluate"}

Parts = tuple[PointerPart, ...]


def verify_plan_source(source: SourceFile) -> list[Diagnostic]:
    """H001 when a plan file's ``sha256`` is not the hash of its content (it was edited)."""
    plan = source.to_plain()
    if not isinstance(plan, dict) or not isinstance(plan.get("sha256"), str):
        return []
    actual = plan_sha256(plan)
    if actual == plan["sha256"]:
        return []
    return [
        source.diagnostic(
            "H001",
            "the plan's sha256 does not match its content: it was changed after compiling",
            ("sha256",),
            hint=f"recompile it with `mmarc compile` (the content hashes to {actual})",
        )
    ]


@dataclass
class _Encoder:
    """Turns one substituted file into plan form, pointers rebased under ``prefix``."""

    file: LoadedFile
    table: SymbolTable
    catalog: Catalog
    mmar_root: Path
    #: maps a file's pointer parts to the plan's (e.g. config_validation ("model",) ->
    #: ("evaluate", "model"))
    rebase: Callable[[Parts], Parts]

    def pointer(self, parts: Parts) -> str:
        return to_pointer(self.rebase(parts))

    def value(self, node: Node, parts: Parts, section: str | None) -> Any:
        if is_component(node):
            return self.component(node, parts, section)  # type: ignore[arg-type]
        if isinstance(node, MappingNode):
            return {
                k: self.value(e.value, (*parts, k), section)
                for k, e in node.entries.items()
                if not k.startswith("_")
            }
        if isinstance(node, SequenceNode):
            return [self.value(item, (*parts, i), section) for i, item in enumerate(node.items)]
        assert isinstance(node, ScalarNode)
        if isinstance(node.value, str):
            return self.string(node.value, section)
        return node.value

    def string(self, text: str, section: str | None) -> Any:
        stripped = text.strip()
        if stripped.startswith("@") and stripped[1:].isidentifier():
            name = stripped[1:]
            if name == CONF:
                return {"@ref": ""}
            target = self.table.resolve(name, section)
            return {"@ref": self.pointer(target)} if target is not None else text
        site = expression_in(text)
        if site is not None:
            refs: dict[str, str] = {}
            for name, _ in references_in(site.text) if site.references else ():
                target = self.table.resolve(name, section)
                if name == CONF:
                    refs[name] = ""
                elif target is not None:
                    refs[name] = self.pointer(target)
            return {"@expr": site.text, "refs": refs}
        return text

    def component(self, node: MappingNode, parts: Parts, section: str | None) -> dict[str, Any]:
        plain = {k: e.value for k, e in node.entries.items()}
        ref = plain.get("ref")
        if isinstance(ref, ScalarNode) and isinstance(ref.value, str):
            target = self.table.resolve_ref(ref.value, section)
            return {"ref": self.pointer(target) if target is not None else ref.value}
        site = next((s for s in self.table.sites if s.parts == parts), None)
        slot = (
            site.slot
            if site is not None
            else str(parts[-2] if isinstance(parts[-1], int) else parts[-1])
        )
        name_node, path_node = plain.get("name"), plain.get("path")
        written = name_node.value if isinstance(name_node, ScalarNode) else None
        class_name = written.split("#", 1)[0].strip() if isinstance(written, str) else None
        alias = (
            written.split("#", 1)[1].strip()
            if isinstance(written, str) and "#" in written
            else None
        )
        dotted = path_node.value if isinstance(path_node, ScalarNode) else None
        resolved = resolve_class(
            class_name,
            dotted if isinstance(dotted, str) else None,
            slot,
            self.catalog,
            self.mmar_root,
            self.file.kind,
        )
        args_node = plain.get("args")
        out: dict[str, Any] = {
            "path": resolved.path,
            "custom": resolved.custom,
            "name": class_name,
            "alias": alias or None,
            "args": self.value(args_node, (*parts, "args"), section)
            if isinstance(args_node, MappingNode)
            else {},
            "disabled": bool(_plain(plain.get("disabled"))),
            "rank": _plain(plain.get("rank")),
            "log_label": _plain(plain.get("log_label")),
        }
        for key in sorted(DATASET_ATTRIBUTES):
            if key in plain:
                out[key] = _plain(plain[key])
        for key, value in plain.items():
            if (
                key not in COMPONENT_ATTRIBUTES
                and key not in DATASET_ATTRIBUTES
                and not key.startswith("_")
            ):
                out.setdefault("extra", {})[key] = self.value(value, (*parts, key), section)
        return out


def _plain(node: Node | None) -> Any:
    return node.to_plain() if node is not None else None


def _settings(root: Node | None) -> dict[str, Any]:
    if not isinstance(root, MappingNode):
        return {}
    return {
        k: e.value.to_plain()
        for k, e in root.entries.items()
        if k not in _NOT_SETTINGS and not k.startswith("_")
    }


def _clara_version(files: list[LoadedFile]) -> str:
    found = {
        f.version.version
        for f in files
        if isinstance(f.version, VersionReport) and f.kind in (FileKind.TRAIN, FileKind.VALIDATION)
    }
    for candidate in (ClaraVersion.V41, ClaraVersion.V40):
        if candidate in found:
            return str(candidate)
    return str(ClaraVersion.V41)


def _custom_hashes(mmar_root: Path) -> dict[str, str]:
    custom = mmar_root / "custom"
    if not custom.is_dir():
        return {}
    out = {}
    for path in sorted(custom.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        rel = path.relative_to(mmar_root).as_posix()
        out[rel] = file_sha256(path)
    return out


def _encoder(f: LoadedFile, catalog: Catalog, root: Path, prefix: Parts) -> _Encoder:
    assert f.kind is not None
    table = build_symbol_table(f.kind, f.substituted)
    return _Encoder(f, table, catalog, root, lambda parts: (*prefix, *parts))


def build_plan(
    validation: Validation,
    catalog: Catalog,
    *,
    server_overrides: Mapping[str, Any] | None = None,
    simulation: SimulationSettings | None = None,
) -> Plan:
    """The plan of a validated target; raises :class:`PlanError` if it has errors.

    ``server_overrides``: FL server settings given on the command line (``--rounds`` gives
    ``{"num_rounds": R}``); they replace the config's values before the settings are
    checked and the plan is hashed, so the plan a server runs is the plan that was hashed.
    ``simulation``: the simulated federation (``--sim N --split ... --seed ...``, a study
    setting) the plan is for; recorded as the plan's ``simulation`` section, so the hash
    covers the data split too. None: no section (the hash is unchanged by it).
    """
    if validation.diagnostics.has_errors():
        count = len(validation.diagnostics.errors)
        raise PlanError(f"cannot compile: {count} error(s) found; run `mmarc validate` to see them")
    target = validation.target
    root = target.root
    train = target.first(FileKind.TRAIN)
    if train is None or train.substituted is None:
        raise PlanError(f"{target.path}: no config_train.json to compile")
    for f in target.files:
        report = f.version
        if (
            isinstance(report, VersionReport)
            and report.version
            in (
                ClaraVersion.V40,
                ClaraVersion.V40_EA,
            )
            and f.kind in (FileKind.TRAIN, FileKind.VALIDATION)
        ):
            raise PlanError(
                f"{f.source.display} is a Clara {report.version} configuration, whose "
                "components Clara wired implicitly; run `mmarc migrate "
                f"{target.path} -o NEW_FOLDER` and compile the migrated MMAR"
            )
    variables: dict[str, Any] = {}
    if validation.variables is not None:
        variables = {
            name: d.value for name, d in sorted(validation.variables.scope(train.source).items())
        }
    train_settings = _settings(train.substituted)
    plan: dict[str, Any] = {
        "plan_format": PLAN_FORMAT,
        "mmarc_version": __version__,
        "clara_version": _clara_version(target.files),
        "catalog": {
            "monai": catalog.monai_version,
            "torch": catalog.torch_version,
            "ignite": catalog.ignite_version,
        },
        "mmar_name": root.resolve().name,
        # each value once: a top-level setting of config_train.json (``epochs``) is also a
        # variable, but the plan keeps it only under settings, with the winning value of
        # environment.json or --set; variables keeps the rest (MMAR_CKPT_DIR, DATA_ROOT...)
        "variables": {k: v for k, v in variables.items() if k not in train_settings},
        "settings": {k: variables.get(k, v) for k, v in train_settings.items()},
        "train": {},
        "validate": {},
        "evaluate": None,
        "evaluate_settings": None,
        "fl": None,
        "custom": _custom_hashes(root),
    }
    enc = _encoder(train, catalog, root, ())
    assert isinstance(train.substituted, MappingNode)
    for section in ("train", "validate"):
        node = train.substituted.get(section)
        if node is not None:
            plan[section] = enc.value(node, (section,), section)
    validation_file = target.first(FileKind.VALIDATION)
    if validation_file is not None and validation_file.substituted is not None:
        enc = _encoder(validation_file, catalog, root, ("evaluate",))
        tree = validation_file.substituted
        assert isinstance(tree, MappingNode)
        settings = _settings(tree)
        plan["evaluate"] = {
            k: enc.value(tree.entries[k].value, (k,), None)
            for k in settings
            if isinstance(tree.entries[k].value, MappingNode | SequenceNode)
        }
        winners = (
            {n: d.value for n, d in validation.variables.scope(validation_file.source).items()}
            if validation.variables is not None
            else {}
        )
        plan["evaluate_settings"] = {
            k: winners.get(k, v) for k, v in settings.items() if not isinstance(v, dict | list)
        }
    plan["fl"] = _fl_section(target.files, catalog, root, server_overrides or {})
    if simulation is not None:
        plan["simulation"] = simulation.model_dump(mode="json")
    try:
        return Plan.sealed(plan)
    except ValueError as exc:  # pydantic's ValidationError: a compiler bug, said in one line
        raise PlanError(f"{target.path}: the compiled plan is not valid: {exc}") from None


def _fl_section(
    files: list[LoadedFile], catalog: Catalog, root: Path, server_overrides: Mapping[str, Any]
) -> dict[str, Any] | None:
    """``fl``: the encoded FL configs and their effective settings (defaults applied).

    Raises :class:`FLConfigError` (at the setting's pointer) for an override the settings
    refuse or that has no server config to apply to."""
    fl: dict[str, Any] = {}
    for kind, key in ((FileKind.FED_SERVER, "server"), (FileKind.FED_CLIENT, "client")):
        fl_file = next((f for f in files if f.kind is kind), None)
        if fl_file is not None and fl_file.substituted is not None:
            encoder = _encoder(fl_file, catalog, root, ("fl", key))
            fl[key] = encoder.value(fl_file.substituted, (), None)
    if server_overrides and "server" not in fl:
        raise FLConfigError(
            "the MMAR has no config_fed_server.json, so it cannot run federated (nothing to "
            f"apply {', '.join(sorted(server_overrides))} to)",
            "/fl/server",
        )
    if not fl:
        return None
    try:
        if "server" in fl:
            server = server_settings(fl["server"], "/fl/server")
            fl["server_settings"] = server.model_dump(mode="json")
        if "client" in fl:
            client = client_settings(fl["client"], "/fl/client")
            fl["client_settings"] = client.model_dump(mode="json")
    except FLConfigError as exc:  # validate refuses these first: a compiler bug
        raise PlanError(f"cannot compile: {exc.one_line()}", exc.pointer) from None
    if server_overrides:
        fl["server_settings"] = overridden(fl["server_settings"], server_overrides)
    return fl
