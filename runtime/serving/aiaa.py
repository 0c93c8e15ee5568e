"""Clara AIAA's v1 REST API, for the Clara-era clients (the AIAA Slicer/MITK plugins, MiiL).

``GET /v1/models`` lists the models (``?model=NAME`` for one); ``POST
/v1/segmentation?model=NAME`` and ``POST /v1/inference?model=NAME`` take
``multipart/form-data`` with ``params`` (JSON) and ``datapoint`` (the NIfTI image) and
answer ``multipart/form-data`` with ``params`` and ``image`` (the label NIfTI), as the
AIAA client library reads them.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Query, UploadFile
from fastapi.responses import Response
from mmarc.runtime.serving.intake import label_response, parse_params, request_folder, segment
from mmarc.runtime.serving.registry import ModelRegistry

__all__ = ["aiaa_router"]

ModelQuery = Annotated[str, Query(description="The model's name (see /v1/models).")]


def aiaa_router(registry: ModelRegistry) -> APIRouter:
    """The AIAA v1 routes over ``registry``."""
    router = APIRouter(prefix="/v1", tags=["AIAA v1"])

    @router.get("/models", summary="The models and their labels")
    async def models(model: str | None = None) -> list[dict[str, Any]]:
        names = [registry.get(model).model.info.name] if model else registry.names()
        return [registry.get(name).model.info.aiaa() for name in names]

    async def run(model: str, params: str, datapoint: UploadFile, output: str) -> Response:
        parse_params(params)
        async with request_folder() as folder:
            result = await segment(registry, model, folder, upload=datapoint)
            return await label_response(result, registry, folder, output)

    @router.post("/segmentation", summary="Segment an image", response_model=None)
    async def segmentation(
        model: ModelQuery,
        datapoint: Annotated[UploadFile, File(description="The image (NIfTI).")],
        params: Annotated[str, Form()] = "{}",
        output: Annotated[Literal["image", "json", "all"], Query()] = "all",
    ) -> Response:
        return await run(model, params, datapoint, output)

    @router.post("/inference", summary="Run a model on an image", response_model=None)
    async def inference(
        model: ModelQuery,
        datapoint: Annotated[UploadFile, File(description="The image (NIfTI).")],
        params: Annotated[str, Form()] = "{}",
        output: Annotated[Literal["image", "json", "all"], Query()] = "all",
    ) -> Response:
        return await run(model, params, datapoint, output)

    return router
