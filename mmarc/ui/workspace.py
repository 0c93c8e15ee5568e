"""Where ``mmarc ui WORKSPACE`` keeps things, and the project state every page shows.

Why one module: the steps share one folder layout (the project files, the kits
``mmarc provision`` writes, the uploaded MMARs, the database) and one reading of "how far
is this project" (provisioned? an MMAR uploaded? deployed? a run going?), so each page's
state bar and each step's preconditions agree.

Layout::

    WORKSPACE/project.yml, authz_config.json   the provisioning inputs (step 1)
    WORKSPACE/kits/NAME/                       each participant's startup kit
    WORKSPACE/mmars/NAME/                      each uploaded, validated MMAR (step 3)
    WORKSPACE/ui.db                            the default SQLite database
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mmarc.errors import MmarcError
from mmarc.ui.errors import UiError

__all__ = ["ProjectState", "Workspace"]


@dataclass(frozen=True)
class ProjectState:
    """What the state bar shows: the project, its sites and admins, uploaded MMARs."""

    name: str | None
    server: str | None
    sites: tuple[str, ...]
    admins: tuple[str, ...]
    mmars: tuple[str, ...]

    @property
    def provisioned(self) -> bool:
        return self.server is not None


@dataclass(frozen=True)
class Workspace:
    """The folder ``mmarc ui`` serves.

    Args:
        root: the workspace folder (created when missing).
    """

    root: Path

    @property
    def project_yml(self) -> Path:
        return self.root / "project.yml"

    @property
    def authz_json(self) -> Path:
        return self.root / "authz_config.json"

    @property
    def kits(self) -> Path:
        return self.root / "kits"

    @property
    def mmars(self) -> Path:
        return self.root / "mmars"

    @property
    def staging(self) -> Path:
        return self.root / ".staging"

    @property
    def database(self) -> Path:
        return self.root / "ui.db"

    def prepare(self) -> Workspace:
        for folder in (self.root, self.mmars, self.staging):
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        return self

    def _provision_state(self) -> dict[str, Any]:
        from mmarc.runtime.provision.keys import read_state

        try:
            data = read_state(self.kits)
        except (OSError, ValueError, MmarcError):
            return {}
        return data if isinstance(data, dict) else {}

    def state(self) -> ProjectState:
        """The project as provisioned (from the kits' state file) and the uploaded MMARs."""
        data = self._provision_state()
        parts = data.get("participants") or {}
        by_role: dict[str, list[str]] = {"server": [], "client": [], "admin": []}
        for name, info in parts.items():
            if isinstance(info, dict) and info.get("role") in by_role:
                by_role[info["role"]].append(name)
        mmars = tuple(
            sorted(p.name for p in self.mmars.iterdir() if p.is_dir())
            if self.mmars.is_dir()
            else ()
        )
        server = by_role["server"][0] if by_role["server"] else None
        return ProjectState(
            data.get("project"),
            server,
            tuple(sorted(by_role["client"])),
            tuple(sorted(by_role["admin"])),
            mmars,
        )

    def kit(self, name: str) -> Path:
        """The kit folder of participant ``name`` (one that the project provisioned)."""
        state = self.state()
        if name not in (state.server, *state.sites, *state.admins):
            raise UiError(f"{name[:60]!r} is not a participant of the project")
        return self.kits / name

    def server_kit(self) -> Path:
        state = self.state()
        if state.server is None:
            raise UiError("the project is not provisioned yet (step 1)")
        return self.kits / state.server

    def mmar(self, name: str) -> Path:
        """An uploaded MMAR's folder, by its (already checked) name."""
        if name not in self.state().mmars:
            raise UiError(f"no uploaded MMAR named {name[:60]!r} (step 3)")
        return self.mmars / name
