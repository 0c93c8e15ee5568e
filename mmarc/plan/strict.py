"""The one base of the plan's settings models: strict, closed, immutable, titled by key.

A plan and every section in it is data that arrived from somewhere (a file, a frame, an
upload), so its models accept exactly their own types (``strict``), no unknown key
(``extra="forbid"``) and cannot change once built (``frozen``); their JSON Schema titles
are the keys as written in the files (:func:`key_title`), not pydantic's "Use Gpu".
The compiler's schema models title their fields the same way.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict
from pydantic.fields import ComputedFieldInfo, FieldInfo

__all__ = ["StrictSettings", "key_title"]


def key_title(name: str, field: FieldInfo | ComputedFieldInfo) -> str:
    """A field's JSON Schema title: its key as written (the alias where it has one)."""
    return field.alias or name


class StrictSettings(BaseModel):
    """Strict, closed, immutable; built on first use (``defer_build``)."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        frozen=True,
        defer_build=True,
        field_title_generator=key_title,
    )
