"""examples/mnist_seed/prepare.py reads MNIST's IDX files (gzip or not) as untrusted input."""

from __future__ import annotations

import gzip
import json
import runpy
import struct
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from helpers import EXAMPLES

PREPARE: dict[str, Any] = runpy.run_path(str(EXAMPLES / "mnist_seed" / "prepare.py"))
IdxError = PREPARE["IdxError"]


def _idx(array: np.ndarray) -> bytes:
    head = bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return head + array.astype(np.uint8).tobytes()


def _mnist(folder: Path, n_train: int = 6, n_test: int = 4, gz: bool = False) -> dict:
    rng = np.random.default_rng(0)
    arrays = {
        "train-images-idx3-ubyte": rng.integers(0, 256, (n_train, 28, 28)),
        "train-labels-idx1-ubyte": rng.integers(0, 10, n_train),
        "t10k-images-idx3-ubyte": rng.integers(0, 256, (n_test, 28, 28)),
        "t10k-labels-idx1-ubyte": rng.integers(0, 10, n_test),
    }
    folder.mkdir(parents=True, exist_ok=True)
    for stem, array in arrays.items():
        data = _idx(array)
        if gz:
            (folder / f"{stem}.gz").write_bytes(gzip.compress(data))
        else:
            (folder / stem).write_bytes(data)
    return arrays


@pytest.mark.parametrize("gz", [False, True])
def test_mnist_idx_files_become_the_datalist(tmp_path: Path, gz: bool) -> None:
    arrays = _mnist(tmp_path / "mnist", gz=gz)
    path = PREPARE["prepare_mnist"](tmp_path / "mnist", tmp_path / "out")
    datalist = json.loads(path.read_text())
    assert (datalist["numTraining"], datalist["numValidation"]) == (6, 4)
    first = datalist["validation"][2]
    image = np.load(tmp_path / "out" / first["image"])
    assert image.shape == (28, 28) and image.dtype == np.float32
    np.testing.assert_array_equal(image, arrays["t10k-images-idx3-ubyte"][2])
    assert first["label"] == int(arrays["t10k-labels-idx1-ubyte"][2])


def test_limits_take_the_first_images(tmp_path: Path) -> None:
    _mnist(tmp_path / "mnist")
    path = PREPARE["prepare_mnist"](tmp_path / "mnist", tmp_path / "out", 3, 2)
    datalist = json.loads(path.read_text())
    assert (len(datalist["training"]), len(datalist["validation"])) == (3, 2)


def _corrupt(folder: Path, stem: str, data: bytes) -> None:
    (folder / stem).write_bytes(data)


@pytest.mark.parametrize(
    ("stem", "data", "message"),
    [
        ("train-images-idx3-ubyte", b"\x08\x03\x00\x00", "bad magic number"),
        ("train-images-idx3-ubyte", bytes([0, 0, 0x0D, 3]) + b"\0" * 12, "element type 0x0d"),
        ("train-images-idx3-ubyte", bytes([0, 0, 8, 2]) + b"\0" * 8, "2 dimensions"),
        ("train-images-idx3-ubyte", bytes([0, 0, 8, 3]) + b"\0\0", "header ends early"),
        (
            "train-images-idx3-ubyte",
            bytes([0, 0, 8, 3]) + struct.pack(">3I", 9_000_000, 28, 28),
            "more than mmarc reads",
        ),
        (
            "train-images-idx3-ubyte",
            bytes([0, 0, 8, 3]) + struct.pack(">3I", 6, 28, 28) + b"\0" * 100,
            "the file differs",
        ),
        ("train-labels-idx1-ubyte", _idx(np.arange(5) % 10), "6 images"),
        ("train-labels-idx1-ubyte", _idx(np.array([0, 1, 2, 3, 4, 12])), "label 12"),
    ],
)
def test_a_broken_idx_file_is_refused_by_name(
    tmp_path: Path, stem: str, data: bytes, message: str
) -> None:
    _mnist(tmp_path / "mnist")
    _corrupt(tmp_path / "mnist", stem, data)
    with pytest.raises(IdxError, match=message):
        PREPARE["prepare_mnist"](tmp_path / "mnist", tmp_path / "out")


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    _mnist(tmp_path / "mnist")
    (tmp_path / "mnist" / "t10k-labels-idx1-ubyte").unlink()
    with pytest.raises(IdxError, match="no t10k-labels-idx1-ubyte"):
        PREPARE["prepare_mnist"](tmp_path / "mnist", tmp_path / "out")
