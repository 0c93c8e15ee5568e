"""Upload safety: what an admin's ``upload_folder`` may put on the server.

An uploaded MMAR is written under the server's storage folder, later deployed to sites
and run there, so every upload is checked on both sides:

- *size*: per file, in total and in number of files, before anything is written;
- *place*: every path is relative, canonical and stays inside the upload (no ``..``,
  no absolute or drive paths, no backslashes, no control characters); the client sends
  only regular files (no symlinks, devices, fifos, sockets) and the server creates each
  file itself with ``O_EXCL | O_NOFOLLOW`` in a fresh folder, so nothing it writes can
  land outside the storage folder even if the storage already held a planted link;
- *content*: custom code (``custom/``, ``*.py`` and other loadable code) is refused
  where the uploader's (or the target site's) group rule ``allow_byoc`` is false, and
  custom datalists where ``allow_custom_datalist`` is false.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from mmarc.errors import MmarcError
from mmarc.file_kinds import FileKind, kind_from_name


@dataclass(frozen=True, slots=True)
class UploadLimits:
    """Bounds on one upload. ``max_file_bytes`` must not exceed the socket's frame limit."""

    max_total_bytes: int = 512 * 1024 * 1024
    max_file_bytes: int = 64 * 1024 * 1024
    max_files: int = 10_000
    max_path_chars: int = 512
    max_depth: int = 32


DEFAULT_UPLOAD_LIMITS = UploadLimits()


@dataclass(frozen=True, slots=True)
class UploadEntry:
    """One file of an upload: its POSIX path relative to the upload root and its size."""

    path: str
    size: int


class UploadRefused(MmarcError, ValueError):
    """An upload breaks a rule; ``path`` names the offending file where there is one."""

    def __init__(self, message: str, path: str | None = None) -> None:
        super().__init__(message)
        self.path = path


_DRIVE = re.compile(r"^[A-Za-z]:")
#: Files a Python process may load as code: refused with custom code under allow_byoc=false.
CODE_SUFFIXES = (".py", ".pyc", ".pyo", ".pyd", ".pyx", ".so", ".pth", ".dll", ".dylib")
#: Biggest JSON file read to tell whether it is a datalist.
_MAX_SNIFF_BYTES = 16 * 1024 * 1024


def safe_relpath(text: object, limits: UploadLimits = DEFAULT_UPLOAD_LIMITS) -> str:
    """``text`` if it is a canonical relative POSIX path inside the upload, else refuse."""
    if not isinstance(text, str) or not text:
        raise UploadRefused("file path must be a non-empty string")
    shown = text[:120]
    if len(text) > limits.max_path_chars:
        raise UploadRefused(f"{shown}...: path longer than {limits.max_path_chars}", shown)
    if not text.isprintable():
        raise UploadRefused(f"{shown!r}: path contains control characters", shown)
    if "\\" in text:
        raise UploadRefused(f"{shown}: backslashes are not allowed in paths", shown)
    if text.startswith("/") or _DRIVE.match(text):
        raise UploadRefused(f"{shown}: absolute paths are not allowed", shown)
    parts = text.split("/")
    if ".." in parts:
        raise UploadRefused(f"{shown}: '..' would escape the folder", shown)
    if any(part in ("", ".") for part in parts):
        raise UploadRefused(f"{shown}: path is not canonical (empty or '.' part)", shown)
    if len(parts) > limits.max_depth:
        raise UploadRefused(f"{shown}: nested deeper than {limits.max_depth}", shown)
    return text


def _check_sizes(entries: Sequence[UploadEntry], limits: UploadLimits) -> None:
    if len(entries) > limits.max_files:
        raise UploadRefused(f"upload has {len(entries)} files, limit {limits.max_files}")
    total = 0
    for entry in entries:
        if type(entry.size) is not int or entry.size < 0:
            raise UploadRefused(f"{entry.path}: size must be a non-negative integer", entry.path)
        if entry.size > limits.max_file_bytes:
            raise UploadRefused(
                f"{entry.path}: {entry.size} bytes, per-file limit {limits.max_file_bytes}",
                entry.path,
            )
        total += entry.size
        if total > limits.max_total_bytes:
            raise UploadRefused(
                f"upload is larger than the limit of {limits.max_total_bytes} bytes", entry.path
            )


def scan_folder(root: Path, limits: UploadLimits = DEFAULT_UPLOAD_LIMITS) -> list[UploadEntry]:
    """The regular files below ``root`` (client side); refuses links and special files."""
    root = Path(root)
    if not root.is_dir():
        raise UploadRefused(f"{root}: not a folder")
    entries: list[UploadEntry] = []

    def walk(folder: Path, prefix: str, depth: int) -> None:
        if depth > limits.max_depth:
            raise UploadRefused(f"{prefix}: nested deeper than {limits.max_depth}", prefix)
        with os.scandir(folder) as it:
            children = sorted(it, key=lambda e: e.name)
        for child in children:
            rel = f"{prefix}{child.name}"
            st = child.stat(follow_symlinks=False)
            if stat.S_ISLNK(st.st_mode):
                raise UploadRefused(f"{rel}: symbolic links cannot be uploaded", rel)
            if stat.S_ISDIR(st.st_mode):
                walk(Path(child.path), rel + "/", depth + 1)
            elif stat.S_ISREG(st.st_mode):
                entries.append(UploadEntry(safe_relpath(rel, limits), st.st_size))
                _check_sizes(entries, limits)
            else:
                raise UploadRefused(
                    f"{rel}: device files, fifos and sockets cannot be uploaded", rel
                )

    walk(root, "", 1)
    return entries


def read_upload(root: Path, entries: Sequence[UploadEntry]) -> list[bytes]:
    """Contents of ``entries`` (client side), re-checking each is still the same plain file."""
    blobs = []
    for entry in entries:
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
        try:
            fd = os.open(Path(root) / entry.path, flags)
        except OSError as exc:
            raise UploadRefused(f"{entry.path}: cannot read: {exc.strerror}", entry.path) from None
        with os.fdopen(fd, "rb") as handle:
            st = os.fstat(handle.fileno())
            if not stat.S_ISREG(st.st_mode) or st.st_size != entry.size:
                raise UploadRefused(f"{entry.path}: changed while uploading", entry.path)
            blobs.append(handle.read(entry.size + 1))
        if len(blobs[-1]) != entry.size:
            raise UploadRefused(f"{entry.path}: changed while uploading", entry.path)
    return blobs


def check_entries(
    entries: Sequence[UploadEntry], limits: UploadLimits = DEFAULT_UPLOAD_LIMITS
) -> None:
    """Server-side check of a declared upload, before any byte is written."""
    if not entries:
        raise UploadRefused("upload is empty")
    seen: set[str] = set()
    folders: set[str] = set()
    for entry in entries:
        path = safe_relpath(entry.path, limits)
        if path in seen:
            raise UploadRefused(f"{path}: listed twice", path)
        seen.add(path)
        folders.update(str(p) for p in PurePosixPath(path).parents if str(p) != ".")
    clash = sorted(seen & folders)
    if clash:
        raise UploadRefused(f"{clash[0]}: is both a file and a folder", clash[0])
    _check_sizes(entries, limits)


def custom_code(entries: Sequence[UploadEntry]) -> list[str]:
    """Paths that are custom code: anything under ``custom/`` and loadable code anywhere."""
    return [
        e.path
        for e in entries
        if e.path.split("/")[0] == "custom" or e.path.lower().endswith(CODE_SUFFIXES)
    ]


def _looks_like_datalist(blob: bytes) -> bool:
    """The compiler's content rule for datalists, on raw JSON bytes."""
    if len(blob) > _MAX_SNIFF_BYTES:
        return False
    try:
        obj = json.loads(blob)
    except ValueError:
        return False
    if not isinstance(obj, dict):
        return False
    keys = set(obj)
    return bool({"training", "validation", "test"} & keys) and not {"train", "validate"} & keys


def custom_datalists(
    entries: Sequence[UploadEntry], read: Callable[[str], bytes] | None = None
) -> list[str]:
    """Datalist files in the upload, by the compiler's name rule or, with ``read``, content."""
    found = []
    for e in entries:
        kind = kind_from_name(Path(e.path))
        by_content = (
            kind is None
            and read is not None
            and e.path.lower().endswith(".json")
            and _looks_like_datalist(read(e.path))
        )
        if kind is FileKind.DATALIST or by_content:
            found.append(e.path)
    return found


def check_rules(
    entries: Sequence[UploadEntry],
    *,
    allow_byoc: bool,
    allow_custom_datalist: bool,
    read: Callable[[str], bytes] | None = None,
    who: str = "the uploader's organisation",
) -> None:
    """Refuse custom code or custom datalists that the group rules of ``who`` forbid."""
    if not allow_byoc:
        code = custom_code(entries)
        if code:
            raise UploadRefused(
                f"custom code is not allowed for {who} (allow_byoc is false): "
                f"{', '.join(code[:5])}{' ...' if len(code) > 5 else ''}",
                code[0],
            )
    if not allow_custom_datalist:
        lists = custom_datalists(entries, read)
        if lists:
            raise UploadRefused(
                f"custom datalists are not allowed for {who} (allow_custom_datalist is "
                f"false): {', '.join(lists[:5])}",
                lists[0],
            )


def _mkdir_strict(path: Path) -> None:
    with contextlib.suppress(FileExistsError):
        os.mkdir(path, 0o750)
    if not stat.S_ISDIR(os.lstat(path).st_mode):
        raise UploadRefused(f"{path.name}: not a folder")


def write_upload(
    staging_root: Path,
    entries: Sequence[UploadEntry],
    blobs: Sequence[bytes | memoryview],
    name: str = "upload",
) -> Path:
    """Write a checked upload as ``name/`` inside a fresh private folder of ``staging_root``.

    Returns the ``name`` folder (an MMAR's folder name is part of its plan, so it is
    staged under its own name); :func:`install_upload` moves it into place. Each file is
    created with ``O_EXCL | O_NOFOLLOW`` (never through an existing name or link).
    """
    if len(entries) != len(blobs):
        raise UploadRefused(f"upload declares {len(entries)} files but carries {len(blobs)}")
    name = safe_relpath(name)
    if "/" in name:
        raise UploadRefused(f"{name}: an upload's name is one folder name")
    staging_root.mkdir(parents=True, exist_ok=True)
    private = Path(tempfile.mkdtemp(prefix=".upload-", dir=staging_root))
    tmp = private / name
    try:
        tmp.mkdir(mode=0o750)
        for entry, blob in zip(entries, blobs, strict=True):
            path = safe_relpath(entry.path)
            if len(blob) != entry.size:
                raise UploadRefused(
                    f"{path}: carries {len(blob)} bytes, declared {entry.size}", path
                )
            parts = path.split("/")
            folder = tmp
            for part in parts[:-1]:
                folder = folder / part
                _mkdir_strict(folder)
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
            fd = os.open(folder / parts[-1], flags, 0o640)
            with os.fdopen(fd, "wb") as handle:
                handle.write(blob)
    except BaseException:
        shutil.rmtree(private, ignore_errors=True)
        raise
    return tmp


def discard_upload(staged: Path) -> None:
    """Remove a staged upload (and its private staging folder)."""
    shutil.rmtree(staged.parent if staged.parent.name.startswith(".upload-") else staged, True)


def install_upload(staged: Path, dest: Path) -> Path:
    """Replace ``dest`` by the staged folder (a link at ``dest`` is removed, not followed)."""
    try:
        st = os.lstat(dest)
    except FileNotFoundError:
        st = None
    if st is not None:
        if stat.S_ISDIR(st.st_mode):
            trash = Path(tempfile.mkdtemp(prefix=".old-", dir=dest.parent))
            os.rename(dest, trash / "old")
            shutil.rmtree(trash, ignore_errors=True)
        else:
            os.unlink(dest)
    os.rename(staged, dest)
    if staged.parent.name.startswith(".upload-"):
        os.rmdir(staged.parent)
    return dest
