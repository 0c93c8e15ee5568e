"""Reading a compiled plan: format check, JSON pointers, and the MMAR paths it implies.

The executor trusts nothing about a plan beyond docs/plan-format.md, since a plan can come
from a federation server: this module checks the envelope and resolves pointers with
errors that name the pointer. MMAR-relative paths (``models/model.pt``) are resolved
against the MMAR root the executor was given, never against the working directory.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mmarc.runtime.executor.errors import ExecutorError

PLAN_FORMAT = 1
#: Sections whose slots hold components the executor builds.
COMPONENT_SECTIONS = ("train", "validate", "evaluate")
#: Argument names whose relative string values are MMAR-relative paths.
PATH_ARGS = frozenset(
    {"load_path", "save_dir", "log_dir", "output_dir", "ckpt_path", "ts_path", "cache_dir"}
)
_MISSING = object()


def check_envelope(plan: Any) -> Mapping[str, Any]:
    """The plan as a mapping, after checking its format and the sections the executor reads."""
    if not isinstance(plan, Mapping):
        raise ExecutorError("a plan is a JSON object", "")
    fmt = plan.get("plan_format")
    if fmt != PLAN_FORMAT:
        raise ExecutorError(
            f"plan_format {fmt!r} is not supported (this executor reads format {PLAN_FORMAT}); "
            "recompile the MMAR with this mmarc",
            "/plan_format",
        )
    for key in ("settings", "variables"):
        if not isinstance(plan.get(key, {}), Mapping):
            raise ExecutorError(f"'{key}' must be an object", f"/{key}")
    for key in COMPONENT_SECTIONS:
        if plan.get(key) is not None and not isinstance(plan[key], Mapping):
            raise ExecutorError(f"'{key}' must be an object or null", f"/{key}")
    return plan


def split_pointer(pointer: str) -> list[str]:
    """RFC 6901 tokens of ``pointer`` (``""`` is the whole document)."""
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise ExecutorError(f"{pointer!r} is not a JSON pointer (it must start with '/')", pointer)
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer[1:].split("/")]


def join_pointer(pointer: str, token: str | int) -> str:
    return f"{pointer}/{str(token).replace('~', '~0').replace('/', '~1')}"


def resolve_pointer(plan: Mapping[str, Any], pointer: str, *, where: str | None = None) -> Any:
    """The plan value at ``pointer``; ExecutorError naming ``where`` (the referrer) if absent."""
    node: Any = plan
    for token in split_pointer(pointer):
        if isinstance(node, Mapping):
            node = node.get(token, _MISSING)
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            node = _MISSING
        if node is _MISSING:
            raise ExecutorError(
                f"reference to {pointer!r}, which is not in the plan", where or pointer
            )
    return node


def is_component(value: Any) -> bool:
    return isinstance(value, Mapping) and "path" in value


def is_reuse(value: Any) -> bool:
    """``{"ref": "/train/pre_transforms/0"}``: re-use of another component."""
    return isinstance(value, Mapping) and set(value) == {"ref"}


def variable(plan: Mapping[str, Any], name: str, default: str) -> str:
    value = (plan.get("variables") or {}).get(name)
    return value if isinstance(value, str) and value else default


def mmar_path(mmar_root: Path, value: str) -> Path:
    """``value`` as an absolute path: MMAR-relative unless already absolute."""
    p = Path(value).expanduser()
    return p if p.is_absolute() else mmar_root / p


def ckpt_dir(plan: Mapping[str, Any], mmar_root: Path) -> Path:
    """``MMAR_CKPT_DIR`` (default ``models``), where checkpoints and metrics go."""
    return mmar_path(mmar_root, variable(plan, "MMAR_CKPT_DIR", "models"))


def final_ckpt(plan: Mapping[str, Any], mmar_root: Path) -> Path:
    """``MMAR_CKPT`` (default ``<MMAR_CKPT_DIR>/model.pt``): the latest/final model."""
    value = variable(plan, "MMAR_CKPT", "")
    return mmar_path(mmar_root, value) if value else ckpt_dir(plan, mmar_root) / "model.pt"


def eval_output_dir(plan: Mapping[str, Any], mmar_root: Path) -> Path:
    """``MMAR_EVAL_OUTPUT_PATH`` (default ``eval``)."""
    return mmar_path(mmar_root, variable(plan, "MMAR_EVAL_OUTPUT_PATH", "eval"))
