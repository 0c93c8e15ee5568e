"""The models one server serves, each with its own bounded queue and worker.

:class:`ModelRegistry` is what the routers see: ``registry.get(name)`` (HTTP 404 for a
name it does not hold, listing the ones it does) and ``await registry.segment(name,
image)``, which queues the image, waits at most ``timeout_s`` and returns the label
volume; a full queue is HTTP 503 with ``Retry-After``, a timeout HTTP 504.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from mmarc.runtime.serving.batching import BatchQueue, QueueFull
from mmarc.runtime.serving.errors import RequestRefused
from mmarc.runtime.serving.model import ServedModel
from mmarc.runtime.serving.nifti import ImageInfo
from mmarc.runtime.serving.settings import ServeSettings

__all__ = ["ModelRegistry", "Slot"]


@dataclass
class Slot:
    """A served model and the queue in front of it."""

    model: ServedModel
    queue: BatchQueue[ImageInfo, np.ndarray]


def _runner(
    model: ServedModel,
) -> Callable[[Sequence[ImageInfo]], list[np.ndarray | BaseException]]:
    """Prepare each image (a bad one fails alone), then infer the rest together."""

    def run(images: Sequence[ImageInfo]) -> list[np.ndarray | BaseException]:
        prepared: list[dict[str, Any] | BaseException] = []
        for image in images:
            try:
                prepared.append(model.prepare(image.path))
            except RequestRefused as exc:
                prepared.append(exc)
        good = [p for p in prepared if isinstance(p, dict)]
        labels = iter(model.infer(good)) if good else iter(())
        return [p if isinstance(p, BaseException) else next(labels) for p in prepared]

    return run


class ModelRegistry:
    """Name -> :class:`Slot`, built from loaded models with the server's settings."""

    def __init__(self, models: Sequence[ServedModel], settings: ServeSettings) -> None:
        self.settings = settings
        self.slots: dict[str, Slot] = {}
        for model in models:
            queue: BatchQueue[ImageInfo, np.ndarray] = BatchQueue(
                model.info.name,
                _runner(model),
                queue_size=settings.queue_size,
                max_batch=settings.max_batch,
                batch_window_s=settings.batch_window_s,
            )
            self.slots[model.info.name] = Slot(model, queue)

    def names(self) -> list[str]:
        return sorted(self.slots)

    def get(self, name: str) -> Slot:
        """The slot of ``name``; RequestRefused 404 naming the models there are."""
        slot = self.slots.get(name)
        if slot is None:
            raise RequestRefused(
                404, f"no model named {name[:100]!r}; models: {', '.join(self.names())}"
            )
        return slot

    async def segment(self, name: str, image: ImageInfo) -> np.ndarray:
        """The label volume of ``image`` by model ``name`` (queued, batched, time-limited)."""
        slot = self.get(name)
        try:
            future = slot.queue.submit(image)
        except QueueFull as full:
            raise RequestRefused(
                503,
                f"model {name} is busy ({slot.queue.waiting} requests waiting); retry later",
                {"Retry-After": str(full.retry_after_s)},
            ) from None
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), self.settings.timeout_s)
        except TimeoutError:
            future.cancel()
            raise RequestRefused(
                504, f"model {name} did not answer within {self.settings.timeout_s:g} s"
            ) from None

    def close(self) -> None:
        for slot in self.slots.values():
            slot.queue.close()
