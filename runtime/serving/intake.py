"""From an HTTP request to a checked image on disk, and from a label to a response.

Shared by the MONAI Label and AIAA routers: an upload is copied in chunks into a private
temporary folder under a name chosen here (never the client's file name), sniffed for
NIfTI magic and its header checked (:mod:`.nifti`); a datastore id must pass the
runtime's one name rule (:func:`~mmarc.runtime.security.names.child_path`) and name a
regular file directly inside ``--datastore``; the ``params`` form field must be a small
JSON object. The answer is the label as NIfTI
bytes, the params as JSON, or both as ``multipart/form-data`` (what MONAI Label's
``output=all`` and AIAA's v1 clients read).
"""

from __future__ import annotations

import json
import secrets
import shutil
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import UploadFile
from fastapi.responses import JSONResponse, Response
from mmarc.runtime.security.names import UnsafeName, UnsafePath, child_path
from mmarc.runtime.serving.errors import RequestRefused
from mmarc.runtime.serving.nifti import ImageInfo, check_nifti, nifti_suffix, write_label
from mmarc.runtime.serving.registry import ModelRegistry
from starlette.concurrency import run_in_threadpool

__all__ = [
    "MAX_PARAMS_BYTES",
    "OUTPUTS",
    "Segmentation",
    "label_response",
    "parse_params",
    "request_folder",
    "segment",
]

#: Largest ``params`` form field.
MAX_PARAMS_BYTES = 64 * 1024
#: The answers a client may ask for (MONAI Label's ``output``): all = multipart of both.
OUTPUTS = ("image", "json", "all")
_CHUNK = 1024 * 1024
NIFTI_MEDIA_TYPE = "application/gzip"


def parse_params(text: str | None) -> dict[str, Any]:
    """The ``params`` form field: a JSON object of at most :data:`MAX_PARAMS_BYTES`."""
    if not text:
        return {}
    if len(text.encode("utf-8", "replace")) > MAX_PARAMS_BYTES:
        raise RequestRefused(413, f"params is larger than {MAX_PARAMS_BYTES} bytes")
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise RequestRefused(400, f"params is not JSON: {exc}") from None
    if not isinstance(value, dict):
        raise RequestRefused(400, "params must be a JSON object")
    return value


@asynccontextmanager
async def request_folder() -> AsyncIterator[Path]:
    """A private temporary folder for one request, removed when the request is answered."""
    folder = Path(tempfile.mkdtemp(prefix="mmarc-serve-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


async def _save_upload(upload: UploadFile, folder: Path, max_voxels: int) -> ImageInfo:
    head = await upload.read(4)
    path = folder / f"input{nifti_suffix(head)}"
    with path.open("wb") as out:
        out.write(head)
        while chunk := await upload.read(_CHUNK):
            out.write(chunk)
    return await run_in_threadpool(check_nifti, path, max_voxels)


def _datastore_image(image_id: str, datastore: Path | None, max_voxels: int) -> ImageInfo:
    if datastore is None:
        raise RequestRefused(400, "this server has no datastore (start it with --datastore DIR)")
    for name in (image_id, f"{image_id}.nii.gz", f"{image_id}.nii"):
        try:
            path = child_path(datastore, name, "image id")
        except (UnsafeName, UnsafePath) as exc:
            raise RequestRefused(400, exc.one_line()) from None
        if path.is_file() and not path.is_symlink():
            with path.open("rb") as fh:
                nifti_suffix(fh.read(4))
            return check_nifti(path, max_voxels)
    raise RequestRefused(404, f"no image {image_id[:100]!r} in the datastore")


class Segmentation:
    """The result of one request: the input's header, the label volume and timings."""

    def __init__(self, model: str, image: ImageInfo, label: Any, latency_s: float) -> None:
        self.model = model
        self.image = image
        self.label = label
        self.latency_s = latency_s


async def segment(
    registry: ModelRegistry,
    model: str,
    folder: Path,
    *,
    upload: UploadFile | None = None,
    image_id: str | None = None,
) -> Segmentation:
    """Check the input (upload xor datastore id), queue it on ``model`` and wait."""
    registry.get(model)  # 404 before reading the upload
    settings = registry.settings
    started = time.perf_counter()
    if (upload is None) == (image_id is None):
        raise RequestRefused(400, "send one image: an uploaded file or a datastore image id")
    if upload is not None:
        image = await _save_upload(upload, folder, settings.max_voxels)
    else:
        image = await run_in_threadpool(
            _datastore_image, str(image_id), settings.datastore, settings.max_voxels
        )
    label = await registry.segment(model, image)
    return Segmentation(model, image, label, time.perf_counter() - started)


def _params(result: Segmentation, registry: ModelRegistry) -> dict[str, Any]:
    info = registry.get(result.model).model.info
    return {
        "model": result.model,
        "label_names": dict(info.labels),
        "shape": list(result.image.shape[:3]),
        "latencies": {"total": round(result.latency_s, 4)},
    }


def _multipart(params: dict[str, Any], label: bytes, filename: str) -> Response:
    boundary = secrets.token_hex(16)
    body = b"".join(
        [
            f'--{boundary}\r\nContent-Disposition: form-data; name="params"\r\n'
            "Content-Type: application/json\r\n\r\n".encode(),
            json.dumps(params).encode(),
            f'\r\n--{boundary}\r\nContent-Disposition: form-data; name="image"; '
            f'filename="{filename}"\r\nContent-Type: {NIFTI_MEDIA_TYPE}\r\n\r\n'.encode(),
            label,
            f"\r\n--{boundary}--\r\n".encode(),
        ]
    )
    return Response(body, media_type=f"multipart/form-data; boundary={boundary}")


async def label_response(
    result: Segmentation, registry: ModelRegistry, folder: Path, output: str
) -> Response:
    """The answer ``output`` asks for: the label NIfTI, the params JSON, or both."""
    params = _params(result, registry)
    if output == "json":
        return JSONResponse(params)
    path = folder / "label.nii.gz"
    await run_in_threadpool(write_label, result.label, result.image, path)
    data = path.read_bytes()
    filename = f"{result.model}_label.nii.gz"
    if output == "image":
        return Response(
            data,
            media_type=NIFTI_MEDIA_TYPE,
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
    return _multipart(params, data, filename)
