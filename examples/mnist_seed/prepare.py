"""Write this MMAR's data into ``data/``: real MNIST when you have it, else bundled digits.

``--mnist DIR`` reads the four MNIST IDX files from DIR (``train-images-idx3-ubyte``,
``train-labels-idx1-ubyte``, ``t10k-images-idx3-ubyte``, ``t10k-labels-idx1-ubyte``, each
optionally ``.gz``; 60,000 training and 10,000 test images of 28x28) and writes the test
set as the ``validation`` split. Without it, scikit-learn's bundled handwritten digits are
written exactly as ``examples/digits_cnn/prepare.py`` writes them (1,437 training and 360
validation 8x8 scans, resized to ``IMAGE_SIZE`` by the MMAR's transforms). Nothing is ever
downloaded.

IDX files are read as untrusted input: the magic number, the element type, the
dimensions and the file's length are checked against each other before any data is
read, and a labels file must match its images file in count and hold digits 0-9.

Usage: python prepare.py [--mnist DIR] [--limit-train N] [--limit-test N] [--out DIR]
"""

from __future__ import annotations

import argparse
import gzip
import json
import runpy
import struct
import sys
from pathlib import Path
from typing import BinaryIO

import numpy as np

HERE = Path(__file__).resolve().parent
DIGITS_PREPARE = HERE.parent / "digits_cnn" / "prepare.py"

#: IDX element type 0x08: unsigned bytes (the only one MNIST uses).
IDX_UBYTE = 0x08
#: The largest dimension and element count accepted from an IDX header.
MAX_DIM = 10_000_000
MAX_ELEMENTS = 1 << 28  # 256 MiB: MNIST's training images are 47 MB

#: (split key, images file stem, labels file stem)
MNIST_FILES = (
    ("training", "train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    ("validation", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
)

__all__ = ["IdxError", "find_idx", "prepare_digits", "prepare_mnist", "read_idx"]


class IdxError(ValueError):
    """An IDX file that is not what MNIST's files are; the message names the file."""


def find_idx(folder: Path, stem: str) -> Path:
    """``stem``, ``stem.gz`` or the ``train-images.idx3-ubyte`` spelling, in ``folder``."""
    dotted = stem.replace("-idx", ".idx")
    for name in (stem, f"{stem}.gz", dotted, f"{dotted}.gz"):
        path = folder / name
        if path.is_file():
            return path
    raise IdxError(f"{folder} has no {stem} (nor {stem}.gz)")


def _gzipped(path: Path) -> bool:
    with open(path, "rb") as probe:
        return probe.read(2) == b"\x1f\x8b"


def read_idx(path: Path, ndim: int) -> np.ndarray:
    """The ``ndim``-dimensional unsigned-byte array in the IDX file ``path`` (gzip or not).

    Args:
        path: the file.
        ndim: the number of dimensions it must have (3 for images, 1 for labels).

    Raises:
        IdxError: the header or the length is wrong; nothing beyond the header is read then.
    """
    try:
        gzipped = _gzipped(path)
        fh: BinaryIO
        with gzip.open(path, "rb") if gzipped else open(path, "rb") as fh:  # type: ignore[assignment]
            head = fh.read(4)
            if len(head) < 4 or head[:2] != b"\x00\x00":
                raise IdxError(f"{path}: not an IDX file (bad magic number)")
            if head[2] != IDX_UBYTE:
                raise IdxError(f"{path}: element type 0x{head[2]:02x}, expected 0x08 (bytes)")
            if head[3] != ndim:
                raise IdxError(f"{path}: {head[3]} dimensions, expected {ndim}")
            raw_dims = fh.read(4 * ndim)
            if len(raw_dims) < 4 * ndim:
                raise IdxError(f"{path}: the header ends early")
            dims = struct.unpack(f">{ndim}I", raw_dims)
            count = 1
            for dim in dims:
                if not 0 < dim <= MAX_DIM:
                    raise IdxError(f"{path}: dimension {dim} is out of range")
                count *= dim
            if count > MAX_ELEMENTS:
                raise IdxError(f"{path}: {count} elements is more than mmarc reads")
            if not gzipped and path.stat().st_size != 4 + 4 * ndim + count:
                raise IdxError(f"{path}: the header says {count} bytes of data, the file differs")
            data = fh.read(count)
            if len(data) != count or fh.read(1):
                raise IdxError(f"{path}: the header says {count} bytes of data, the file differs")
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise IdxError(f"{path}: cannot read it: {exc}") from None
    return np.frombuffer(data, dtype=np.uint8).reshape(dims)


def _write_split(
    out: Path, key: str, images: np.ndarray, labels: np.ndarray, datalist: dict[str, list]
) -> None:
    (out / "images").mkdir(parents=True, exist_ok=True)
    prefix = "train" if key == "training" else "test"
    items = datalist.setdefault(key, [])
    for i, (image, label) in enumerate(zip(images, labels, strict=True)):
        name = f"images/{prefix}_{i:05d}.npy"
        np.save(out / name, image.astype(np.float32))
        items.append({"image": name, "label": int(label)})


def prepare_mnist(
    mnist: Path, out: Path, limit_train: int | None = None, limit_test: int | None = None
) -> Path:
    """Write MNIST from the IDX files in ``mnist`` under ``out``; return the datalist path."""
    datalist: dict[str, list] = {}
    limits = {"training": limit_train, "validation": limit_test}
    for key, images_stem, labels_stem in MNIST_FILES:
        images_path = find_idx(mnist, images_stem)
        labels_path = find_idx(mnist, labels_stem)
        images = read_idx(images_path, 3)
        labels = read_idx(labels_path, 1)
        if len(images) != len(labels):
            raise IdxError(
                f"{images_path} has {len(images)} images, {labels_path} {len(labels)} labels"
            )
        if labels.size and int(labels.max()) > 9:
            raise IdxError(f"{labels_path}: label {int(labels.max())} is not a digit 0-9")
        limit = limits[key]
        if limit is not None:
            images, labels = images[:limit], labels[:limit]
        _write_split(out, key, images, labels, datalist)
    document = {
        "name": "mnist",
        "description": "MNIST (LeCun et al.), read from the user's IDX files",
        "numTraining": len(datalist["training"]),
        "numValidation": len(datalist["validation"]),
        **datalist,
    }
    path = out / "dataset.json"
    path.write_text(json.dumps(document, indent=1) + "\n")
    return path


def prepare_digits(out: Path) -> Path:
    """Write scikit-learn's bundled digits under ``out`` (as examples/digits_cnn does)."""
    path: Path = runpy.run_path(str(DIGITS_PREPARE))["prepare"](out)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mnist", type=Path, help="folder holding the four MNIST IDX files")
    parser.add_argument("--limit-train", type=int, help="use the first N training images")
    parser.add_argument("--limit-test", type=int, help="use the first N test images")
    parser.add_argument("--out", type=Path, default=HERE / "data")
    args = parser.parse_args()
    if args.mnist is None:
        path = prepare_digits(args.out)
    else:
        try:
            path = prepare_mnist(args.mnist, args.out, args.limit_train, args.limit_test)
        except IdxError as exc:
            sys.exit(f"prepare.py: error: {exc}")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
