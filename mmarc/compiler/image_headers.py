"""The shape of an image file from its header alone: NIfTI-1/2 (``.nii``, ``.nii.gz``) and
NumPy (``.npy``).

Why: ``lint`` compares a network's input channels with the images it will be fed, on the
machine where the data is, but must stay fast and light (no nibabel, no numpy, no voxels
read): a NIfTI header is the first 348 (NIfTI-1) or 540 (NIfTI-2) bytes, gzip-compressed
or not, and a ``.npy`` header is a short Python literal after a magic string. Anything
else (DICOM, PNG, a header that does not parse) gives None, and the check is skipped.
"""

from __future__ import annotations

import ast
import gzip
import struct
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ImageHeader", "read_image_header"]

#: Bytes read at most from any file (a NIfTI-2 header; a .npy header is far shorter).
_MAX_HEADER = 4096


@dataclass(frozen=True, slots=True)
class ImageHeader:
    """An image's array shape as stored, and its format (``"nifti"`` or ``"npy"``)."""

    format: str
    shape: tuple[int, ...]


def read_image_header(path: Path) -> ImageHeader | None:
    """The stored shape of ``path``, or None when it is not a readable NIfTI/NumPy file."""
    name = path.name.lower()
    try:
        if name.endswith(".nii.gz"):
            with gzip.open(path, "rb") as fh:
                return _nifti(fh.read(540))
        if name.endswith(".nii"):
            with path.open("rb") as fh:
                return _nifti(fh.read(540))
        if name.endswith(".npy"):
            with path.open("rb") as fh:
                return _npy(fh.read(_MAX_HEADER))
    except (OSError, EOFError, ValueError, struct.error):
        return None
    return None


def _nifti(head: bytes) -> ImageHeader | None:
    for order in ("<", ">"):
        if len(head) >= 348 and struct.unpack(order + "i", head[:4])[0] == 348:
            dims = struct.unpack(order + "8h", head[40:56])
            return _from_dims(dims)
        if len(head) >= 540 and struct.unpack(order + "i", head[:4])[0] == 540:
            dims = struct.unpack(order + "8q", head[16:80])
            return _from_dims(dims)
    return None


def _from_dims(dims: tuple[int, ...]) -> ImageHeader | None:
    ndim = dims[0]
    if not 1 <= ndim <= 7 or any(d < 1 for d in dims[1 : ndim + 1]):
        return None
    return ImageHeader("nifti", tuple(int(d) for d in dims[1 : ndim + 1]))


def _npy(head: bytes) -> ImageHeader | None:
    if not head.startswith(b"\x93NUMPY") or len(head) < 10:
        return None
    major = head[6]
    if major == 1:
        size, start = struct.unpack("<H", head[8:10])[0], 10
    elif major in (2, 3) and len(head) >= 12:
        size, start = struct.unpack("<I", head[8:12])[0], 12
    else:
        return None
    text = head[start : start + size].decode("latin-1")
    try:
        meta = ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, RecursionError, MemoryError):
        return None
    shape = meta.get("shape") if isinstance(meta, dict) else None
    if not isinstance(shape, tuple) or not all(isinstance(d, int) and d >= 0 for d in shape):
        return None
    return ImageHeader("npy", shape)
