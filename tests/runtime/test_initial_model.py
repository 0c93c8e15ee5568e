"""The first global model is built in a child process (runtime/server/initial.py), so the
server never imports MONAI: the child's weights must be exactly those the plan's network
gets in process with the plan's seed, and a network that cannot be built is a one-line
ServerError, not a traceback."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from helpers import load_plan, plan_of, tiny_digits
from mmarc.runtime.server.initial import (
    InitialFile,
    build_in_child,
    build_initial,
    untied,
    write_initial,
)
from mmarc.runtime.server.records import ServerError

POINTER = "/train/model"


@pytest.mark.slow
def test_the_child_builds_the_same_seeded_network(tmp_path: Path) -> None:
    root = tiny_digits(tmp_path / "mmar", n_train=8, n_val=4)
    plan = plan_of(load_plan("digits_cnn"))
    child = build_in_child(plan, root, POINTER, tmp_path / "run")
    here = build_initial(plan, root, POINTER)
    assert list(child) == list(here)
    assert all(np.array_equal(child[k], here[k]) for k in here)
    assert not list((tmp_path / "run").iterdir())  # its plan and model files are gone


def test_a_network_that_cannot_be_built_is_one_line(tmp_path: Path) -> None:
    root = tiny_digits(tmp_path / "mmar", n_train=8, n_val=4)
    plan = plan_of(load_plan("digits_cnn"))
    with pytest.raises(ServerError, match=r"first global model failed: .*nope") as info:
        build_in_child(plan, root, "/train/nope", tmp_path / "run")
    assert "\n" not in str(info.value)


def test_a_model_written_by_another_process_is_read_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The simulator's zygote writes the model (write_initial, without an fsync: the
    server reads it at once), the server reads it with InitialFile: the same weights as
    built here, and the file is gone after reading."""
    root = tiny_digits(tmp_path / "mmar", n_train=8, n_val=4)
    plan = plan_of(load_plan("digits_cnn"))
    path = tmp_path / ".initial-model.pt"
    synced: list[int] = []
    monkeypatch.setattr(os, "fsync", synced.append)
    write_initial(plan, root, POINTER, path)
    assert synced == []
    read = InitialFile(path).result()
    here = build_initial(plan, root, POINTER)
    assert list(read) == list(here)
    assert all(np.array_equal(read[k], here[k]) for k in here)
    assert not path.exists()
    for array in read.values():  # mapped from the file, yet the server's own to change
        array += 1
    assert all(np.array_equal(read[k], here[k] + 1) for k in here)
    with pytest.raises(ServerError, match="was not written") as info:
        InitialFile(path).result()
    assert "\n" not in str(info.value)
    path.write_bytes(b"not a checkpoint")
    with pytest.raises(ServerError, match="cannot read the first global model"):
        InitialFile(path).result()


def test_tied_weights_are_read_back_as_independent_arrays(tmp_path: Path) -> None:
    """write_initial saves the network's own tensors (no copy), except one that shares
    memory with another: the server must get arrays it can change one by one."""
    import torch
    from mmarc.runtime.executor.checkpoints import atomic_save

    weight = torch.arange(6, dtype=torch.float32).reshape(2, 3)
    state = {"encoder.weight": weight, "decoder.weight": weight, "bias": torch.zeros(3)}
    saved = untied(state)
    assert saved["encoder.weight"].data_ptr() == weight.data_ptr()  # not copied
    assert saved["decoder.weight"].data_ptr() != weight.data_ptr()
    path = tmp_path / ".initial-model.pt"
    atomic_save(saved, path)
    read = InitialFile(path).result()
    read["encoder.weight"][0, 0] = 100.0
    assert read["decoder.weight"][0, 0] == 0.0
    assert np.array_equal(read["decoder.weight"], weight.numpy())
