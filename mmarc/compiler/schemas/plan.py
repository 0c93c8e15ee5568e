"""Schema of the compiled plan (``mmarc compile``), the only input the runtime executes.

The plan is generated, not hand-written, so its schema is for the tools that read it
(the runtime checks a plan that arrives from a server before building anything, editors
show it) rather than for did-you-mean help. Its format is described in
``docs/plan-format.md``; :mod:`mmarc.compiler.plan` writes it.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from mmarc.compiler.schemas.common import Document, SchemaModel, Str
from mmarc.plan.model import FLSection


class CatalogVersions(SchemaModel):
    """The library versions the plan's components were checked against."""

    monai: Str = Field(description="MONAI version of the component catalog.")
    torch: Str = Field(description="torch version of the component catalog.")
    ignite: Str | None = Field(None, description="pytorch-ignite version of the catalog.")


class Plan(Document):
    """A compiled MMAR: substituted, resolved and hashed (see docs/plan-format.md)."""

    plan_format: Literal[1] = Field(description="Version of the plan format.")
    mmarc_version: Str = Field(description="mmarc version that compiled the plan.")
    clara_version: Literal["4.0", "4.1"] = Field(description="Clara form of the source MMAR.")
    catalog: CatalogVersions
    mmar_name: Str = Field(description="Folder name of the MMAR the plan was compiled from.")
    variables: dict[str, Any] = Field(description="Final values of every variable.")
    settings: dict[str, Any] = Field(description="Top-level settings of config_train.json.")
    train: dict[str, Any] = Field(description="The train section, components normalised.")
    validate_: dict[str, Any] = Field(
        alias="validate", title="validate", description="The validate section."
    )
    evaluate: dict[str, Any] | None = Field(description="config_validation.json, normalised.")
    evaluate_settings: dict[str, Any] | None = Field(
        description="Top-level settings of config_validation.json."
    )
    fl: FLSection | None = Field(
        description="Federated configs and their effective settings (mmarc.plan.FLSection)."
    )
    custom: dict[str, Str] = Field(
        description="SHA-256 of every file under the MMAR's custom/ folder."
    )
    sha256: str = Field(
        pattern=r"^[0-9a-f]{64}$",
        description="SHA-256 of the canonical JSON of the plan without this key.",
    )
