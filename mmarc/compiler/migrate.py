"""``mmarc migrate``: rewrite a Clara 4.0 (or 4.1) MMAR for Clara 4.1 and the installed MONAI.

Why a rewriter rather than a converter that re-serialises JSON: users review the result
as a diff against their own file. So every change is a small text edit at the place the
tree says (renamed key, new value, inserted entry), everything else stays byte for byte,
and inserted entries copy the indentation of their neighbours.

What it changes, each listed in :attr:`MigrationReport.changes` with its line and column
in the *original* file:

- Clara 4.0 -> 4.1: ``CLARA_TRAIN_VERSION``; the arguments Clara 4.0 wired implicitly,
  written as ``@`` references (the rows of
  :data:`mmarc.compiler.components.implicit.IMPLICIT_ARGUMENTS` that have a value);
  ``load_dict``/``save_dict`` name lists to ``{"model": "@model"}``; the ``metrics`` list
  to ``key_metric`` + ``additional_metrics``; output transforms on 4.0's dict engine
  output (``lambda x: x['loss']``) to 4.1's ``from_engine``.
- MONAI: what :mod:`mmarc.catalog.renames` lists (``AddChanneld`` -> ``EnsureChannelFirstd``,
  ``dimensions`` -> ``spatial_dims``, AsDiscreted's ``to_onehot: true`` + ``n_classes`` ->
  ``to_onehot: N``...), old defaults made explicit where MONAI changed them.

What it cannot do safely goes to :attr:`MigrationReport.unmigrated`, located the same
way. The MMAR is never edited in place: ``out_dir`` gets a full copy.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from mmarc.catalog import Catalog, load_catalog
from mmarc.compiler.kinds import CONFIG_SUFFIXES, FileKind, detect_kind
from mmarc.compiler.migration.clara41 import migrate_to_clara41
from mmarc.compiler.migration.context import Change, FileMigration, Unmigrated
from mmarc.compiler.migration.monai_renames import apply_monai_renames
from mmarc.compiler.source import MappingNode, SourceFile, from_pointer, load_source
from mmarc.compiler.versions import ClaraVersion, detect_version
from mmarc.errors import EXIT_USAGE, MmarcError

__all__ = ["MIGRATED_KINDS", "MigrationError", "MigrationReport", "migrate"]

#: Kinds whose files are rewritten; the rest are copied as they are.
MIGRATED_KINDS = frozenset(
    {FileKind.TRAIN, FileKind.VALIDATION, FileKind.FED_SERVER, FileKind.FED_CLIENT}
)


@dataclass
class MigrationReport:
    """What :func:`migrate` did: where it wrote, what it changed and what it left."""

    source: Path
    out_dir: Path
    files: list[str] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    unmigrated: list[Unmigrated] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.unmigrated

    def lines(self) -> list[str]:
        """Human-readable lines, ``file:line:col: message``, changes first."""
        out = [f"{c.file}:{c.line}:{c.column}: {c.message}" for c in self.changes]
        for u in self.unmigrated:
            hint = f" ({u.hint})" if u.hint else ""
            out.append(f"{u.file}:{u.line}:{u.column}: not migrated: {u.message}{hint}")
        return out


class MigrationError(MmarcError):
    """The migration cannot start (bad source or destination); nothing was written."""

    exit_code = EXIT_USAGE


# ---------------------------------------------------------------------------------------
# entry point
# ---------------------------------------------------------------------------------------


def migrate(mmar_dir: Path, out_dir: Path, catalog: Catalog | None = None) -> MigrationReport:
    """Copy the MMAR at ``mmar_dir`` to ``out_dir`` with its configs rewritten.

    ``out_dir`` must not exist or be empty, and must not be ``mmar_dir`` or inside it.
    Raises :class:`MigrationError` before writing anything when that is not so.
    """
    src = mmar_dir.resolve()
    dst = out_dir.resolve()
    if not src.is_dir():
        raise MigrationError(f"{mmar_dir}: not an MMAR folder")
    if dst == src or src in dst.parents:
        raise MigrationError(
            f"{out_dir}: the output must be outside the MMAR (migrate never edits in place)"
        )
    if dst.exists() and (not dst.is_dir() or any(dst.iterdir())):
        raise MigrationError(f"{out_dir}: exists and is not an empty folder")
    catalog = catalog if catalog is not None else load_catalog()
    report = MigrationReport(mmar_dir, out_dir)
    rewritten: dict[Path, str] = {}
    env = _environment(src)
    for path in _config_files(src):
        rel = path.relative_to(src).as_posix()
        text = _migrate_file(path, rel, catalog, env, report)
        if text is not None:
            rewritten[path.relative_to(src)] = text
    shutil.copytree(src, dst, dirs_exist_ok=True)
    for rel_path, text in rewritten.items():
        (dst / rel_path).write_text(text, encoding="utf-8")
        report.files.append(rel_path.as_posix())
    _still_wrong(src, dst, report)
    report.changes.sort(key=lambda c: (c.file, c.line, c.column))
    report.unmigrated.sort(key=lambda u: (u.file, u.line, u.column))
    return report


def _still_wrong(src: Path, dst: Path, report: MigrationReport) -> None:
    """Add every error ``validate`` still reports on the output to ``report.unmigrated``.

    So the manual-fix list is complete: what the rules did not rewrite (an argument MONAI
    removed that no table row covers, a class without a replacement) is listed too, at
    its place in the original file when the path still exists there.
    """
    from mmarc.compiler.pipeline import validate_target

    result = validate_target(dst, cwd=dst)
    listed = {(u.file, _component_pointer(u.pointer)) for u in report.unmigrated}
    whole_files = {u.file for u in report.unmigrated if not u.pointer}
    originals: dict[str, SourceFile | None] = {}
    for d in result.diagnostics.errors:
        rel = Path(d.file).as_posix()
        pointer = _component_pointer(d.pointer or "")
        if rel in whole_files or any(
            f == rel
            and (pointer == p or pointer.startswith(p + "/") or p.startswith(pointer + "/"))
            for f, p in listed
        ):
            continue  # a rule already listed it (or something inside or around it)
        if rel not in originals:
            original = src / rel
            originals[rel] = load_source(original, rel)[0] if original.is_file() else None
        line, column, where = d.line or 1, d.column or 1, " (at this line of the output)"
        source = originals[rel]
        if source is not None:
            # the same path in the original; a path migrate created is located at the
            # deepest part that exists there
            parts = [int(t) if t.isdigit() else t for t in from_pointer(d.pointer or "")]
            line, column = source.line_col(source.span_of(parts)[0])
            where = ""
        listed.add((rel, pointer))
        report.unmigrated.append(
            Unmigrated(rel, line, column, d.pointer or "", f"{d.code} {d.message}{where}", d.hint)
        )


def _component_pointer(pointer: str) -> str:
    """A component's ``name`` and ``path`` are the same finding: compare the component."""
    for suffix in ("/name", "/path"):
        if pointer.endswith(suffix):
            return pointer[: -len(suffix)]
    return pointer


def _config_dir(root: Path) -> Path:
    return root / "config" if (root / "config").is_dir() else root


def _config_files(root: Path) -> list[Path]:
    folder = _config_dir(root)
    found = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix == ".json")
    if folder != root:
        found += sorted(p for p in root.iterdir() if p.is_file() and p.suffix == ".json")
    return [p for p in found if p.suffix in CONFIG_SUFFIXES]


def _environment(root: Path) -> set[str]:
    """Variable names environment.json defines (``{amp}`` may come from there)."""
    env = _config_dir(root) / "environment.json"
    if not env.is_file():
        return set()
    source, diagnostics = load_source(env)
    if diagnostics or not isinstance(source.root, MappingNode):
        return set()
    return set(source.root.entries)


def _migrate_file(
    path: Path, rel: str, catalog: Catalog, env: set[str], report: MigrationReport
) -> str | None:
    source, diagnostics = load_source(path, rel)
    kind = detect_kind(path, source.root)
    if kind not in MIGRATED_KINDS:
        return None
    if diagnostics or source.root is None:
        for d in diagnostics:
            report.unmigrated.append(
                Unmigrated(rel, d.line or 1, d.column or 1, "", f"cannot read: {d.message}")
            )
        return None
    assert kind is not None
    version = detect_version(source, kind).version
    if version is ClaraVersion.V3X:
        report.unmigrated.append(
            Unmigrated(
                rel,
                1,
                1,
                "",
                "Clara 3.x (TensorFlow) configuration: migrate converts Clara 4.0 to 4.1",
                "port it to Clara 4 by hand (see the V001 diagnostics of mmarc validate)",
            )
        )
        return None
    file = FileMigration(source, kind, version, catalog, env, report.changes, report.unmigrated)
    migrate_to_clara41(file)
    apply_monai_renames(file)
    if not file.editor.edited:
        return None
    return file.editor.render()
