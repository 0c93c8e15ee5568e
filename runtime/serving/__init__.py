"""Inference over REST (``mmarc serve``): MMAR models on MONAI Label's and AIAA's v1 APIs.

Parts, one module each: :mod:`.settings` (limits), :mod:`.model` (an MMAR's
``config_validation.json`` built through the executor and run per request),
:mod:`.batching` (a bounded queue and batching worker per model), :mod:`.registry`
(name -> model and queue), :mod:`.nifti` (checked NIfTI in, label NIfTI out on the
input's grid), :mod:`.intake` (request -> image -> response), :mod:`.middleware` (size
limit, token, access log), :mod:`.monailabel` and :mod:`.aiaa` (the two APIs),
:mod:`.app` (the FastAPI app) and :mod:`.server` (build, warm, listen).

Imported lazily, so ``from mmarc.runtime.serving import ServeSettings`` costs no torch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mmarc.runtime.serving.errors import RequestRefused, ServeError
from mmarc.runtime.serving.settings import ServeSettings, is_loopback

from mmarc.lazy import lazy_exports

if TYPE_CHECKING:
    from mmarc.runtime.serving.app import create_app
    from mmarc.runtime.serving.model import ServedModel, load_model
    from mmarc.runtime.serving.registry import ModelRegistry
    from mmarc.runtime.serving.server import ModelSource, build_registry, serve

__all__ = [
    "ModelRegistry",
    "ModelSource",
    "RequestRefused",
    "ServeError",
    "ServeSettings",
    "ServedModel",
    "build_registry",
    "create_app",
    "is_loopback",
    "load_model",
    "serve",
]

_LAZY = {
    "create_app": "mmarc.runtime.serving.app",
    "ServedModel": "mmarc.runtime.serving.model",
    "load_model": "mmarc.runtime.serving.model",
    "ModelRegistry": "mmarc.runtime.serving.registry",
    "ModelSource": "mmarc.runtime.serving.server",
    "build_registry": "mmarc.runtime.serving.server",
    "serve": "mmarc.runtime.serving.server",
}


__getattr__ = lazy_exports(__name__, _LAZY)
