"""Signed manifests: a folder's files, their SHA-256, and an Ed25519 signature over both.

Why: a startup kit travels by e-mail, USB stick or shared drive before it is run. Its
files decide where a client connects, which server key it trusts and which admin keys
a server accepts, so an edited kit must be refused *before* any of it is used. The
project's private key never leaves the provisioning workspace; each kit carries the
public key (``project.pub``) and a ``MANIFEST.json`` that lists every other file.

A kit that verifies against its own ``project.pub`` proves it was not edited since it
was signed by *that* key. That a kit comes from *your* project is proved by comparing
the key's fingerprint with one obtained elsewhere (printed by ``mmarc provision``):
pass it as ``trusted_fingerprint``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from mmarc.errors import MmarcError
from mmarc.plan.hashing import file_sha256

MANIFEST_NAME = "MANIFEST.json"
PUBLIC_KEY_NAME = "project.pub"
FORMAT = "mmarc-kit-manifest/1"
#: A manifest lists a few dozen files; anything larger is not ours.
MAX_MANIFEST_BYTES = 1024 * 1024


class ManifestError(MmarcError):
    """A folder does not match its signed manifest; ``file`` names the culprit."""

    def __init__(self, message: str, file: str | None = None) -> None:
        super().__init__(message)
        self.file = file


def _canonical(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def fingerprint(key: Ed25519PublicKey | Ed25519PrivateKey) -> str:
    """``sha256:<hex>`` of the raw public key: what users compare out of band."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return "sha256:" + hashlib.sha256(_raw_public(public)).hexdigest()


def public_pem(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def load_public_key(data: bytes) -> Ed25519PublicKey:
    """An Ed25519 public key from PEM; ``ValueError`` for anything else."""
    key = serialization.load_pem_public_key(data)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return key


def _walk(folder: Path) -> dict[str, Path]:
    """Every entry below ``folder`` by POSIX relative path; refuses anything not a plain
    file or folder (a symlink in a kit could point a verified name at unverified bytes)."""
    found: dict[str, Path] = {}
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        base = Path(dirpath)
        for name in sorted(dirnames + filenames):
            path = base / name
            rel = path.relative_to(folder).as_posix()
            mode = os.lstat(path).st_mode
            if stat.S_ISLNK(mode):
                raise ManifestError(f"{rel}: symbolic links are not allowed in a kit", rel)
            if stat.S_ISREG(mode):
                found[rel] = path
            elif not stat.S_ISDIR(mode):
                raise ManifestError(f"{rel}: not a regular file", rel)
    return found


def sign_folder(
    folder: Path, key: Ed25519PrivateKey, info: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Write ``project.pub`` and a signed ``MANIFEST.json`` covering every file in ``folder``.

    ``info`` (project, participant, role...) is signed with the hashes, so a valid kit
    of one participant cannot be relabelled as another's.
    """
    (folder / PUBLIC_KEY_NAME).write_bytes(public_pem(key))
    files = {
        rel: file_sha256(path)
        for rel, path in sorted(_walk(folder).items())
        if rel != MANIFEST_NAME
    }
    body = {
        "format": FORMAT,
        "info": dict(info or {}),
        "project_key": fingerprint(key),
        "files": files,
    }
    signature = key.sign(_canonical(body))
    manifest = {"signed": body, "signature": base64.b64encode(signature).decode("ascii")}
    (folder / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return body


def _read_manifest(folder: Path) -> tuple[dict[str, Any], bytes]:
    path = folder / MANIFEST_NAME
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        raise ManifestError(
            f"{MANIFEST_NAME} is missing: not a signed kit", MANIFEST_NAME
        ) from None
    if not stat.S_ISREG(mode):
        raise ManifestError(f"{MANIFEST_NAME} is not a regular file", MANIFEST_NAME)
    raw = path.read_bytes()[: MAX_MANIFEST_BYTES + 1]
    if len(raw) > MAX_MANIFEST_BYTES:
        raise ManifestError(f"{MANIFEST_NAME} is larger than {MAX_MANIFEST_BYTES} bytes")
    try:
        manifest = json.loads(raw)
        body = manifest["signed"]
        signature = base64.b64decode(manifest["signature"], validate=True)
    except (ValueError, KeyError, TypeError) as exc:
        raise ManifestError(f"{MANIFEST_NAME} is malformed: {exc}", MANIFEST_NAME) from None
    if (
        not isinstance(body, dict)
        or body.get("format") != FORMAT
        or not isinstance(body.get("files"), dict)
    ):
        raise ManifestError(f"{MANIFEST_NAME} is not a {FORMAT} manifest", MANIFEST_NAME)
    return body, signature


def verify_folder(folder: Path, *, trusted_fingerprint: str | None = None) -> dict[str, Any]:
    """Check the signature, then every file's hash; return the signed body.

    Raises :class:`ManifestError` naming the first file that is missing, added, changed,
    or a link, or the manifest itself when the signature does not verify. Nothing in the
    folder other than the manifest and the public key is read before the signature holds.
    """
    body, signature = _read_manifest(folder)
    pub_path = folder / PUBLIC_KEY_NAME
    if not pub_path.is_file() or pub_path.is_symlink():
        raise ManifestError(f"{PUBLIC_KEY_NAME} is missing", PUBLIC_KEY_NAME)
    try:
        public = load_public_key(pub_path.read_bytes()[:4096])
    except ValueError as exc:
        raise ManifestError(f"{PUBLIC_KEY_NAME}: {exc}", PUBLIC_KEY_NAME) from None
    actual = fingerprint(public)
    if trusted_fingerprint is not None and not _same_fingerprint(actual, trusted_fingerprint):
        raise ManifestError(
            f"kit is signed by another project key ({actual}), not the trusted "
            f"{trusted_fingerprint}",
            PUBLIC_KEY_NAME,
        )
    if body.get("project_key") != actual:
        raise ManifestError(
            f"{MANIFEST_NAME} names project key {str(body.get('project_key'))[:80]} but "
            f"{PUBLIC_KEY_NAME} is {actual}: signed by another project key",
            PUBLIC_KEY_NAME,
        )
    try:
        public.verify(signature, _canonical(body))
    except InvalidSignature:
        raise ManifestError(
            f"{MANIFEST_NAME}: signature does not verify against {PUBLIC_KEY_NAME} "
            "(manifest edited, or signed by another project key)",
            MANIFEST_NAME,
        ) from None
    listed: dict[str, Any] = body["files"]
    present = _walk(folder)
    for rel in sorted(listed):
        if rel not in present:
            raise ManifestError(f"{rel}: listed in the manifest but missing", rel)
        if file_sha256(present[rel]) != listed[rel]:
            raise ManifestError(f"{rel}: modified since the kit was signed (SHA-256 differs)", rel)
    extra = sorted(set(present) - set(listed) - {MANIFEST_NAME})
    if extra:
        raise ManifestError(f"{extra[0]}: not listed in the signed manifest", extra[0])
    return body


def _same_fingerprint(actual: str, trusted: str) -> bool:
    """Accept the full ``sha256:<hex>`` or a prefix of at least 16 hex digits."""
    want = trusted.strip().lower().removeprefix("sha256:")
    have = actual.removeprefix("sha256:")
    return len(want) >= 16 and have.startswith(want)
