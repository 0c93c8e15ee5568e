"""Checkpoint files: atomic writes, safe loads, and what a checkpoint holds.

A checkpoint is a dict saved with ``torch.save``::

    {"model": <state_dict>,                       # always; what Clara's CheckpointLoader reads
     "optimizer": ..., "lr_scheduler": ...,       # the latest checkpoint, for resuming
     "trainer": {"epoch": E, "iteration": I, "epoch_length": L},   # completed epochs
     "best": {"metric": "val_acc", "value": 0.97, "epoch": 5},     # best key metric so far
     "train_conf": {...}}                         # when the config's save_dict asks for "@conf"

Everything in it loads with ``torch.load(weights_only=True)``, so reading a checkpoint
never unpickles arbitrary objects. Writes go to a temporary file in the same folder that
is fsync'ed and then atomically renamed over the target, so an interrupted run (Ctrl-C,
a killed process) leaves either the previous checkpoint or the new one, never half a file.

A file written every round (the FL server's global model) can bypass the page cache
(``direct=True``, Linux ``O_DIRECT``): a buffered write copies the whole model into
page-cache pages the kernel has just allocated, and the next round's rename frees them
again. On the VMs we measured, that copy into fresh pages cost 0.12-0.25 s of CPU per
100 MB (``copy_folio_from_iter_atomic``, under host page faults), against ~0.03 s for a
direct write through one reused 8 MiB buffer: CPU that the round's transfer and the
sites' training need on a machine that runs them all. Filesystems that refuse ``O_DIRECT``
at open or at the first write (some network and FUSE mounts, tmpfs before Linux 6.6) get
the buffered write.
"""

from __future__ import annotations

import errno
import io
import mmap
import os
import signal
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import torch
from mmarc.runtime.executor.errors import ExecutorError


@contextmanager
def _no_sigint() -> Iterator[None]:
    """Hold off Ctrl-C while a checkpoint is written (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pending: list[Any] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: pending.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if pending and callable(previous):
            previous(signal.SIGINT, None)


#: Bytes of the buffer a direct write goes through (a multiple of :data:`DIRECT_ALIGN`).
DIRECT_BUFFER = 8 << 20
#: Alignment of a direct write's memory, offsets and lengths (covers 512 B and 4 KiB sectors).
DIRECT_ALIGN = 4096


class DirectWriter(io.RawIOBase):
    """A sequential, write-only file that bypasses the page cache (``O_DIRECT``).

    ``torch.save`` writes into one page-aligned buffer, flushed to the file whenever it
    is full; :meth:`finish` pads the last block, writes it and truncates the file to the
    bytes written. Any ``OSError`` of a write is kept in :attr:`error` (``torch.save``
    wraps what its writer raises)."""

    def __init__(self, fd: int, buffer: mmap.mmap) -> None:
        super().__init__()
        self._fd = fd
        self._view = memoryview(buffer)
        self._fill = 0
        self._flushed = 0
        self.error: OSError | None = None

    def writable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._flushed + self._fill

    def write(self, data: Any) -> int:
        view = memoryview(data).cast("B")
        size = len(view)
        done = 0
        while done < size:
            n = min(size - done, len(self._view) - self._fill)
            self._view[self._fill : self._fill + n] = view[done : done + n]
            self._fill += n
            done += n
            if self._fill == len(self._view):
                self._write_out(self._fill)
        return size

    def _write_out(self, length: int) -> None:
        try:
            written = os.write(self._fd, self._view[:length])
            if written != length:  # O_DIRECT writes whole blocks or fail (ENOSPC)
                raise OSError(errno.EIO, f"short direct write: {written} of {length} bytes")
        except OSError as exc:
            self.error = exc
            raise
        self._flushed += length
        self._fill = 0

    def finish(self) -> int:
        """Write what is buffered (zero-padded to whole blocks), cut the file to the
        bytes written and return their number."""
        size = self.tell()
        if self._fill:
            padded = -(-self._fill // DIRECT_ALIGN) * DIRECT_ALIGN
            self._view[self._fill : padded] = bytes(padded - self._fill)
            self._write_out(padded)
        os.ftruncate(self._fd, size)
        return size

    def close(self) -> None:
        if not self.closed:
            self._view.release()
        super().close()


_direct_buffers = threading.local()


def _direct_buffer() -> mmap.mmap:
    """This thread's page-aligned buffer for direct writes, kept for its next save: a new
    8 MiB mapping per save would cost its page faults every round."""
    buffer: mmap.mmap | None = getattr(_direct_buffers, "buffer", None)
    if buffer is None:
        buffer = _direct_buffers.buffer = mmap.mmap(-1, DIRECT_BUFFER)
    return buffer


def _save_direct(obj: Any, tmp: Path) -> bool:
    """``torch.save(obj)`` to a new file ``tmp`` through :class:`DirectWriter`, fsync'ed;
    False (nothing left behind) if this filesystem refuses ``O_DIRECT``."""
    flag = getattr(os, "O_DIRECT", 0)
    if not flag:
        return False
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | flag, 0o644)
    except OSError as exc:
        if exc.errno == errno.EINVAL:
            return False
        raise
    writer = DirectWriter(fd, _direct_buffer())
    try:
        torch.save(obj, writer)  # type: ignore[arg-type]  # a binary stream
        writer.finish()
        os.fsync(fd)
    except Exception:
        if writer.error is None:
            raise
        if writer.error.errno != errno.EINVAL:
            raise writer.error from None  # as the write raised it, not as torch wraps it
        tmp.unlink(missing_ok=True)
        return False  # opened, but refused direct writes
    finally:
        writer.close()
        os.close(fd)
    return True


def atomic_save(obj: Any, path: Path, *, direct: bool = False, durable: bool = True) -> Path:
    """``torch.save(obj)`` to ``path`` via a temporary file and an atomic rename.

    ``direct``: write the temporary file past the page cache where the filesystem allows
    it (see the module docstring); for files rewritten every round. ``durable=False``: no
    fsync before the rename, for a file that another process reads at once and removes
    (the first global model): readers still never see half a file, a crash loses the run
    that would read it anyway, and syncing a 100 MB model took ~0.09 s here."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with _no_sigint():
        try:
            if not (direct and _save_direct(obj, tmp)):
                with open(tmp, "wb") as fh:
                    torch.save(obj, fh)
                    fh.flush()
                    if durable:
                        os.fsync(fh.fileno())
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
    return path


def atomic_write_text(text: str, path: Path) -> Path:
    """Write text to ``path`` atomically (same scheme as :func:`atomic_save`)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def load_checkpoint(path: Path, device: torch.device, pointer: str | None) -> dict[str, Any]:
    """Read a checkpoint (tensors and plain data only) onto ``device``."""
    if not path.is_file():
        raise ExecutorError(f"checkpoint {path} does not exist", pointer)
    try:
        data = torch.load(path, map_location=device, weights_only=True)
    except Exception as exc:
        raise ExecutorError(f"cannot read checkpoint {path}: {exc}", pointer) from exc
    if not isinstance(data, dict):
        raise ExecutorError(f"checkpoint {path} does not hold a dict", pointer)
    return data


def state_of(obj: Any) -> Any:
    """What to store for ``obj``: its ``state_dict()`` when it has one, else the value."""
    state_dict = getattr(obj, "state_dict", None)
    return state_dict() if callable(state_dict) else obj


def load_object(
    obj: Any, state: Any, key: str, path: Path, pointer: str | None, strict: bool = True
) -> None:
    """Load ``state`` (the checkpoint's ``key`` entry) into ``obj`` with a readable error."""
    loader = getattr(obj, "load_state_dict", None)
    if not callable(loader):
        raise ExecutorError(f"cannot load {key!r} from {path}: the object has no state", pointer)
    try:
        if isinstance(obj, torch.nn.Module):
            obj.load_state_dict(state, strict=strict)
        else:
            loader(state)
    except Exception as exc:
        raise ExecutorError(
            f"checkpoint {path} does not fit {key!r} ({type(exc).__name__}: {exc})", pointer
        ) from exc


def model_state(ckpt: Mapping[str, Any], key: str = "model") -> Any:
    """The state dict to load into a network: ``ckpt[key]``, or ``ckpt`` itself when the
    file is a bare ``state_dict`` (a plain ``torch.save(net.state_dict())``)."""
    if key in ckpt:
        return ckpt[key]
    if ckpt and all(isinstance(v, torch.Tensor) for v in ckpt.values()):
        return ckpt
    return None
