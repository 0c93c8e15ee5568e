"""The runtime's door: a plan is read, size-checked, parsed, validated and hash-checked once.

A plan can come from a federation server or an admin upload, so nothing about it is
trusted: the size is checked before the bytes are read, the JSON before the model, the
model before the hash, and each refusal is one :class:`PlanError` line that names where
(the file and the JSON pointer) and what. After this, the runtime works with a
:class:`~mmarc.plan.model.Plan`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from mmarc.plan.canonical import plan_sha256
from mmarc.plan.errors import PlanError
from mmarc.plan.model import PLAN_FORMAT, Plan
from mmarc.plan.pointer import join, to_pointer

__all__ = ["MAX_PLAN_BYTES", "PlanError", "load_plan", "plan_from_document", "plan_from_json"]

#: The largest plan accepted (a real one is tens of kilobytes).
MAX_PLAN_BYTES = 16 * 1024 * 1024


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _where(loc: tuple[int | str, ...]) -> str:
    parts = [p for p in loc if not (isinstance(p, str) and p[:1] == "<" and p[-1:] == ">")]
    return to_pointer("validate" if p == "validate_" else p for p in parts) or "/"


def plan_from_json(data: bytes | str, source: str = "plan") -> Plan:
    """Parse and validate plan bytes, then check their hash; :class:`PlanError` if refused."""
    if len(data) > MAX_PLAN_BYTES:
        raise PlanError(f"{source}: {len(data)} bytes is over the {MAX_PLAN_BYTES}-byte limit")
    try:
        raw = json.loads(data, parse_constant=_refuse_constant)
    except (ValueError, UnicodeDecodeError) as exc:
        raise PlanError(f"{source}: not a JSON plan ({exc})") from None
    if not isinstance(raw, dict):
        raise PlanError(f"{source}: a plan is a JSON object, got {type(raw).__name__}", "")
    return plan_from_document(raw, source)


def plan_from_document(raw: dict[str, Any], source: str = "plan") -> Plan:
    """Validate a parsed plan and check its hash; :class:`PlanError` if refused."""
    if raw.get("plan_format") != PLAN_FORMAT:
        raise PlanError(
            f"{source}: /plan_format: {raw.get('plan_format')!r} is not supported (this "
            f"mmarc reads format {PLAN_FORMAT}); recompile the MMAR with this mmarc",
            "/plan_format",
        )
    try:
        plan = Plan.model_validate(raw)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = _where(error["loc"])
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise PlanError(f"{source}: {where}: {error['msg']}{more}", where) from None
    actual = plan_sha256(raw)
    if actual != plan.sha256:
        raise PlanError(
            f"{source}: /sha256: the plan's sha256 does not match its content (it hashes to "
            f"{actual}): it was changed after compiling; recompile it with `mmarc compile`",
            "/sha256",
        )
    filled = _first_difference(plan.document, raw, "")
    if filled is not None:  # the model filled in or converted a value the hash covers not
        raise PlanError(
            f"{source}: {filled or '/'}: missing or not in the form `mmarc compile` writes; "
            "recompile the plan with this mmarc",
            filled,
        )
    return plan


def _first_difference(typed: Any, raw: Any, pointer: str) -> str | None:
    """The pointer of the first value the typed plan holds that the raw one does not."""
    if isinstance(typed, dict) and isinstance(raw, dict):
        for key in sorted(set(typed) | set(raw)):
            if key not in typed or key not in raw:
                return join(pointer, key)
            found = _first_difference(typed[key], raw[key], join(pointer, key))
            if found is not None:
                return found
        return None
    if isinstance(typed, list) and isinstance(raw, list) and len(typed) == len(raw):
        for i, (t, r) in enumerate(zip(typed, raw, strict=True)):
            found = _first_difference(t, r, join(pointer, i))
            if found is not None:
                return found
        return None
    return None if typed == raw and type(typed) is type(raw) else pointer


def load_plan(source: Path | str | bytes) -> Plan:
    """The plan in file ``source`` (a path) or in ``source`` itself (bytes), checked once."""
    if isinstance(source, bytes):
        return plan_from_json(source)
    path = Path(source)
    try:
        with open(path, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if size > MAX_PLAN_BYTES:
                raise PlanError(f"{path}: {size} bytes is over the {MAX_PLAN_BYTES}-byte limit")
            data = handle.read(MAX_PLAN_BYTES + 1)
    except OSError as exc:
        raise PlanError(f"{path}: cannot read the plan ({exc.strerror or exc})") from None
    return plan_from_json(data, str(path))


def write_plan(plan: Plan, path: Path) -> None:
    """Write a plan atomically (a reader never sees half a plan): the one plan writer."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(plan.to_json() + b"\n")
    tmp.replace(path)
