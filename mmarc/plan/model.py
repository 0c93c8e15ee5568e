"""The compiled plan as a typed model: what the compiler emits and the runtime executes.

The format is described in ``docs/plan-format.md``. Component trees (the ``train``,
``validate`` and ``evaluate`` sections, the FL configs) stay JSON objects that the runtime
walks by JSON pointer; everything the runtime reads as a setting is a typed field, the FL
settings with every default applied (:mod:`mmarc.plan.fl`). The hash covers exactly what
:meth:`Plan.document` returns, so the runtime works with the values that were hashed.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any, Literal

from pydantic import ConfigDict, Field

from mmarc.plan.canonical import canonical_json, plan_sha256
from mmarc.plan.fl import FLClientSettings, FLServerSettings
from mmarc.plan.simulation import SimulationSettings
from mmarc.plan.strict import StrictSettings

__all__ = ["PLAN_FORMAT", "CatalogVersions", "FLSection", "Plan", "PlanModel"]

#: The plan format this mmarc writes and reads.
PLAN_FORMAT = 1

JsonObject = dict[str, Any]


class PlanModel(StrictSettings):
    """Strict, closed, immutable (:class:`StrictSettings`); a plan's own keys may also be
    given by field name where they have an alias (``validate_``)."""

    model_config = ConfigDict(populate_by_name=True)


class CatalogVersions(PlanModel):
    """The library versions the plan's components were checked against."""

    monai: str = Field(description="MONAI version of the component catalog.")
    torch: str = Field(description="torch version of the component catalog.")
    ignite: str | None = Field(None, description="pytorch-ignite version of the catalog.")


class FLSection(PlanModel):
    """The federated configs (component trees) and the effective settings derived from them."""

    server: JsonObject | None = Field(None, description="config_fed_server.json, normalised.")
    client: JsonObject | None = Field(None, description="config_fed_client.json, normalised.")
    server_settings: FLServerSettings | None = Field(
        None, description="The server's effective settings (defaults applied)."
    )
    client_settings: FLClientSettings | None = Field(
        None, description="A client's effective settings (defaults applied)."
    )


class Plan(PlanModel):
    """A compiled MMAR: substituted, resolved and hashed (see docs/plan-format.md)."""

    model_config = ConfigDict(ignored_types=(cached_property,))

    plan_format: Literal[1] = Field(description="Version of the plan format.")
    mmarc_version: str = Field(description="mmarc version that compiled the plan.")
    clara_version: Literal["4.0", "4.1"] = Field(description="Clara form of the source MMAR.")
    catalog: CatalogVersions
    mmar_name: str = Field(description="Folder name of the MMAR the plan was compiled from.")
    variables: JsonObject = Field(
        description="Final values of the variables that are not settings (environment.json, "
        "--set); a setting such as epochs is under settings, with its winning value."
    )
    settings: JsonObject = Field(description="Top-level settings of config_train.json.")
    train: JsonObject = Field(description="The train section, components normalised.")
    validate_: JsonObject = Field(
        alias="validate", title="validate", description="The validate section."
    )
    evaluate: JsonObject | None = Field(description="config_validation.json, normalised.")
    evaluate_settings: JsonObject | None = Field(
        description="Top-level settings of config_validation.json."
    )
    fl: FLSection | None = Field(description="Federated configs and their effective settings.")
    simulation: SimulationSettings | None = Field(
        None,
        description="The simulated federation the plan was compiled for (mmarc run --sim, "
        "mmarc study): clients and the data split. Absent from a plan compiled without one.",
    )
    custom: dict[str, str] = Field(
        description="SHA-256 of every file under the MMAR's custom/ folder."
    )
    sha256: str = Field(
        pattern=r"^[0-9a-f]{64}$",
        description="SHA-256 of the canonical JSON of the plan without this key.",
    )

    @cached_property
    def document(self) -> JsonObject:
        """The plan as JSON values (what is hashed and written; pointers resolve in it).

        ``simulation`` is left out when there is none, so a plan compiled without a
        simulation hashes as it did before the section existed."""
        absent = {"simulation"} if self.simulation is None else None
        return self.model_dump(mode="json", by_alias=True, exclude=absent)

    def to_json(self) -> bytes:
        """The canonical bytes of the plan (no trailing newline)."""
        return canonical_json(self.document)

    def content_sha256(self) -> str:
        """The hash of the content; equal to :attr:`sha256` unless the plan was edited."""
        return plan_sha256(self.document)

    @property
    def server_settings(self) -> FLServerSettings | None:
        """The FL server's effective settings, or None when the MMAR is not federated."""
        return self.fl.server_settings if self.fl is not None else None

    @property
    def client_settings(self) -> FLClientSettings | None:
        """An FL client's effective settings, or None when the MMAR is not federated."""
        return self.fl.client_settings if self.fl is not None else None

    def variable(self, name: str, default: str) -> str:
        """A string variable's value, ``default`` when absent or empty."""
        value = self.variables.get(name)
        return value if isinstance(value, str) and value else default

    @classmethod
    def sealed(cls, content: JsonObject) -> Plan:
        """A plan from ``content`` (no ``sha256``): validated, then hashed."""
        unsealed = cls.model_validate({**content, "sha256": "0" * 64})
        digest = plan_sha256(unsealed.document)
        return cls.model_validate({**content, "sha256": digest})
