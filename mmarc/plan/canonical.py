"""Canonical JSON and the plan hash: the bytes server and clients compare.

The same inputs must give byte-identical plans on every machine, so one serialisation is
used for hashing and for writing: sorted keys, no whitespace, UTF-8, no NaN/Infinity.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

__all__ = ["canonical_json", "plan_sha256"]


def canonical_json(value: Any) -> bytes:
    """The one serialisation used for hashing and writing plans."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def plan_sha256(plan: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical JSON of ``plan`` without its own ``sha256`` key."""
    body = {k: v for k, v in plan.items() if k != "sha256"}
    return hashlib.sha256(canonical_json(body)).hexdigest()
