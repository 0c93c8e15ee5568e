"""An uploaded MMAR zip, unpacked as safely as the admin service stores an upload.

Why: a zip is attacker-shaped input: member names may climb out (``../``, absolute,
backslashes), members may be links or devices, and declared sizes may lie (a zip bomb).
Names and declared sizes are checked by the admin service's own upload rules
(:func:`~mmarc.runtime.security.uploads.check_entries`) before a byte is inflated; each
member is inflated with a cap of its declared size; files are created by
:func:`~mmarc.runtime.security.uploads.write_upload` (``O_EXCL | O_NOFOLLOW`` in a fresh
private folder). One top folder shared by every member is taken as the MMAR's name.
"""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path
from typing import IO

from mmarc.runtime.security.names import UnsafeName, check_name
from mmarc.runtime.security.uploads import (
    DEFAULT_UPLOAD_LIMITS,
    UploadEntry,
    UploadLimits,
    UploadRefused,
    check_entries,
    write_upload,
)

__all__ = ["stage_zip"]


def _mmar_name(names: list[str], fallback: str) -> tuple[str, int]:
    tops = {n.split("/", 1)[0] for n in names}
    if len(tops) == 1 and all("/" in n for n in names):
        return tops.pop(), 1
    return fallback, 0


def stage_zip(
    stream: IO[bytes],
    filename: str,
    staging: Path,
    limits: UploadLimits = DEFAULT_UPLOAD_LIMITS,
) -> Path:
    """Check and unpack the zip in ``stream`` into a fresh folder of ``staging``.

    Returns the staged MMAR folder (named after the zip's one top folder, else the file
    name). Raises :class:`UploadRefused` naming the offending member.
    """
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise UploadRefused(f"{filename[:80]}: not a zip file ({exc})") from None
    with archive:
        infos = [i for i in archive.infolist() if not i.is_dir()]
        if len(infos) > limits.max_files:
            raise UploadRefused(f"the zip has {len(infos)} files, limit {limits.max_files}")
        for info in infos:
            kind = stat.S_IFMT(info.external_attr >> 16)
            if kind and kind != stat.S_IFREG:  # links, devices, fifos; no type: a plain file
                raise UploadRefused(f"{info.filename[:120]}: not a regular file", info.filename)
            if info.flag_bits & 0x1:
                raise UploadRefused(f"{info.filename[:120]}: encrypted members are not accepted")
        names = [i.filename for i in infos]
        entries = [UploadEntry(i.filename, i.file_size) for i in infos]
        check_entries(entries, limits)
        stem = Path(filename).stem if filename else "upload"
        name, strip = _mmar_name(names, stem)
        try:
            check_name(name, "MMAR name")
        except UnsafeName as exc:
            raise UploadRefused(str(exc)) from None
        inner: list[UploadEntry] = []
        blobs: list[bytes] = []
        for info in infos:
            with archive.open(info) as member:
                blob = member.read(info.file_size + 1)
            if len(blob) != info.file_size:
                raise UploadRefused(
                    f"{info.filename[:120]}: inflates to more than its declared size",
                    info.filename,
                )
            rel = info.filename.split("/", strip)[-1] if strip else info.filename
            inner.append(UploadEntry(rel, info.file_size))
            blobs.append(blob)
        check_entries(inner, limits)
        return write_upload(staging, inner, blobs, name)
