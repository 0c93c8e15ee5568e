"""What `mmarc validate PATH` is pointed at: an MMAR folder, or one file of one.

An MMAR is a folder with ``config/`` (train, validation, environment, FL configs, maybe a
datalist) and optionally ``custom/``, ``models/``, ``commands/``; provisioning files
(``project.yml``, ``authz_config.json``) may sit beside it. A single file is validated in
the context of its MMAR when it has one (``config/config_train.json`` still sees the
``environment.json`` beside it), so that its variables resolve as they would at run time.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from mmarc.compiler.kinds import CONFIG_SUFFIXES, FileKind, detect_kind, kind_from_name
from mmarc.compiler.source import Node, SourceFile, load_source
from mmarc.diagnostics import Diagnostic
from mmarc.errors import EXIT_USAGE, MmarcError


class UsageError(MmarcError):
    """The target cannot be validated at all (exit status 2): no such path, unknown kind."""

    exit_code = EXIT_USAGE


def display_path(path: Path, cwd: Path | None = None) -> str:
    """A path that opens from the current directory, as short as possible."""
    base = cwd or Path.cwd()
    try:
        rel = os.path.relpath(path, base)
    except ValueError:
        return str(path)
    return rel if len(rel) <= len(str(path)) else str(path)


@dataclass
class LoadedFile:
    """One file of the target and what the stages learned about it."""

    source: SourceFile
    kind: FileKind | None
    #: the tree after variable substitution (same offsets as ``source.root``)
    substituted: Node | None = None
    version: object | None = None  # a versions.VersionReport, set by the version stage


@dataclass
class Target:
    """The files mmarc validates together, and the MMAR root their paths resolve against."""

    path: Path
    root: Path
    files: list[LoadedFile] = field(default_factory=list)
    #: True when PATH named a single file (the rest of its MMAR only gives context)
    single_file: bool = False
    #: files loaded only for context (environment.json beside a single config file)
    context: list[LoadedFile] = field(default_factory=list)

    def of_kind(self, kind: FileKind) -> list[LoadedFile]:
        return [f for f in self.files + self.context if f.kind is kind]

    def first(self, kind: FileKind) -> LoadedFile | None:
        found = self.of_kind(kind)
        return found[0] if found else None


def _config_dir(folder: Path) -> Path:
    return folder / "config" if (folder / "config").is_dir() else folder


def mmar_root_of(path: Path) -> Path:
    """The MMAR root of a config file or folder: the parent of ``config/`` when there is one."""
    folder = path if path.is_dir() else path.parent
    if folder.name == "config":
        return folder.parent
    return folder


def load_target(path: Path, cwd: Path | None = None) -> tuple[Target, list[Diagnostic]]:
    """Find and load the files of ``path``; raises :class:`UsageError` for unusable targets."""
    if not path.exists():
        raise UsageError(f"{path}: no such file or directory")
    diagnostics: list[Diagnostic] = []

    def load(p: Path) -> LoadedFile:
        source, diags = load_source(p, display_path(p, cwd))
        diagnostics.extend(diags)
        return LoadedFile(source, detect_kind(p, source.root))

    if path.is_file():
        if path.suffix.lower() not in CONFIG_SUFFIXES:
            raise UsageError(
                f"{path}: not an MMAR file (mmarc reads {', '.join(CONFIG_SUFFIXES)} files "
                "and MMAR folders)"
            )
        loaded = load(path)
        if loaded.kind is None and not diagnostics and kind_from_name(path) is not None:
            raise UsageError(
                f"{path}: named like a {kind_from_name(path)} file but it is not one (flat "
                "settings read by custom code, or another tool's file), so mmarc does not "
                "check it"
            )
        if loaded.kind is None and not diagnostics:
            kinds = ", ".join(k.value for k in FileKind)
            raise UsageError(
                f"{path}: cannot tell what kind of file this is from its name or content "
                f"(known kinds: {kinds})"
            )
        target = Target(path=path, root=mmar_root_of(path), files=[loaded], single_file=True)
        if loaded.kind in (
            FileKind.TRAIN,
            FileKind.VALIDATION,
            FileKind.FED_SERVER,
            FileKind.FED_CLIENT,
        ):
            env = _find_environment(path.parent)
            if env is not None and env.resolve() != path.resolve():
                target.context.append(load(env))
        return target, diagnostics

    root = mmar_root_of(path) if path.name == "config" else path
    candidates: list[Path] = []
    config_dir = _config_dir(root)
    candidates.extend(sorted(p for p in config_dir.iterdir() if p.suffix in CONFIG_SUFFIXES))
    if config_dir != root:
        candidates.extend(
            sorted(p for p in root.iterdir() if p.is_file() and p.suffix in CONFIG_SUFFIXES)
        )
    target = Target(path=path, root=root)
    for p in candidates:
        if not p.is_file():
            continue
        loaded = load(p)
        if loaded.kind is not None:
            target.files.append(loaded)
    if not target.files:
        raise UsageError(
            f"{path}: no MMAR configuration files found (expected config/config_train.json, "
            "config/environment.json, config_fed_*.json, project.yml ...)"
        )
    return target, diagnostics


def choose_train_config(target: Target, name: str | None) -> None:
    """Keep one train config of an MMAR for ``compile``: the one named, or the only one.

    An MMAR may hold several (``config_train_Unet.json``, ``config_train_segresnet.json``);
    picking one silently would compile a model the user did not mean. Raises
    :class:`UsageError` naming them when there are several and none was chosen, or when
    the chosen one is not there.
    """
    trains = [f for f in target.files if f.kind is FileKind.TRAIN]
    names = [f.source.path.name for f in trains]
    if name is None:
        if len(trains) > 1:
            raise UsageError(
                f"{target.path}: {len(trains)} train configs ({', '.join(names)}): choose "
                "the one to compile with --train-config NAME"
            )
        return
    chosen = [f for f in trains if f.source.path.name == name or f.source.path.stem == name]
    if not chosen:
        raise UsageError(
            f"{target.path}: no train config {name!r} (it has: {', '.join(names) or 'none'})"
        )
    target.files = [f for f in target.files if f.kind is not FileKind.TRAIN or f is chosen[0]]


def _find_environment(folder: Path) -> Path | None:
    for name in ("environment.json",):
        candidate = folder / name
        if candidate.is_file():
            return candidate
    return None
