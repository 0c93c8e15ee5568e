"""The compiled plan: one typed model shared by the compiler (which emits it) and the runtime.

Imports neither torch, MONAI nor the compiler, so the runtime can depend on it and a
plan can be checked anywhere. :func:`load_plan` is the runtime's one door for a plan.
"""

from __future__ import annotations

from mmarc.plan.canonical import canonical_json, plan_sha256
from mmarc.plan.fl import FLClientSettings, FLConfigError, FLServerSettings
from mmarc.plan.load import (
    MAX_PLAN_BYTES,
    PlanError,
    load_plan,
    plan_from_document,
    plan_from_json,
    write_plan,
)
from mmarc.plan.model import PLAN_FORMAT, CatalogVersions, FLSection, Plan

__all__ = [
    "MAX_PLAN_BYTES",
    "PLAN_FORMAT",
    "CatalogVersions",
    "FLClientSettings",
    "FLConfigError",
    "FLSection",
    "FLServerSettings",
    "Plan",
    "PlanError",
    "canonical_json",
    "load_plan",
    "plan_from_document",
    "plan_from_json",
    "plan_sha256",
    "write_plan",
]
