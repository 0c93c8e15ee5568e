"""One served model: an MMAR's ``config_validation.json`` built once, then run per request.

The network, pre-transforms, inferer and post-transforms are what ``mmarc evaluate`` runs:
they come from the plan's ``evaluate`` section through the executor's
:class:`~mmarc.runtime.executor.builder.Builder`, so the same allow-lists and expression
checks apply and nothing a request sends is ever built or evaluated. A ``--checkpoint``
replaces the section's model loaders, as in ``evaluate``, and is read weights-only.

Per request the image goes through the pre-transforms as ``{"image": path}`` (the keys of
the validation config that name the ground truth, ``label``, are simply absent at
inference: the dictionary transforms are told to allow missing keys), through the
inferer in a batch with others of the same shape, and through the post-transforms; the
result is turned into a label volume (argmax over channels of a one-hot or probability
output) and mapped back to the input's grid when the pre-transforms changed it
(``Invertd``, nearest-neighbour).
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nibabel as nib
import numpy as np
import torch
from mmarc.runtime.executor.builder import Builder
from mmarc.runtime.executor.errors import ExecutorError
from mmarc.runtime.executor.local import resolve_device
from mmarc.runtime.executor.plan import mmar_path
from mmarc.runtime.serving.errors import RequestRefused, ServeError

from mmarc.plan import Plan

__all__ = ["IMAGE_KEY", "PRED_KEY", "ModelInfo", "ServedModel", "load_model"]

#: The keys Clara's configs give the image and the network output.
IMAGE_KEY = "image"
PRED_KEY = "pred"
#: Task types of MONAI Label / AIAA that return a label image.
SEGMENTATION_TASKS = frozenset({"segmentation", "annotation"})


@dataclass(frozen=True)
class ModelInfo:
    """What ``/info/`` and ``/v1/models`` say about a model.

    Args:
        name: the URL name (the MMAR folder's name).
        labels: label name -> value in the returned image (background 0 left out).
        dimension: spatial dimensions the model works in.
        type: the task (``segmentation``).
        description: one line, from the MMAR.
    """

    name: str
    labels: dict[str, int]
    dimension: int
    type: str
    description: str

    def monai_label(self) -> dict[str, Any]:
        """The model's entry in MONAI Label's ``/info/`` ``models``."""
        return {
            "type": self.type,
            "labels": dict(self.labels),
            "dimension": self.dimension,
            "description": self.description,
        }

    def aiaa(self) -> dict[str, Any]:
        """The model's entry in AIAA's ``/v1/models`` list."""
        return {
            "name": self.name,
            "labels": list(self.labels),
            "type": self.type,
            "dimension": self.dimension,
            "description": self.description,
            "version": "1",
        }


@dataclass
class ServedModel:
    """The built parts of one model on one device, and how to run them."""

    info: ModelInfo
    network: torch.nn.Module
    pre: Any
    inferer: Any
    post: Any
    device: torch.device
    amp: bool = False
    _invert: Any = field(default=None, repr=False)

    def prepare(self, path: Path) -> dict[str, Any]:
        """The pre-transformed ``{"image": ...}`` of the NIfTI file at ``path``."""
        try:
            data = self.pre({IMAGE_KEY: str(path)})
        except Exception as exc:
            raise RequestRefused(
                400, f"the image could not be prepared: {type(exc).__name__}: {exc}"
            ) from None
        if not isinstance(data, Mapping) or not isinstance(data.get(IMAGE_KEY), torch.Tensor):
            raise RequestRefused(500, "the pre-transforms did not give one image tensor")
        return dict(data)

    def infer(self, items: Sequence[dict[str, Any]]) -> list[np.ndarray | RequestRefused]:
        """A label volume per prepared item, or the refusal of that item.

        Items of equal shape are inferred together; a group the network cannot take (an
        image with more channels than the model has inputs) is refused with HTTP 422 and
        leaves the other groups alone.
        """
        groups: dict[tuple[int, ...], list[int]] = {}
        for i, item in enumerate(items):
            groups.setdefault(tuple(item[IMAGE_KEY].shape), []).append(i)
        results: dict[int, np.ndarray | RequestRefused] = {}
        for indices in groups.values():
            try:
                labels: list[Any] = self._infer_batch([items[i] for i in indices])
            except RequestRefused as exc:
                labels = [exc] * len(indices)
            except Exception as exc:
                refused = RequestRefused(
                    422, f"the model cannot run on this image: {type(exc).__name__}: {exc}"
                )
                labels = [refused] * len(indices)
            results.update(zip(indices, labels, strict=True))
        return [results[i] for i in range(len(items))]

    def _infer_batch(self, items: list[dict[str, Any]]) -> list[np.ndarray]:
        from monai.data import decollate_batch

        batch = torch.stack([item[IMAGE_KEY] for item in items]).to(self.device)
        autocast = torch.autocast("cuda") if self.amp else nullcontext()
        with torch.inference_mode(), autocast:
            preds = self.inferer(batch, self.network)
        if not isinstance(preds, torch.Tensor):
            raise RequestRefused(500, "the inferer did not return one tensor")
        results = []
        for item, pred in zip(items, decollate_batch(preds.float().cpu()), strict=True):
            data = (
                self.post({**item, PRED_KEY: pred}) if self.post is not None else {PRED_KEY: pred}
            )
            results.append(self._label(item, data[PRED_KEY]))
        return results

    def _label(self, item: Mapping[str, Any], pred: torch.Tensor) -> np.ndarray:
        label = pred.argmax(dim=0, keepdim=True) if pred.shape[0] > 1 else pred.round()
        image = item[IMAGE_KEY]
        if getattr(image, "applied_operations", None):
            if self._invert is None:
                from monai.transforms import Invertd

                self._invert = Invertd(
                    PRED_KEY, transform=self.pre, orig_keys=IMAGE_KEY, nearest_interp=True
                )
            from monai.data import MetaTensor

            meta = MetaTensor(label, meta=dict(image.meta))
            label = self._invert({IMAGE_KEY: image, PRED_KEY: meta})[PRED_KEY]
        array = torch.as_tensor(label).detach().cpu().numpy()
        return np.asarray(array[0]).astype(np.int64)

    def warm(self, shape: Sequence[int]) -> None:
        """One dummy inference through every stage, so the first request is not the slowest."""
        with tempfile.TemporaryDirectory(prefix="mmarc-serve-warm-") as tmp:
            path = Path(tmp) / "warm.nii.gz"
            nib.save(nib.Nifti1Image(np.zeros(tuple(shape), np.float32), np.eye(4)), str(path))
            try:
                result = self.infer([self.prepare(path)])[0]
            except RequestRefused as exc:
                result = exc
            if isinstance(result, RequestRefused):
                raise ServeError(f"model {self.info.name}: warm-up failed: {result.detail}")


def _allow_missing_keys(compose: Any) -> None:
    """Let the dictionary transforms skip keys a request does not carry (``label``)."""
    from monai.transforms import MapTransform

    flat = compose.flatten().transforms if hasattr(compose, "flatten") else [compose]
    for transform in flat:
        if isinstance(transform, MapTransform):
            transform.allow_missing_keys = True


def _labels(plan: Plan, root: Path, network: torch.nn.Module) -> dict[str, int]:
    """Label names from the datalist's Decathlon ``labels`` (background left out), else
    ``label_1``... from the network's output channels."""
    datalist = plan.variable("DATASET_JSON", "")
    if datalist:
        try:
            doc = json.loads(mmar_path(root, datalist).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            doc = None
        named = doc.get("labels") if isinstance(doc, dict) else None
        if isinstance(named, dict):
            labels = {
                str(name): int(value)
                for value, name in named.items()
                if str(value).isdigit() and int(value) > 0
            }
            if labels:
                return labels
    channels = int(getattr(network, "out_channels", 2) or 2)
    return {f"label_{i}": i for i in range(1, max(channels, 2))}


def _dimension(plan: Plan, inferer: Any) -> int:
    roi = getattr(inferer, "roi_size", None)
    if isinstance(roi, Sequence) and not isinstance(roi, str) and roi:
        return len(roi)
    args = ((plan.document.get("train") or {}).get("model") or {}).get("args") or {}
    dims = args.get("spatial_dims", args.get("dimensions", 3))
    return int(dims) if isinstance(dims, int) else 3


def load_model(
    name: str,
    plan: Plan,
    mmar_root: Path,
    *,
    checkpoint: Path | None = None,
    device: str = "cpu",
    warm: bool = True,
) -> ServedModel:
    """Build ``plan``'s evaluate section into a :class:`ServedModel` and warm it once.

    Raises :class:`ServeError` when the MMAR cannot be served (no ``config_validation.json``,
    not a segmentation task, a missing checkpoint, a failed warm-up) and the executor's
    ``ExecutorError`` for a component it refuses.
    """
    if plan.evaluate is None:
        raise ServeError(f"model {name}: the MMAR has no config/config_validation.json to serve")
    task = str(plan.variable("PROCESSING_TASK", "segmentation") or "segmentation").lower()
    if task not in SEGMENTATION_TASKS:
        raise ServeError(
            f"model {name}: PROCESSING_TASK is {task!r}; mmarc serve returns label images "
            "and serves segmentation models only"
        )
    root = Path(mmar_root).resolve()
    dev = resolve_device(device)
    builder = Builder(plan, root, dev)
    if checkpoint is not None:
        path = mmar_path(root, str(checkpoint))
        if not path.is_file():
            raise ServeError(f"model {name}: checkpoint {path} does not exist")
        builder.eval_checkpoint = path
    for needed in ("/evaluate/model", "/evaluate/pre_transforms"):
        if not builder.has(needed):
            raise ServeError(f"model {name}: config_validation.json has no {needed[10:]}")
    network = builder.ref("/evaluate/model")
    if not isinstance(network, torch.nn.Module):
        raise ExecutorError("the evaluate section's model is not a network", "/evaluate/model")
    network.eval()
    pre = builder.ref("/evaluate/pre_transforms")
    _allow_missing_keys(pre)
    if builder.has("/evaluate/inferer"):
        inferer = builder.ref("/evaluate/inferer")
    else:
        from monai.inferers import SimpleInferer

        inferer = SimpleInferer()
    post = (
        builder.ref("/evaluate/post_transforms")
        if builder.has("/evaluate/post_transforms")
        else None
    )
    if post is not None:
        _allow_missing_keys(post)
    amp = bool(plan.settings.get("amp", False)) and dev.type == "cuda"
    info = ModelInfo(
        name=name,
        labels=_labels(plan, root, network),
        dimension=_dimension(plan, inferer),
        type="segmentation",
        description=f"{plan.mmar_name} (Clara {plan.clara_version} MMAR), served by mmarc",
    )
    model = ServedModel(info, network, pre, inferer, post, dev, amp)
    if warm:
        roi = getattr(inferer, "roi_size", None)
        shape = [int(n) for n in roi] if isinstance(roi, Sequence) and len(roi) == 3 else [32] * 3
        model.warm(shape)
    return model
