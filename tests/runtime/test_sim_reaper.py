"""What the simulator's zygote becomes after its last fork (runtime/sim/reaper.py) removes
when the launcher died: the run's socket folder, and nothing else."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from mmarc.runtime.sim.reaper import IPC_PREFIX, remove_orphaned

pytestmark = pytest.mark.skipif(os.name != "posix", reason="the simulator's ipc folders")


def test_the_socket_folder_is_removed_with_what_was_left_in_it(tmp_path: Path) -> None:
    folder = tmp_path / f"{IPC_PREFIX}abc123"
    folder.mkdir(mode=0o700)
    (folder / "0123456789abcdef0123456789abcdef.bin").write_bytes(b"\0" * 4096)
    assert remove_orphaned(str(folder))
    assert not folder.exists()


def test_only_a_real_mmarc_sim_folder_is_removed(tmp_path: Path) -> None:
    other = tmp_path / "data"
    other.mkdir()
    (other / "keep.txt").write_text("x")
    assert not remove_orphaned(str(other))  # not the launcher's name
    link = tmp_path / f"{IPC_PREFIX}link"
    link.symlink_to(other)
    assert not remove_orphaned(str(link))  # a link to elsewhere: neither it nor its target
    assert link.is_symlink() and (other / "keep.txt").exists()
    named_file = tmp_path / f"{IPC_PREFIX}file"
    named_file.write_text("x")
    assert not remove_orphaned(str(named_file))
    assert named_file.exists()
    assert not remove_orphaned(str(tmp_path / f"{IPC_PREFIX}missing"))
