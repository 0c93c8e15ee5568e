"""Names that arrive from the network, checked before they touch a path.

Why: a peer decides some of the names a process later joins to a folder (the MMAR a
server deploys to a client, a client's site name, an uploaded MMAR's name). Joined
unchecked, ``"/"``, ``".."`` or an absolute path turns "replace the deployed MMAR" into
"delete any folder this user may delete". Every such name therefore passes
:func:`check_name` first: one path component from an allow-listed alphabet and length
(the same rule as a client name on the wire, so one name means one thing everywhere).
Anything a process removes is removed through :func:`remove_within`, which resolves the
target and refuses unless it lies strictly inside the folder the caller owns.
"""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

from mmarc.errors import MmarcError

from ..protocol import is_valid_client_name

__all__ = ["NAME_RULE", "UnsafeName", "UnsafePath", "check_name", "child_path", "remove_within"]

#: The rule :func:`check_name` enforces, as shown in refusals.
NAME_RULE = "1-128 characters of A-Z a-z 0-9 _ . @ + -, starting with a letter or digit"


class UnsafeName(MmarcError):
    """A name from the network is not one safe path component."""


class UnsafePath(MmarcError):
    """A path to write or remove is not inside the folder it must stay in."""


def check_name(value: object, what: str = "name") -> str:
    """``value`` if it is a safe single path component, else :class:`UnsafeName`.

    Allow-list, not deny-list: letters, digits and ``_ . @ + -``, at most 128
    characters, starting with a letter or digit, so no separator, no ``..``, no
    absolute or drive path, no control or look-alike character can pass.
    """
    if not isinstance(value, str):
        raise UnsafeName(f"{what} must be a string, not {type(value).__name__}")
    if not is_valid_client_name(value) or value in (".", ".."):
        raise UnsafeName(f"{what} {value[:60]!r} refused: a name is {NAME_RULE}")
    return value


def _inside(root: Path, path: Path) -> bool:
    return path != root and root in path.parents


def child_path(root: Path, name: object, what: str = "name") -> Path:
    """``root / name`` for a checked ``name``, refused unless it stays inside ``root``.

    The parent is resolved (links followed) and the final component is not, so a link
    planted at ``root / name`` is treated as the link itself, never as its target.
    """
    checked = check_name(name, what)
    real_root = Path(root).resolve()
    path = real_root / checked
    if not _inside(real_root, path):  # pragma: no cover - check_name already ensures it
        raise UnsafePath(f"{what} {checked!r} would leave {real_root}")
    return path


def remove_within(root: Path, path: Path) -> None:
    """Remove ``path`` (a folder tree, a file or a link) only if it lies inside ``root``.

    ``path``'s parent is resolved and must be ``root`` or below it, and ``path`` itself
    must not be ``root``; a link is unlinked, never followed. Nothing happens when
    ``path`` does not exist.
    """
    real_root = Path(root).resolve()
    target = Path(path)
    parent = target.parent.resolve()
    located = parent / target.name
    if target.name in ("", ".", "..") or not _inside(real_root, located):
        raise UnsafePath(f"refusing to remove {target}: not inside {real_root}")
    try:
        mode = os.lstat(located).st_mode
    except FileNotFoundError:
        return
    if stat.S_ISDIR(mode):
        shutil.rmtree(located)
    else:
        os.unlink(located)
