"""Atomic checkpoint writes, buffered and past the page cache (``O_DIRECT``)."""

from __future__ import annotations

import errno
import fcntl
import mmap
import os
from pathlib import Path
from typing import Any

import pytest
import torch
from mmarc.runtime.executor import checkpoints
from mmarc.runtime.executor.checkpoints import DIRECT_ALIGN, DirectWriter, atomic_save


def _state(elements: int) -> dict[str, Any]:
    generator = torch.Generator().manual_seed(3)
    return {
        "model": {
            "w": torch.randn(elements, generator=generator),
            "b": torch.arange(7, dtype=torch.int64),
        },
        "fl": {"round": 4, "rows": "[]"},
    }


def _direct_supported(folder: Path) -> bool:
    flag = getattr(os, "O_DIRECT", 0)
    if not flag:
        return False
    probe = folder / ".probe"
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | flag, 0o644)
    except OSError:
        return False
    buffer = mmap.mmap(-1, DIRECT_ALIGN)
    try:
        os.write(fd, memoryview(buffer))
        return True
    except OSError:
        return False
    finally:
        buffer.close()
        os.close(fd)
        probe.unlink()


def _assert_saved_buffered(folder: Path) -> None:
    """A direct save into ``folder`` that fell back still writes the whole file, and
    leaves no temporary file behind."""
    state = _state(10_000)
    path = atomic_save(state, folder / "m.pt", direct=True)
    assert torch.equal(torch.load(path, weights_only=True)["model"]["w"], state["model"]["w"])
    assert [p.name for p in folder.iterdir()] == ["m.pt"]


def test_a_direct_write_holds_the_same_bytes_as_a_buffered_one(tmp_path: Path) -> None:
    if not _direct_supported(tmp_path):
        pytest.skip("this filesystem refuses O_DIRECT")
    state = _state(3 * (checkpoints.DIRECT_BUFFER // 4) + 1001)  # several buffers, ragged end
    buffered = atomic_save(state, tmp_path / "buffered.pt")
    direct = atomic_save(state, tmp_path / "direct.pt", direct=True)
    assert direct.stat().st_size % DIRECT_ALIGN != 0  # cut to the bytes written, not padded
    assert direct.read_bytes() == buffered.read_bytes()
    loaded = torch.load(direct, weights_only=True)
    assert torch.equal(loaded["model"]["w"], state["model"]["w"])
    assert loaded["fl"] == state["fl"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["buffered.pt", "direct.pt"]


def test_a_direct_write_replaces_the_file_and_reuses_its_buffer(tmp_path: Path) -> None:
    if not _direct_supported(tmp_path):
        pytest.skip("this filesystem refuses O_DIRECT")
    target = tmp_path / "FL_global_model.pt"
    for round_ in range(3):
        state = _state(50_000 + round_)
        state["fl"]["round"] = round_
        atomic_save(state, target, direct=True)
        assert torch.load(target, weights_only=True)["fl"]["round"] == round_
    first = checkpoints._direct_buffer()
    assert checkpoints._direct_buffer() is first  # one buffer per thread, kept
    assert [p.name for p in tmp_path.iterdir()] == [target.name]


def test_a_filesystem_that_refuses_direct_writes_gets_a_buffered_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Some filesystems (FUSE, network mounts) open with O_DIRECT and then refuse the
    write (EINVAL): the save falls back to a buffered write, no temporary file left."""
    if not _direct_supported(tmp_path):
        pytest.skip("this filesystem refuses O_DIRECT")
    real_write = os.write
    refused: list[int] = []

    def write(fd: int, data: Any) -> int:
        if fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_DIRECT:
            refused.append(fd)
            raise OSError(errno.EINVAL, "Invalid argument")
        return real_write(fd, data)

    monkeypatch.setattr(checkpoints.os, "write", write)
    _assert_saved_buffered(tmp_path)
    assert refused, "the direct write was not attempted"


def test_a_filesystem_that_refuses_to_open_direct_gets_a_buffered_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """tmpfs before Linux 6.6 and some mounts refuse O_DIRECT at open (EINVAL)."""
    real_open = os.open
    refused: list[str] = []

    def open_(path: Any, flags: int, mode: int = 0o777) -> int:
        if flags & getattr(os, "O_DIRECT", 0):
            refused.append(str(path))
            raise OSError(errno.EINVAL, "Invalid argument")
        return real_open(path, flags, mode)

    monkeypatch.setattr(checkpoints.os, "open", open_)
    _assert_saved_buffered(tmp_path)
    if getattr(os, "O_DIRECT", 0):
        assert refused, "the direct open was not attempted"


def test_other_write_errors_are_raised_not_hidden(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not _direct_supported(tmp_path):
        pytest.skip("this filesystem refuses O_DIRECT")

    def full(fd: int, data: Any) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(checkpoints.os, "write", full)
    with pytest.raises(OSError, match="No space"):
        atomic_save(_state(10_000), tmp_path / "m.pt", direct=True)
    assert list(tmp_path.iterdir()) == []


def test_the_writer_pads_the_last_block_and_cuts_the_file(tmp_path: Path) -> None:
    if not _direct_supported(tmp_path):
        pytest.skip("this filesystem refuses O_DIRECT")
    fd = os.open(tmp_path / "raw", os.O_WRONLY | os.O_CREAT | os.O_DIRECT, 0o644)
    buffer = mmap.mmap(-1, 2 * DIRECT_ALIGN)
    writer = DirectWriter(fd, buffer)
    payload = bytes(range(256)) * 40 + b"tail"  # 10,244 bytes: buffer flushed once, then a rest
    for start in range(0, len(payload), 1000):
        writer.write(memoryview(payload)[start : start + 1000])
    assert writer.tell() == len(payload)
    assert writer.finish() == len(payload)
    writer.close()
    os.close(fd)
    buffer.close()
    assert (tmp_path / "raw").read_bytes() == payload


def test_only_a_durable_save_syncs_and_both_leave_a_whole_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first global model is read by the server at once and removed: it is saved
    without an fsync (durable=False), every other checkpoint with one before the rename."""
    synced: list[int] = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(fd), real_fsync(fd))[1])
    state = _state(20_000)
    durable = atomic_save(state, tmp_path / "durable.pt")
    assert len(synced) == 1
    transient = atomic_save(state, tmp_path / "transient.pt", durable=False)
    assert len(synced) == 1
    assert transient.read_bytes() == durable.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["durable.pt", "transient.pt"]
