"""SHA-256 of a file, streamed: the one file-hash helper of mmarc.

The plan records the hash of every ``custom/`` file, kits record the hash of every file
they carry, and both sides recompute them before trusting the bytes; reading in chunks
keeps a large file from being buffered whole.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

__all__ = ["file_sha256"]

_CHUNK = 1 << 20


def file_sha256(path: Path | str) -> str:
    """Hex SHA-256 of the file at ``path``, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
