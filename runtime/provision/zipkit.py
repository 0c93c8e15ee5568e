"""Password-protected kit zips, as Clara distributed kits, but with AES instead of ZipCrypto.

Why pyzipper: the standard library's ``zipfile`` can only *read* the legacy ZipCrypto
scheme, which is broken (known-plaintext attacks recover the keys in minutes). pyzipper
is a maintained fork of ``zipfile`` that writes WinZip AES-256 archives (opened by
7-Zip, WinZip, macOS Archive Utility with 7z, and pyzipper itself). It is an optional
dependency (``pip install 'mmarc[zip]'``); without it ``--zip-password`` is refused
rather than falling back to weak encryption.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .project import ProvisionError


def require_pyzipper() -> Any:
    try:
        import pyzipper
    except ImportError:
        raise ProvisionError(
            "--zip-password needs AES zip support: pip install 'mmarc[zip]' (pyzipper); "
            "mmarc does not write ZipCrypto archives, whose encryption is broken"
        ) from None
    return pyzipper


def zip_kit(kit: Path, out: Path, password: str) -> Path:
    """AES-256 zip of ``kit/startup`` as ``<kit name>/startup/...``; file modes are kept."""
    pyzipper = require_pyzipper()
    tmp = out.with_name(out.name + ".tmp")
    with pyzipper.AESZipFile(
        tmp, "w", compression=pyzipper.ZIP_DEFLATED, encryption=pyzipper.WZ_AES
    ) as archive:
        archive.setpassword(password.encode())
        archive.setencryption(pyzipper.WZ_AES, nbits=256)
        startup = kit / "startup"
        for path in sorted(startup.rglob("*")):
            if not path.is_file() or path.is_symlink():
                continue
            arcname = f"{kit.name}/{path.relative_to(kit).as_posix()}"
            info = archive.zipinfo_cls(arcname)
            info.external_attr = (os.stat(path).st_mode & 0o777 | 0o100000) << 16
            info.compress_type = pyzipper.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
    os.chmod(tmp, 0o600)
    os.replace(tmp, out)
    return out


def unzip_kit(archive_path: Path, dest: Path, password: str) -> Path:
    """Extract a kit zip made by :func:`zip_kit`, restoring file modes; the kit folder.

    Member names are checked to stay inside ``dest`` (no ``..`` or absolute names).
    """
    pyzipper = require_pyzipper()
    from ..security.uploads import UploadRefused, safe_relpath

    with pyzipper.AESZipFile(archive_path) as archive:
        archive.setpassword(password.encode())
        top = None
        for info in archive.infolist():
            try:
                name = safe_relpath(info.filename)
            except UploadRefused as exc:
                raise ProvisionError(f"{archive_path}: unsafe member: {exc}") from None
            top = name.split("/")[0]
            target = dest / name
            target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            data = archive.read(info)
            mode = (info.external_attr >> 16) & 0o777 or 0o600
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, mode)
            with os.fdopen(fd, "wb") as handle:
                os.fchmod(handle.fileno(), mode)
                handle.write(data)
    if top is None:
        raise ProvisionError(f"{archive_path}: empty archive")
    return dest / top
