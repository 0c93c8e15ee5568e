"""Same-host payloads: a message's tensor bytes in a file next to its ``ipc://`` socket.

Why: when the server and its clients share a machine (the simulator binds an ``ipc://``
socket in a private folder), pushing a 100 MB model through a socket to each site costs
a kernel copy on each side per site, one site after the other. Written once into a file
of that folder (``/dev/shm`` where the simulator can, so memory, not disk), the model
reaches every site at once: each maps the file and copies straight into its network,
and the server reads each update where the site wrote it, without a copy.

How a message travels: its header frame still goes through the socket, with ``"shm"``
naming the file and no data frames; the file holds the frames at the offsets
:func:`~..protocol.shared_layout` derives from the header's manifest. Each name is for
one reader, who unlinks it as soon as it has opened it, so nothing is left behind once
a message is read. A payload laid out once and sent to many (:class:`~..protocol.Payload`,
a round's global model) is written once and *linked* under one fresh name per recipient.

What a reader trusts: nothing but the folder. Shared payloads are taken only on an
endpoint whose address is an ``ipc://`` socket in a folder owned by this user and closed
to everyone else (mode ``0700``): the same check that keeps other users off the socket.
The name must be 32 hex digits plus ``.bin``; the file is opened without following links
and must be a regular file of this user whose size is exactly what the manifest implies
(checked before it is mapped, within the endpoint's limits); the tensors then pass
through the same decoder and layout checks as frames off the wire. A refusal is a
:class:`~..protocol.ProtocolError`, like any malformed message.
"""

from __future__ import annotations

import contextlib
import logging
import mmap
import os
import stat
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..protocol import (
    SHARED_NAME,
    Header,
    Limits,
    Payload,
    ProtocolError,
    encode,
    shared_layout,
)

__all__ = ["SHARED_MIN_BYTES", "SharedFolder", "send_payload", "shared_folder"]

log = logging.getLogger(__name__)

#: Payloads smaller than this stay in frames: a file costs a few system calls, which
#: only pay off once the bytes take longer to copy through a socket than that.
SHARED_MIN_BYTES = 1024 * 1024

_OPEN_READ = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK
_OPEN_WRITE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC


def shared_folder(address: str) -> Path | None:
    """The folder for shared payloads of a ZeroMQ address: the folder of an ``ipc://``
    socket when it is a directory of this user that no one else may enter; else None
    (TCP, or a folder others could read or write: payloads stay in frames)."""
    if not address.startswith("ipc://"):
        return None
    folder = Path(address.removeprefix("ipc://")).parent
    try:
        info = os.stat(folder, follow_symlinks=False)
    except OSError:
        return None
    private = stat.S_IMODE(info.st_mode) & 0o077 == 0
    if stat.S_ISDIR(info.st_mode) and info.st_uid == os.geteuid() and private:
        return folder
    return None


class SharedFolder:
    """Writes and reads shared payloads in one folder (see the module docstring).

    Not thread-safe: used by one endpoint's thread. :meth:`close` removes the file this
    side keeps for late recipients; names handed to readers are theirs to unlink.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._dir = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
        #: the payload last written for many recipients, and the file that holds it
        self._kept: tuple[Payload, str] | None = None
        self._failed = False  # a write failed: frames from then on (see publish)
        self._closed = False

    # --- sending ------------------------------------------------------------------------

    def publish(self, header: Header, payload: Payload, *, many: bool) -> str | None:
        """A fresh file name under which one recipient finds ``payload`` (``header`` is
        its header, manifest filled in), or None when it should go in frames (too small,
        or the folder is full: logged, and the message is sent the usual way).

        ``many``: the payload will be sent again (a broadcast): it is written once and
        linked under each recipient's name; otherwise written under that name directly.
        After a failed write (no space left) this endpoint sends frames for good: a
        folder that is full now will likely be full for the next model too.
        """
        if payload.nbytes < SHARED_MIN_BYTES or self._closed or self._failed:
            return None
        name = _fresh_name()
        try:
            if not many:
                self._write(name, header, payload)
                return name
            if self._kept is None or self._kept[0] is not payload:
                self._forget_kept()
                kept = _fresh_name()
                self._write(kept, header, payload)
                self._kept = (payload, kept)
            os.link(self._kept[1], name, src_dir_fd=self._dir, dst_dir_fd=self._dir)
        except OSError as exc:  # e.g. a container's small /dev/shm: say so once, then frames
            log.warning(
                "cannot write shared payloads in %s (%s); this endpoint sends frames from now on",
                self.folder,
                exc,
            )
            self._failed = True
            return None
        return name

    def _write(self, name: str, header: Header, payload: Payload) -> None:
        layout = shared_layout(header)
        fd = os.open(name, _OPEN_WRITE, 0o600, dir_fd=self._dir)
        try:
            for (offset, size), frame in zip(layout, payload.frames, strict=True):
                view = memoryview(frame).cast("B")
                if len(view) != size:
                    raise OSError(f"frame of {len(view)} bytes where the layout says {size}")
                written = 0
                while written < size:
                    written += os.pwrite(fd, view[written:], offset + written)
        except BaseException:
            os.close(fd)
            _unlink(name, self._dir)
            raise
        os.close(fd)

    def withdraw(self, name: str) -> None:
        """Remove a file published for a message that was never sent."""
        _unlink(name, self._dir)

    def _forget_kept(self) -> None:
        if self._kept is not None:
            _unlink(self._kept[1], self._dir)
            self._kept = None

    # --- receiving ----------------------------------------------------------------------

    def open(self, header: Header, limits: Limits) -> tuple[list[memoryview], memoryview]:
        """The data frames of a message whose header names a shared payload, and the
        mapping they are slices of. The file is unlinked once open (each name has one
        reader); the mapping is private (copy on write), so the arrays decoded from it
        are writable and what this side writes into them stays its own. Raises
        :class:`ProtocolError` for anything but the file the header promises."""
        layout = shared_layout(header, limits)
        total = layout[-1][0] + layout[-1][1] if layout else 0
        try:
            fd = os.open(header.shared, _OPEN_READ, dir_fd=self._dir)
        except OSError as exc:
            raise ProtocolError(f"shared payload {header.shared} cannot be opened: {exc}") from None
        try:
            _unlink(header.shared, self._dir)
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode) or info.st_uid != os.geteuid():
                raise ProtocolError(f"shared payload {header.shared} is not a file of this user")
            if info.st_size != total:
                raise ProtocolError(
                    f"shared payload {header.shared} holds {info.st_size} bytes, "
                    f"its manifest says {total}"
                )
            if total == 0:
                return [memoryview(b"") for _ in layout], memoryview(b"")
            whole = memoryview(mmap.mmap(fd, total, access=mmap.ACCESS_COPY))
        except OSError as exc:
            raise ProtocolError(f"shared payload {header.shared} cannot be read: {exc}") from None
        finally:
            os.close(fd)
        return [whole[offset : offset + size] for offset, size in layout], whole

    # --- lifetime -----------------------------------------------------------------------

    def close(self) -> None:
        """Remove the kept file and release the folder; idempotent."""
        if self._closed:
            return
        self._closed = True
        self._forget_kept()
        os.close(self._dir)

    def __del__(self) -> None:  # an endpoint not closed: do not leak the folder's fd
        if not getattr(self, "_closed", True):
            self.close()


def send_payload(
    shared: SharedFolder | None,
    header: Header,
    payload: Payload,
    deliver: Callable[[list[Any]], None],
    *,
    many: bool,
) -> None:
    """Send one message with ``deliver`` (an endpoint's send of a message's frames): its
    header frame alone, naming a shared file that holds the payload, when ``shared``
    writes one (:meth:`SharedFolder.publish`); the header and the payload's frames
    otherwise (see :func:`~..protocol.encode`). When ``deliver`` raises, the file named
    for this message is removed (no reader will come for it) and the error goes on."""
    if shared is not None:
        full = replace(header, tensors=payload.specs, chunk_bytes=payload.chunk_bytes)
        name = shared.publish(full, payload, many=many)
        if name is not None:
            try:
                deliver([replace(full, shared=name).to_bytes()])
            except BaseException:
                shared.withdraw(name)
                raise
            return
    deliver(encode(header, payload))


def _fresh_name() -> str:
    name = os.urandom(16).hex() + ".bin"
    assert SHARED_NAME.fullmatch(name)
    return name


def _unlink(name: str, dir_fd: int) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(name, dir_fd=dir_fd)
