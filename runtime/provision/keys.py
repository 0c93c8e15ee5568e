"""Key material of a provisioning workspace: the project signing key and participant keys.

Everything secret lives in ``WORKSPACE/.project/`` (mode 0700, files 0600): the
Ed25519 project key that signs kits, and each participant's CurveZMQ secret key, so
that provisioning again keeps identities (clients and admins keep working with their
old kits) unless keys are rotated on purpose. Kits get copies of their own secret key
only; the project key never enters a kit.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ..transport.security import CurveKeyPair
from .project import ProvisionError

PROJECT_DIR = ".project"
PROJECT_KEY = "project.key"
STATE_FILE = "state.json"
KEYS_DIR = "keys"


def write_private(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Write ``data`` readable by the owner only (never through a link)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags, mode)
    try:
        os.fchmod(fd, mode)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)


def private_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    if path.is_symlink() or not path.is_dir():
        raise ProvisionError(f"{path}: not a folder")
    os.chmod(path, 0o700)
    return path


def read_private(path: Path) -> bytes:
    st = os.lstat(path)
    if not stat.S_ISREG(st.st_mode):
        raise ProvisionError(f"{path}: not a regular file")
    if st.st_mode & 0o077:
        raise ProvisionError(f"{path}: readable by others; run chmod 600 on it")
    return path.read_bytes()


def project_key(workspace: Path) -> tuple[Ed25519PrivateKey, bool]:
    """The workspace's signing key, created on first use; (key, created)."""
    folder = private_dir(workspace / PROJECT_DIR)
    path = folder / PROJECT_KEY
    if path.exists():
        try:
            key = serialization.load_pem_private_key(read_private(path), password=None)
        except ValueError as exc:
            raise ProvisionError(f"{path}: not a usable key: {exc}") from None
        if not isinstance(key, Ed25519PrivateKey):
            raise ProvisionError(f"{path}: not an Ed25519 key")
        return key, False
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    write_private(path, pem)
    return key, True


def participant_keys(workspace: Path, name: str, *, rotate: bool) -> tuple[CurveKeyPair, str]:
    """The CurveZMQ pair of ``name``: kept from the last run, or new; (pair, what happened)."""
    folder = private_dir(workspace / PROJECT_DIR / KEYS_DIR)
    path = folder / f"{name}.key"
    if path.exists() and not rotate:
        try:
            return CurveKeyPair.from_secret(read_private(path).strip()), "kept"
        except ValueError as exc:
            raise ProvisionError(f"{path}: not a CurveZMQ secret key: {exc}") from None
    status = "rotated" if path.exists() else "new"
    pair = CurveKeyPair.generate()
    write_private(path, pair.secret + b"\n")
    return pair, status


def read_state(workspace: Path) -> dict[str, Any] | None:
    path = workspace / PROJECT_DIR / STATE_FILE
    if not path.is_file():
        return None
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ProvisionError(f"{path}: unreadable: {exc}") from None
    return state if isinstance(state, dict) else None


def write_state(workspace: Path, state: dict[str, Any]) -> None:
    write_private(
        workspace / PROJECT_DIR / STATE_FILE,
        (json.dumps(state, indent=2, sort_keys=True) + "\n").encode(),
    )
