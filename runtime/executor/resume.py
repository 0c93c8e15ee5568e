"""Resuming a run and the checkpoint handlers the executor carries out itself.

The plan's ``CheckpointLoader``/``CheckpointSaver`` handlers are not attached to the
engines (:data:`~mmarc.runtime.executor.builder.INTERPRETED_HANDLERS`): loading happens
here, before training, under the rules of ``resume`` (see :mod:`.local`), and the savers'
``save_dict``/``save_dir`` decide what the executor's own atomic checkpoints hold and
where the best model goes. Split from :mod:`.local`, which drives the run.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
from mmarc.runtime.executor.builder import INTERPRETED_HANDLERS, Builder, Interpreted
from mmarc.runtime.executor.checkpoints import load_checkpoint, load_object, model_state, state_of
from mmarc.runtime.executor.errors import ExecutorError
from mmarc.runtime.executor.plan import final_ckpt, join_pointer, mmar_path

from mmarc.plan import Plan

if TYPE_CHECKING:
    from mmarc.runtime.executor.local import Training

__all__ = [
    "BEST_FILENAME",
    "Restored",
    "apply_loader",
    "best_path",
    "lower_is_better",
    "restore",
    "saver_extras",
]

BEST_FILENAME = "best_model.pt"


@dataclass
class Restored:
    """What resuming loaded: the checkpoint, the epochs it had completed, the best metric."""

    path: Path | None
    epochs: int
    best: dict[str, Any] | None


def _declared_loaders(builder: Builder, section: str) -> list[tuple[str, Mapping[str, Any]]]:
    """Every CheckpointLoader in ``section``'s handlers, enabled or not."""
    base = f"/{section}/handlers"
    handlers = (builder.plan.get(section) or {}).get("handlers")
    out = []
    for i, _ in enumerate(handlers if isinstance(handlers, list) else []):
        ptr = join_pointer(base, i)
        comp = builder.component(ptr)
        if comp is not None and INTERPRETED_HANDLERS.get(str(comp.get("path"))) == "loader":
            out.append((ptr, comp))
    return out


def restore(training: Training, plan: Plan, root: Path, resume: bool | None) -> Restored:
    """Load what ``resume`` asks for (see :mod:`.local`) before the first epoch."""
    builder = training.builder
    if resume is False:
        return Restored(None, 0, None)
    declared = _declared_loaders(builder, "train")
    if resume is True:
        pointer = declared[0][0] if declared else None
        load_path = (declared[0][1].get("args") or {}).get("load_path") if declared else None
        path = mmar_path(root, load_path) if isinstance(load_path, str) else final_ckpt(plan, root)
        if not path.is_file():
            raise ExecutorError(f"cannot resume: there is no checkpoint at {path}", pointer)
        return _resume_all(training, path, pointer)
    enabled = builder.loaders("train")
    if enabled:
        epochs = 0
        for loader in enabled:
            epochs = max(epochs, apply_loader(loader, training.device, training.trainer))
        return Restored(_loader_path(enabled[0].args, enabled[0]), epochs, None)
    if not declared and plan.settings.get("dont_load_ckpt_model") is False:
        path = final_ckpt(plan, root)
        ckpt = load_checkpoint(path, training.device, "/settings/dont_load_ckpt_model")
        state = model_state(ckpt)
        if state is None:
            raise ExecutorError(
                f"checkpoint {path} has no 'model'", "/settings/dont_load_ckpt_model"
            )
        load_object(training.network, state, "model", path, "/settings/dont_load_ckpt_model")
        return Restored(path, 0, None)
    return Restored(None, 0, None)


def _loader_path(args: Mapping[str, Any], loader: Interpreted) -> Path:
    load_path = args.get("load_path")
    if not isinstance(load_path, str) or not load_path:
        raise ExecutorError(
            "CheckpointLoader needs a 'load_path'", join_pointer(loader.pointer, "args")
        )
    return Path(load_path)


def apply_loader(loader: Interpreted, device: torch.device, trainer: Any | None = None) -> int:
    """Carry out one CheckpointLoader: load its ``load_dict`` entries from its
    ``load_path``; a ``"trainer"`` entry restores ``trainer``'s epochs (returned)."""
    args = loader.args
    path = _loader_path(args, loader)
    if not path.is_file():
        raise ExecutorError(
            f"CheckpointLoader load_path {path} does not exist; train once first, or set "
            "dont_load_ckpt_model to true to start from scratch",
            loader.pointer,
        )
    load_dict = args.get("load_dict")
    if not isinstance(load_dict, Mapping) or not load_dict:
        raise ExecutorError("CheckpointLoader needs a non-empty 'load_dict'", loader.pointer)
    ckpt = load_checkpoint(path, device, loader.pointer)
    strict = bool(args.get("strict", True))
    epochs = 0
    for key, obj in load_dict.items():
        if trainer is not None and (key == "trainer" or obj is trainer):
            epochs = _restore_progress(trainer, ckpt.get(key), path, loader.pointer)
            continue
        state = ckpt.get(key)
        if state is None and len(load_dict) == 1:
            state = model_state(ckpt, key)
        if state is None:
            raise ExecutorError(f"checkpoint {path} has no {key!r} entry", loader.pointer)
        load_object(obj, state, key, path, loader.pointer, strict=strict)
    return epochs


def _resume_all(training: Training, path: Path, pointer: str | None) -> Restored:
    ckpt = load_checkpoint(path, training.device, pointer)
    state = model_state(ckpt)
    if state is None:
        raise ExecutorError(f"checkpoint {path} has no 'model' entry", pointer)
    load_object(training.network, state, "model", path, pointer)
    if training.optimizer is not None and "optimizer" in ckpt:
        load_object(training.optimizer, ckpt["optimizer"], "optimizer", path, pointer)
    if training.lr_scheduler is not None and "lr_scheduler" in ckpt:
        load_object(training.lr_scheduler, ckpt["lr_scheduler"], "lr_scheduler", path, pointer)
    epochs = _restore_progress(training.trainer, ckpt.get("trainer"), path, pointer)
    best = ckpt.get("best") if isinstance(ckpt.get("best"), dict) else None
    return Restored(path, epochs, best)


def _restore_progress(trainer: Any, progress: Any, path: Path, pointer: str | None) -> int:
    """Set ``trainer`` to the start of the epoch after the completed ones in ``progress``."""
    if not isinstance(progress, Mapping):
        return 0
    length = int(trainer.state.epoch_length or 0)
    saved_length = progress.get("epoch_length")
    if saved_length and length and int(saved_length) != length:
        raise ExecutorError(
            f"checkpoint {path} was written with {saved_length} iterations per epoch, the "
            f"data loader now has {length}; resume with the same data and batch size",
            pointer,
        )
    if progress.get("epoch") is not None:
        epochs = int(progress["epoch"])
    else:
        epochs = int(progress.get("iteration", 0)) // max(length, 1)
    trainer.state.epoch = epochs
    trainer.state.iteration = epochs * length
    return epochs


def saver_extras(builder: Builder, sections: tuple[str, ...]) -> dict[str, Any]:
    """The ``save_dict`` entries of the plan's CheckpointSavers (``train_conf``...)."""
    data: dict[str, Any] = {}
    for section in sections:
        for saver in builder.savers(section):
            save_dict = saver.args.get("save_dict")
            if isinstance(save_dict, Mapping):
                for key, obj in save_dict.items():
                    data[str(key)] = state_of(obj)
    return data


def best_path(builder: Builder, default_dir: Path) -> Path | None:
    """Where the best model goes: the validate CheckpointSaver's ``save_dir`` and
    ``key_metric_filename`` when given, else ``<MMAR_CKPT_DIR>/best_model.pt``."""
    for saver in builder.savers("validate"):
        args = saver.args
        if args.get("save_key_metric") is False:
            continue
        folder = Path(str(args.get("save_dir") or default_dir))
        name = args.get("key_metric_filename")
        return folder / (name if isinstance(name, str) and name else BEST_FILENAME)
    return default_dir / BEST_FILENAME


def lower_is_better(builder: Builder) -> bool:
    return any(bool(s.args.get("key_metric_negative_sign")) for s in builder.savers("validate"))
