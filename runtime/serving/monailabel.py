"""MONAI Label's REST API, the part the 3D Slicer and OHIF plugins use for inference.

``GET /info/`` describes the app and its models (labels, dimension, type);
``POST /infer/{model}`` segments an uploaded image (form field ``file``) or a datastore
image (query ``image=ID``) and answers as ``output`` asks: ``image`` (the label NIfTI),
``json`` (the result params) or ``all`` (both, ``multipart/form-data``; the default, as
in MONAI Label). Training, active learning and sessions are not served: this server
serves models trained elsewhere (``mmarc run``, a federation).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Query, UploadFile
from fastapi.responses import Response
from mmarc.runtime.serving.intake import label_response, parse_params, request_folder, segment
from mmarc.runtime.serving.registry import ModelRegistry

__all__ = ["monai_label_router"]


def monai_label_router(registry: ModelRegistry, version: str) -> APIRouter:
    """The ``/info/`` and ``/infer/{model}`` routes over ``registry``."""
    router = APIRouter(tags=["MONAI Label"])

    @router.get("/info/", summary="The app and its models")
    async def info() -> dict[str, Any]:
        models = {name: registry.get(name).model.info.monai_label() for name in registry.names()}
        labels = sorted({label for m in models.values() for label in m["labels"]})
        return {
            "name": "mmarc",
            "description": "MMAR models served by mmarc",
            "version": version,
            "labels": labels,
            "models": models,
            "trainers": {},
            "strategies": {},
            "scoring": {},
            "train_stats": {},
            "datastore": {"total": 0, "completed": 0},
        }

    @router.post("/infer/{model}", summary="Segment an image", response_model=None)
    async def infer(
        model: str,
        image: Annotated[str | None, Query(description="A datastore image id.")] = None,
        output: Annotated[Literal["image", "json", "all"], Query()] = "all",
        params: Annotated[str, Form(description="JSON object of options.")] = "{}",
        file: Annotated[UploadFile | None, File(description="The image (NIfTI).")] = None,
    ) -> Response:
        parse_params(params)
        async with request_folder() as folder:
            result = await segment(registry, model, folder, upload=file, image_id=image)
            return await label_response(result, registry, folder, output)

    return router
