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
"""

from __future__ import annotations

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


def atomic_save(obj: Any, path: Path) -> Path:
    """``torch.save(obj)`` to ``path`` via a temporary file and an atomic rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with _no_sigint():
        try:
            with open(tmp, "wb") as fh:
                torch.save(obj, fh)
                fh.flush()
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
