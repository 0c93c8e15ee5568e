"""Reading a compiled plan in the executor: its JSON document, pointers, and MMAR paths.

The plan arrives as a :class:`mmarc.plan.Plan`, already validated (envelope, types, hash)
at the runtime's door (:func:`mmarc.plan.load_plan`). Component trees are walked by JSON
pointer in the plan's document, with errors that name the pointer. MMAR-relative paths
(``models/model.pt``) are resolved against the MMAR root the executor was given, never
against the working directory.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mmarc.runtime.executor.errors import ExecutorError

from mmarc.plan import PLAN_FORMAT, Plan
from mmarc.plan.pointer import PointerError, join, resolve, split

__all__ = [
    "COMPONENT_SECTIONS",
    "PATH_ARGS",
    "PLAN_FORMAT",
    "check_envelope",
    "ckpt_dir",
    "eval_output_dir",
    "final_ckpt",
    "is_component",
    "is_reuse",
    "join_pointer",
    "mmar_path",
    "resolve_pointer",
    "split_pointer",
]

#: Sections whose slots hold components the executor builds.
COMPONENT_SECTIONS = ("train", "validate", "evaluate")
#: Argument names whose relative string values are MMAR-relative paths.
PATH_ARGS = frozenset(
    {"load_path", "save_dir", "log_dir", "output_dir", "ckpt_path", "ts_path", "cache_dir"}
)

#: ``pointer + token``, escaped (the one helper: :func:`mmarc.plan.pointer.join`).
join_pointer = join


def check_envelope(plan: Plan) -> Mapping[str, Any]:
    """The plan's JSON document, which pointers resolve in (the model checked the envelope)."""
    if not isinstance(plan, Plan):
        raise ExecutorError("the executor runs a Plan (see mmarc.plan.load_plan)", "")
    return plan.document


def split_pointer(pointer: str) -> list[str]:
    """RFC 6901 tokens of ``pointer``; ExecutorError when it is not a pointer."""
    try:
        return split(pointer)
    except PointerError as exc:
        raise ExecutorError(str(exc), pointer) from None


def resolve_pointer(document: Mapping[str, Any], pointer: str, *, where: str | None = None) -> Any:
    """The value at ``pointer``; ExecutorError naming ``where`` (the referrer) if absent."""
    try:
        return resolve(document, pointer)
    except PointerError:
        raise ExecutorError(
            f"reference to {pointer!r}, which is not in the plan", where or pointer
        ) from None


def is_component(value: Any) -> bool:
    return isinstance(value, Mapping) and "path" in value


def is_reuse(value: Any) -> bool:
    """``{"ref": "/train/pre_transforms/0"}``: re-use of another component."""
    return isinstance(value, Mapping) and set(value) == {"ref"}


def mmar_path(mmar_root: Path, value: str) -> Path:
    """``value`` as an absolute path: MMAR-relative unless already absolute."""
    p = Path(value).expanduser()
    return p if p.is_absolute() else mmar_root / p


def ckpt_dir(plan: Plan, mmar_root: Path) -> Path:
    """``MMAR_CKPT_DIR`` (default ``models``), where checkpoints and metrics go."""
    return mmar_path(mmar_root, plan.variable("MMAR_CKPT_DIR", "models"))


def final_ckpt(plan: Plan, mmar_root: Path) -> Path:
    """``MMAR_CKPT`` (default ``<MMAR_CKPT_DIR>/model.pt``): the latest/final model."""
    value = plan.variable("MMAR_CKPT", "")
    return mmar_path(mmar_root, value) if value else ckpt_dir(plan, mmar_root) / "model.pt"


def eval_output_dir(plan: Plan, mmar_root: Path) -> Path:
    """``MMAR_EVAL_OUTPUT_PATH`` (default ``eval``)."""
    return mmar_path(mmar_root, plan.variable("MMAR_EVAL_OUTPUT_PATH", "eval"))
