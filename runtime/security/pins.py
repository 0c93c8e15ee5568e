"""Trust on first use of a project's key: each site remembers which key signs its project.

Why: a kit proves it was not edited since it was signed, but by *whichever* key wrote its
``project.pub``; someone who can replace a kit can re-sign it whole with a key of their
own (pointing the site at another server, or a server at other clients). The project's
fingerprint, given to every site apart from its kit (``mmarc provision`` prints it), is
the real anchor (``--project-key``). Where a site does not pass it, the first kit it runs
pins its project's fingerprint, as SSH pins a host key: every later kit of that project
must be signed by the same key, or be confirmed with ``--project-key`` (re-keying on
purpose re-pins).

Where pins live: one JSON file per user, outside every kit, in ``$MMARC_STATE_DIR`` or
else ``$XDG_STATE_HOME/mmarc`` or else ``~/.local/state/mmarc`` (folder 0700, file 0600,
replaced atomically, never written through a link). A kit's files are never read as
pins, and a pin file inside the kit being checked is refused, so no kit can bring or
overwrite its own pin. Pins are keyed by project name: the name is what a site sees and
means, and the key is what proves it.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mmarc.errors import MmarcError

__all__ = [
    "PIN_FILE",
    "STATE_DIR_ENV",
    "Pin",
    "PinMismatch",
    "PinStore",
    "PinStoreError",
    "default_state_dir",
]

STATE_DIR_ENV = "MMARC_STATE_DIR"
PIN_FILE = "trusted_project_keys.json"
FORMAT = "mmarc-project-pins/1"
#: A pin file holds one short entry per project; anything larger is not ours.
MAX_PIN_FILE_BYTES = 1024 * 1024


class PinStoreError(MmarcError):
    """The pin file cannot be read or written safely."""


class PinMismatch(MmarcError):
    """A kit of a pinned project is signed by another key than the pinned one."""


@dataclass(frozen=True, slots=True)
class Pin:
    """One project's pinned key: its fingerprint, when and from which kit it was pinned."""

    project: str
    fingerprint: str
    pinned_at: str
    kit: str


def default_state_dir() -> Path:
    """``$MMARC_STATE_DIR``, else ``$XDG_STATE_HOME/mmarc``, else ``~/.local/state/mmarc``."""
    explicit = os.environ.get(STATE_DIR_ENV)
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_STATE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".local" / "state"
    return base / "mmarc"


class PinStore:
    """The pin file of one user (or of ``folder``); read and written whole."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = Path(folder) if folder is not None else default_state_dir()
        self.path = self.folder / PIN_FILE

    def _read(self) -> dict[str, Pin]:
        try:
            st = os.lstat(self.path)
        except FileNotFoundError:
            return {}
        if not stat.S_ISREG(st.st_mode):
            raise PinStoreError(f"{self.path}: not a regular file; remove it")
        if st.st_size > MAX_PIN_FILE_BYTES:
            raise PinStoreError(f"{self.path}: larger than {MAX_PIN_FILE_BYTES} bytes")
        try:
            data = json.loads(self.path.read_bytes())
            if data.get("format") != FORMAT:
                raise ValueError(f"format is not {FORMAT}")
            return {
                str(name): Pin(str(name), str(p["fingerprint"]), str(p["pinned_at"]), str(p["kit"]))
                for name, p in data["projects"].items()
            }
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise PinStoreError(
                f"{self.path}: unreadable ({exc}); fix or remove it (every project is then "
                "pinned again on first use)"
            ) from None

    def get(self, project: str) -> Pin | None:
        """The pin of ``project``, if any."""
        return self._read().get(project)

    def pin(self, project: str, fingerprint: str, kit: Path) -> Pin:
        """Pin (or re-pin) ``project`` to ``fingerprint``; returns the new pin."""
        pins = self._read()
        now = _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")
        pins[project] = Pin(project, fingerprint, now, str(kit))
        self._write(pins)
        return pins[project]

    def _write(self, pins: dict[str, Pin]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not stat.S_ISDIR(os.lstat(self.folder).st_mode):
            raise PinStoreError(f"{self.folder}: not a folder")
        body: dict[str, Any] = {
            "format": FORMAT,
            "projects": {
                p.project: {"fingerprint": p.fingerprint, "pinned_at": p.pinned_at, "kit": p.kit}
                for p in pins.values()
            },
        }
        fd, tmp = tempfile.mkstemp(prefix=f".{PIN_FILE}.", dir=self.folder)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(body, handle, indent=2, sort_keys=True)
                handle.write("\n")
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)  # replaces a planted link, never writes through it
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def check(self, project: str, fingerprint: str, kit: Path, *, confirmed: bool) -> str:
        """Check a verified kit's project key against the pin; pin it if new.

        ``confirmed``: the fingerprint was given out of band (``--project-key``) and
        matched, so it replaces another pin (intended re-keying). Returns what happened:
        ``"pinned"`` (first use), ``"re-pinned"``, or ``"matched"``. Raises
        :class:`PinMismatch` naming both fingerprints and what to do.
        """
        real_kit = Path(kit).resolve()
        if real_kit == self.path.resolve().parent or real_kit in self.path.resolve().parents:
            raise PinStoreError(
                f"{self.path} lies inside the kit {real_kit}: set {STATE_DIR_ENV} to a "
                "folder outside every kit"
            )
        known = self.get(project)
        if known is not None and known.fingerprint == fingerprint:
            return "matched"
        if known is not None and not confirmed:
            raise PinMismatch(
                f"{real_kit}: kit refused: project {project!r} is signed by key {fingerprint}, "
                f"but this site pinned {known.fingerprint} for it on {known.pinned_at} (from "
                f"{known.kit}). If the project was re-keyed on purpose, confirm the new "
                f"fingerprint with the project admin and run again with --project-key "
                f"{fingerprint}; otherwise do not use this kit"
            )
        self.pin(project, fingerprint, real_kit)
        return "pinned" if known is None else "re-pinned"
