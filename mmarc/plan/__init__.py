"""The compiled plan: one typed model shared by the compiler (which emits it) and the runtime.

Imports neither torch, MONAI nor the compiler, so the runtime can depend on it and a
plan can be checked anywhere. :func:`load_plan` is the runtime's one door for a plan.

The names below load their submodule on first use (PEP 562): building the pydantic
models costs about 0.1 s, which ``mmarc validate`` must not pay just because the
compiler's source positions use :mod:`mmarc.plan.pointer`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mmarc.lazy import lazy_exports

if TYPE_CHECKING:
    from mmarc.plan.canonical import canonical_json, plan_sha256
    from mmarc.plan.errors import PlanError
    from mmarc.plan.fl import FLClientSettings, FLConfigError, FLServerSettings
    from mmarc.plan.load import (
        MAX_PLAN_BYTES,
        load_plan,
        plan_from_document,
        plan_from_json,
        write_plan,
    )
    from mmarc.plan.model import PLAN_FORMAT, CatalogVersions, FLSection, Plan
    from mmarc.plan.simulation import (
        SimulationSettings,
        SplitSpec,
        parse_split,
        simulation_settings,
    )

#: public name -> the submodule that defines it
_HOMES = {
    "canonical_json": ".canonical",
    "plan_sha256": ".canonical",
    "FLClientSettings": ".fl",
    "FLConfigError": ".fl",
    "FLServerSettings": ".fl",
    "MAX_PLAN_BYTES": ".load",
    "PlanError": ".errors",
    "load_plan": ".load",
    "plan_from_document": ".load",
    "plan_from_json": ".load",
    "write_plan": ".load",
    "PLAN_FORMAT": ".model",
    "CatalogVersions": ".model",
    "FLSection": ".model",
    "Plan": ".model",
    "SimulationSettings": ".simulation",
    "SplitSpec": ".simulation",
    "parse_split": ".simulation",
    "simulation_settings": ".simulation",
}

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
    "SimulationSettings",
    "SplitSpec",
    "canonical_json",
    "load_plan",
    "parse_split",
    "plan_from_document",
    "plan_from_json",
    "plan_sha256",
    "simulation_settings",
    "write_plan",
]


__getattr__ = lazy_exports(__name__, _HOMES)
