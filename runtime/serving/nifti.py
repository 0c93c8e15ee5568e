"""NIfTI in and out: what an upload must be, and a label written on the input's grid.

An upload is untrusted bytes. :func:`check_nifti` reads only its header (nibabel reads
lazily; a ``.nii.gz`` is decompressed only as far as the header) and refuses anything
that is not a 3D/4D NIfTI-1/2 image of a numeric type or whose header promises more
voxels than the server accepts, so a gzip bomb or a forged dimension is refused before a
byte of image data is read. :func:`write_label` writes a label volume with the *input's*
affine, qform/sform and spacing, so it lies on the input in 3D Slicer, OHIF or MITK.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nibabel as nib
import numpy as np
from mmarc.runtime.serving.errors import RequestRefused

__all__ = ["GZIP_MAGIC", "ImageInfo", "check_nifti", "nifti_suffix", "write_label"]

GZIP_MAGIC = b"\x1f\x8b"
#: ``sizeof_hdr`` of NIfTI-1 (348) and NIfTI-2 (540), little- and big-endian.
_HEADER_SIZES = {
    (348).to_bytes(4, "little"),
    (348).to_bytes(4, "big"),
    (540).to_bytes(4, "little"),
    (540).to_bytes(4, "big"),
}


@dataclass(frozen=True)
class ImageInfo:
    """What the header of an accepted image says: its shape, affine and the header itself."""

    path: Path
    shape: tuple[int, ...]
    affine: np.ndarray
    header: Any
    image_class: type


def nifti_suffix(head: bytes) -> str:
    """``.nii.gz`` or ``.nii`` from the first bytes of a file; RequestRefused otherwise."""
    if head[:2] == GZIP_MAGIC:
        return ".nii.gz"
    if head[:4] in _HEADER_SIZES:
        return ".nii"
    raise RequestRefused(415, "the upload is not a NIfTI image (.nii or .nii.gz)")


def check_nifti(path: Path, max_voxels: int) -> ImageInfo:
    """Read and check ``path``'s header only; RequestRefused (400/413) when refused."""
    try:
        image: Any = nib.load(str(path))
        header = image.header
        shape = tuple(int(n) for n in image.shape)
        dtype = np.dtype(header.get_data_dtype())
        affine = np.asarray(image.affine, dtype=np.float64)
    except Exception as exc:
        raise RequestRefused(400, f"the upload is not a readable NIfTI image: {exc}") from None
    if not isinstance(image, nib.Nifti1Image | nib.Nifti2Image):
        raise RequestRefused(415, "the upload is not a NIfTI image")
    if len(shape) not in (3, 4) or min(shape) < 1:
        raise RequestRefused(400, f"expected a 3D or 4D image, the header says shape {shape}")
    if dtype.kind not in "biuf":
        raise RequestRefused(400, f"image data type {dtype} is not numeric")
    voxels = int(np.prod(shape, dtype=np.int64))
    if voxels > max_voxels:
        raise RequestRefused(413, f"image of {voxels} voxels is larger than {max_voxels}")
    if not np.all(np.isfinite(affine)):
        raise RequestRefused(400, "the image's affine is not finite")
    return ImageInfo(path, shape, affine, header, type(image))


def write_label(label: np.ndarray, like: ImageInfo, path: Path) -> Path:
    """Write ``label`` (the input's spatial shape) as NIfTI with ``like``'s geometry."""
    spatial = like.shape[:3]
    if tuple(label.shape) != spatial:
        raise RequestRefused(
            500,
            f"the model returned a label of shape {tuple(label.shape)} for an image of "
            f"{spatial}; its transforms change the grid and cannot be inverted",
        )
    dtype = np.uint8 if label.size == 0 or int(label.max()) < 256 else np.int16
    header = like.header.copy()
    header.set_data_dtype(dtype)
    header.set_slope_inter(1.0, 0.0)
    out = like.image_class(label.astype(dtype), like.affine, header)
    out.set_qform(like.header.get_qform(), int(like.header["qform_code"]))
    out.set_sform(like.header.get_sform(), int(like.header["sform_code"]))
    nib.save(out, str(path))
    return path
