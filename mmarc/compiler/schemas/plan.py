"""Schema of the compiled plan (``mmarc compile``): the typed model of :mod:`mmarc.plan`.

The plan is generated, not hand-written, and the runtime reads it through the very same
model (:func:`mmarc.plan.load_plan`), so ``validate`` of a plan file, the runtime and
``schemas/plan.schema.json`` cannot disagree: this module only names that model for the
schema registry. Its format is described in ``docs/plan-format.md``.
"""

from __future__ import annotations

from mmarc.plan.model import CatalogVersions, FLSection, Plan

__all__ = ["CatalogVersions", "FLSection", "Plan"]
