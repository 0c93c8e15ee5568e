"""Schemas of the federated-learning configs: config_fed_server.json, config_fed_client.json.

Two forms exist in Clara 4.0: the released one, marked ``"format_version": 1``, which
lists NVFlare components (aggregator, persistor, filters...), and the earlier one without
a version, where the client section carried processors and training settings (Clara 3.x
and the 4.0 Early Access). The file's ``format_version`` key picks the form, so its
errors name the keys of the right one. Clara 3.x files have the earlier form; the
version stage rejects them before the schema stage runs.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, RootModel, Tag

from mmarc.compiler.schemas.common import (
    Bool,
    Document,
    PositiveFloat,
    PositiveInt,
    SchemaModel,
    Str,
    Var,
    choose,
)
from mmarc.compiler.schemas.components import (
    Component,
    ComponentList,
    OneComponent,
    RefComponent,
    component_tag,
)
from mmarc.plan.fl import (
    ClientCount,
    EpochCount,
    FLClientSettings,
    FLServerSettings,
    PositiveSeconds,
    RoundNumber,
    Seconds,
    UploadSlots,
)


def _setting(model: type[FLServerSettings | FLClientSettings], name: str) -> Any:
    """The schema field of FL setting ``name``: optional, described as the plan model
    describes it, with the default the runtime applies (defined once, in mmarc.plan.fl)."""
    field = model.model_fields[name]
    return Field(None, description=f"{field.description} Default: {field.default!r}.")


class ServerEntry(SchemaModel):
    """One FL server: its name (the study) and round settings."""

    name: Str | None = Field(
        None,
        min_length=1,
        description="Name of the FL study this server runs (NVFlare 1.0 apps leave it out: "
        "the deployed app names the run).",
    )
    min_num_clients: Var[ClientCount] | None = _setting(FLServerSettings, "min_num_clients")
    max_num_clients: Var[ClientCount] | None = _setting(FLServerSettings, "max_num_clients")
    wait_after_min_clients: Var[Seconds] | None = _setting(
        FLServerSettings, "wait_after_min_clients"
    )
    heart_beat_timeout: Var[PositiveSeconds] | None = _setting(
        FLServerSettings, "heart_beat_timeout"
    )
    upload_slots: Var[UploadSlots] | None = _setting(FLServerSettings, "upload_slots")
    start_round: Var[RoundNumber] | None = _setting(FLServerSettings, "start_round")
    num_rounds: Var[RoundNumber] | None = _setting(FLServerSettings, "num_rounds")
    # earlier form (Clara 3.x and 4.0 Early Access)
    ssl_private_key: Str | None = Field(None, description="Earlier form: server key file.")
    ssl_cert: Str | None = Field(None, description="Earlier form: server certificate.")
    ssl_root_cert: Str | None = Field(None, description="Earlier form: root CA certificate.")
    exclude_vars: Str | None = Field(
        None, description="Earlier form: regular expression of variables not aggregated."
    )
    num_server_workers: Var[PositiveInt] | None = Field(
        None, description="Earlier form: server worker threads."
    )
    validate_on_server: Var[Bool] | None = Field(
        None, description="Earlier form: validate the global model on the server."
    )
    num_rounds_per_valid: Var[PositiveInt] | None = Field(
        None, description="Earlier form: validate every this many rounds."
    )
    compression: Str | None = Field(None, description='Earlier form: message compression ("Gzip").')
    service: dict[str, Any] | None = Field(None, description="Earlier form: gRPC service options.")


Servers = Annotated[list[ServerEntry], Field(min_length=1)]


def _form_tag(value: Any) -> str | None:
    if not isinstance(value, dict):
        return None
    return "<format-1>" if "format_version" in value else "<earlier>"


class FedServerV1(Document):
    """Federated server configuration, Clara 4.0 (format_version 1)."""

    format_version: Literal[1] = Field(description="Version of this file's form; 1 in Clara 4.0.")
    servers: Servers = Field(description="The FL server (one entry).")
    aggregator: OneComponent | None = Field(
        None, description="Combines client updates into the global model."
    )
    model_persistor: OneComponent | None = Field(
        None, description="Loads the initial model and saves the global model."
    )
    shareable_generator: OneComponent | None = Field(
        None, description="Turns the model into what is sent to clients and back."
    )
    outbound_filters: ComponentList | None = Field(
        None, description="Filters applied to what the server sends."
    )
    inbound_filters: ComponentList | None = Field(
        None, description="Filters applied to what the server receives."
    )
    handlers: ComponentList | None = Field(None, description="Server event handlers.")


class FedServerEarlier(Document):
    """Federated server configuration, earlier form (Clara 3.x, 4.0 Early Access)."""

    servers: Servers = Field(description="The FL server (one entry).")
    aggregator: OneComponent | None = Field(None, description="Model aggregator.")
    model_saver: OneComponent | None = Field(None, description="Saves the global model.")
    model_persistor: OneComponent | None = Field(None, description="Model persistor.")
    shareable_generator: OneComponent | None = Field(None, description="Shareable generator.")
    pre_processors: ComponentList | None = Field(None, description="Outgoing message processors.")
    post_processors: ComponentList | None = Field(None, description="Incoming message processors.")
    admin_cmd_modules: ComponentList | None = Field(None, description="Admin command modules.")
    result_processors: ComponentList | None = Field(None, description="Result processors.")
    outbound_filters: ComponentList | None = Field(None, description="Outbound filters.")
    inbound_filters: ComponentList | None = Field(None, description="Inbound filters.")
    handlers: ComponentList | None = Field(None, description="Event handlers.")


class FedServerConfig(RootModel[Any]):
    """Federated server configuration (config_fed_server.json)."""

    model_config = ConfigDict(defer_build=True)

    root: Annotated[
        Annotated[FedServerV1, Tag("<format-1>")] | Annotated[FedServerEarlier, Tag("<earlier>")],
        choose(_form_tag, "an object (a federated server configuration)"),
    ]


class ClientFilters(SchemaModel):
    """Filters a client applies to the messages it exchanges with the server."""

    outbound_filters: ComponentList | None = Field(
        None, description="Filters on what the client sends (privacy: SVT, percentile...)."
    )
    inbound_filters: ComponentList | None = Field(
        None, description="Filters on what the client receives."
    )


class CrossSiteValidation(SchemaModel):
    """Whether and how this client validates other sites' models."""

    is_participating: Var[Bool] | None = Field(
        None, description="Take part in cross-site validation."
    )
    model_validator: OneComponent | None = Field(
        None, description="Validates a received model on local data."
    )
    outbound_filters: ComponentList | None = Field(None, description="Outbound filters.")
    inbound_filters: ComponentList | None = Field(None, description="Inbound filters.")


class FedClientV1(Document):
    """Federated client configuration, Clara 4.0 (format_version 1)."""

    format_version: Literal[1] = Field(description="Version of this file's form; 1 in Clara 4.0.")
    servers: Servers | None = Field(
        None,
        description="The FL server to join, by study name (NVFlare 1.0 apps leave it out: "
        "the startup kit names the server).",
    )
    platform: Str | None = Field(
        None, description='NVFlare 1.0: the framework of the client\'s trainer ("PT", "TF").'
    )
    client: ClientFilters | None = Field(None, description="Message filters.")
    client_trainer: OneComponent | None = Field(
        None, description="Runs local training for each round."
    )
    handlers: ComponentList | None = Field(None, description="Client event handlers.")
    cross_validate: Var[Bool] | None = Field(
        None, description="Run cross-site validation after training."
    )
    cross_site_validation: CrossSiteValidation | None = Field(
        None, description="Cross-site validation settings."
    )


class EmptyObject(SchemaModel):
    """An empty object: the earlier form's way to leave a component out."""


def _optional_component_tag(value: Any) -> str | None:
    if isinstance(value, dict) and not any(not str(k).startswith("_") for k in value):
        return "<empty>"
    return component_tag(value)


OptionalComponent = Annotated[
    Annotated[Component, Tag("<component>")]
    | Annotated[RefComponent, Tag("<ref>")]
    | Annotated[EmptyObject, Tag("<empty>")],
    choose(_optional_component_tag, "a component or an empty object"),
]


class ClientSectionEarlier(SchemaModel):
    """The ``client`` section of the earlier form: training settings and processors."""

    local_epochs: Var[EpochCount] | None = _setting(FLClientSettings, "local_epochs")
    steps_aggregation: Var[EpochCount] | None = _setting(FLClientSettings, "steps_aggregation")
    exclude_vars: Str | None = Field(None, description="Variables not sent to the server.")
    cross_site_validate: Var[Bool] | None = Field(None, description="Cross-site validation.")
    privacy: dict[str, Any] | None = Field(None, description="Privacy settings.")
    pre_processors: ComponentList | None = Field(None, description="Outgoing processors.")
    post_processors: ComponentList | None = Field(None, description="Incoming processors.")
    req_processors: ComponentList | None = Field(None, description="Admin request processors.")
    model_reader_writer: OptionalComponent | None = Field(
        None, description="Reads and writes model weights."
    )
    model_validator: OptionalComponent | None = Field(
        None, description="Validates received models."
    )
    outbound_filters: ComponentList | None = Field(None, description="Outbound filters.")
    inbound_filters: ComponentList | None = Field(None, description="Inbound filters.")
    retry_timeout: Var[PositiveFloat] | None = Field(
        None, description="Seconds to retry reaching the server."
    )
    ssl_private_key: Str | None = Field(None, description="Client key file.")
    ssl_cert: Str | None = Field(None, description="Client certificate.")
    ssl_root_cert: Str | None = Field(None, description="Root CA certificate.")
    compression: Str | None = Field(None, description="Message compression.")


class FedClientEarlier(Document):
    """Federated client configuration, earlier form (Clara 3.x, 4.0 Early Access)."""

    servers: Servers = Field(description="The FL server to join, by study name.")
    client: ClientSectionEarlier | None = Field(None, description="Client settings.")
    client_trainer: OneComponent | None = Field(None, description="Local trainer.")


class FedClientConfig(RootModel[Any]):
    """Federated client configuration (config_fed_client.json)."""

    model_config = ConfigDict(defer_build=True)

    root: Annotated[
        Annotated[FedClientV1, Tag("<format-1>")] | Annotated[FedClientEarlier, Tag("<earlier>")],
        choose(_form_tag, "an object (a federated client configuration)"),
    ]
