"""One file's migration: its tree and text editor, and the record of what changed.

Why a module of its own: both rule sets (:mod:`.clara41`, :mod:`.monai_renames`) edit the
same file through the same editor and record changes and leftovers the same way, located
in the original file.
"""

from __future__ import annotations

from dataclasses import dataclass

from mmarc.catalog import Catalog
from mmarc.compiler.component_sites import iter_components
from mmarc.compiler.components.implicit import section_slots
from mmarc.compiler.kinds import FileKind
from mmarc.compiler.migration.text_editor import Editor, Parts
from mmarc.compiler.source import MappingNode, SourceFile, to_pointer
from mmarc.compiler.versions import ClaraVersion

__all__ = ["Change", "FileMigration", "Unmigrated"]


@dataclass(frozen=True, slots=True)
class Change:
    """One edit, located in the original file (1-based line and column)."""

    file: str
    line: int
    column: int
    pointer: str
    message: str


@dataclass(frozen=True, slots=True)
class Unmigrated:
    """Something that needs a person, located in the original file."""

    file: str
    line: int
    column: int
    pointer: str
    message: str
    hint: str | None = None


class FileMigration:
    """One file being migrated: its tree and editor, and where changes are recorded.

    ``changes``/``unmigrated`` are the lists of the run's report; every entry is located
    in the original file.
    """

    def __init__(
        self,
        source: SourceFile,
        kind: FileKind,
        version: ClaraVersion,
        catalog: Catalog,
        env: set[str],
        changes: list[Change],
        unmigrated: list[Unmigrated],
    ) -> None:
        self.source = source
        self.kind = kind
        self.version = version
        self.catalog = catalog
        self.env = env
        self.changes = changes
        self.unmigrated = unmigrated
        self.editor = Editor(source)
        assert isinstance(source.root, MappingNode)
        self.root: MappingNode = source.root
        #: slots each section has once migrated (key_metric from metrics...)
        self.slots = section_slots(kind, source.root)
        self.sites = list(iter_components(kind, source.root))

    def changed(self, parts: Parts, message: str, *, key: bool = False) -> None:
        """Record an edit made at ``parts`` (its key when ``key``)."""
        line, column = self._at(parts, key)
        self.changes.append(Change(self.source.display, line, column, to_pointer(parts), message))

    def cannot(
        self, parts: Parts, message: str, hint: str | None = None, key: bool = False
    ) -> None:
        """Record what needs a person at ``parts``."""
        line, column = self._at(parts, key)
        self.unmigrated.append(
            Unmigrated(self.source.display, line, column, to_pointer(parts), message, hint)
        )

    def _at(self, parts: Parts, key: bool) -> tuple[int, int]:
        start, _ = self.source.span_of(parts, key=key)
        return self.source.line_col(start)

    @staticmethod
    def section_base(section: str | None) -> Parts:
        """The path of a section of the file (``()`` for a file without sections)."""
        return (section,) if section else ()
