"""Schemas of the provisioning files: project.yml and the Clara 4.0 authz_config.json.

``project.yml`` has two unrelated forms. Clara 4.0's names a ``server`` and lists
``fl_clients`` and ``admin_clients``; NVIDIA FLARE's (``api_version`` 2 or 3) lists
``participants`` by ``type`` and the ``builders`` that make the startup kits. The
presence of ``api_version`` or ``participants`` picks the form, so the errors of a file
name the keys of its own form.

The authorization policy grants rights to roles per group of organisations; the rights
are a closed set, so a misspelt right (which Clara would ignore, silently denying it)
is an unknown-key error with a did-you-mean.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, RootModel, Tag

from mmarc.compiler.schemas.common import (
    Bool,
    Document,
    Mapping,
    Port,
    PositiveInt,
    SchemaModel,
    Str,
    choose,
)

# ---------------------------------------------------------------------------------------
# project.yml, Clara 4.0
# ---------------------------------------------------------------------------------------


class HEConfig(SchemaModel):
    """TenSEAL encryption context for homomorphic encryption."""

    poly_modulus_degree: PositiveInt | None = Field(None, description="Polynomial modulus degree.")
    coeff_mod_bit_sizes: list[PositiveInt] | None = Field(
        None, description="Bit sizes of the coefficient moduli."
    )
    scale_bits: PositiveInt | None = Field(None, description="Bits of the CKKS scale.")
    scheme: Literal["CKKS", "BFV"] | None = Field(None, description="Encryption scheme.")


class HomomorphicEncryption(SchemaModel):
    """Homomorphic encryption of model updates."""

    lib: Str = Field(description='Encryption library ("tenseal").')
    config: HEConfig | None = Field(None, description="Encryption context.")


class Clara40Server(SchemaModel):
    """The FL server of a Clara 4.0 project."""

    org: Str = Field(description="Organisation that runs the server.")
    cn: Str = Field(description="Fully qualified domain name clients connect to.")
    fed_learn_port: Port | None = Field(None, description="Port clients connect to.")
    admin_port: Port | None = Field(
        None, description="Port admin consoles connect to; must differ from fed_learn_port."
    )
    admin_storage: Str | None = Field(None, description="Server folder for uploaded MMARs.")
    min_num_clients: PositiveInt | None = Field(None, description="Clients needed to start.")
    max_num_clients: PositiveInt | None = Field(None, description="Most clients accepted.")
    auth: Bool | None = Field(None, description="Generate the authorization policy.")
    config_validator: Any = Field(
        None,
        description="NVFlare 1.0: the server's check of uploaded app configs (a component; "
        "empty for none).",
    )


class Clara40FlClient(SchemaModel):
    """One FL client site."""

    org: Str = Field(description="Organisation of the site.")
    client_name: Str = Field(min_length=1, description="Unique client name.")


class Clara40AdminClient(SchemaModel):
    """One admin console user."""

    org: Str = Field(description="Organisation of the user.")
    email: Str = Field(min_length=1, description="User name for admin authentication; unique.")


class Clara40Project(Document):
    """Clara 4.0 provisioning project."""

    name: Str = Field(min_length=1, description="Project name.")
    config_folder: Str | None = Field(None, description="Folder of the MMAR configs.")
    he: HomomorphicEncryption | None = Field(None, description="Homomorphic encryption.")
    server: Clara40Server = Field(description="The FL server.")
    fl_clients: list[Clara40FlClient] | None = Field(None, description="FL client sites.")
    admin_clients: list[Clara40AdminClient] | None = Field(None, description="Admin users.")


# ---------------------------------------------------------------------------------------
# project.yml, NVIDIA FLARE (api_version 2 and 3)
# ---------------------------------------------------------------------------------------

ParticipantType = Literal["server", "client", "admin", "overseer", "relay"]
#: The admin roles of NVIDIA FLARE's api_version 3 project files and authorization policy.
AdminRole = Literal["project_admin", "org_admin", "lead", "member"]


class Participant(SchemaModel):
    """One participant: a server, client site, admin user, overseer or relay."""

    name: Str = Field(min_length=1, description="Host name (server), site name or user email.")
    type: ParticipantType = Field(description="What the participant is.")
    org: Str = Field(description="Organisation of the participant.")
    fed_learn_port: Port | None = Field(None, description="Server: port clients connect to.")
    admin_port: Port | None = Field(None, description="Server: port admin consoles connect to.")
    enable_byoc: Bool | None = Field(None, description="Allow custom code in apps.")
    roles: list[Str] | None = Field(None, description="api_version 2: roles of an admin user.")
    role: AdminRole | None = Field(
        None, description="api_version 3: role of an admin user (NVIDIA FLARE's four roles)."
    )
    listening_host: Str | None = Field(
        None, description="Client: host name third-party trainers reach it under."
    )
    default_host: Str | None = Field(None, description="Server: host name to connect to.")
    host_names: list[Str] | None = Field(None, description="Server: other host names.")
    connection_security: Str | None = Field(None, description="clear, tls or mtls.")
    protocol: Str | None = Field(None, description="Overseer: protocol.")
    api_root: Str | None = Field(None, description="Overseer: API root path.")
    port: Port | None = Field(None, description="Overseer or relay: port.")
    connect_to: Any = Field(None, description="Client or relay: where to connect.")


class Builder(SchemaModel):
    """A provisioning builder: called in order to build the startup kits."""

    path: Str = Field(min_length=1, description="Import path of the builder class.")
    args: dict[str, Any] | None = Field(None, description="Constructor arguments.")


class FlareProject(Document):
    """NVIDIA FLARE provisioning project (api_version 2 or 3)."""

    api_version: Literal[2, 3] = Field(description="Version of the project file format.")
    name: Str = Field(min_length=1, description="Project name.")
    description: Str | None = Field(None, description="What the project is.")
    participants: list[Participant] = Field(description="Servers, clients and users.")
    builders: list[Builder] | None = Field(None, description="Builders, in call order.")


def _project_tag(value: Any) -> str | None:
    if not isinstance(value, dict):
        return None
    return "<flare>" if {"api_version", "participants"} & value.keys() else "<clara-4.0>"


class ProjectFile(RootModel[Any]):
    """Provisioning project file (project.yml): Clara 4.0 or NVIDIA FLARE form."""

    model_config = ConfigDict(defer_build=True)

    root: Annotated[
        Annotated[Clara40Project, Tag("<clara-4.0>")] | Annotated[FlareProject, Tag("<flare>")],
        choose(_project_tag, "an object (a provisioning project)"),
    ]


# ---------------------------------------------------------------------------------------
# authz_config.json, Clara 4.0
# ---------------------------------------------------------------------------------------


class GroupRules(SchemaModel):
    """Policies of an organisation group."""

    allow_byoc: Bool | None = Field(None, description="Allow MMARs with custom code.")
    allow_custom_datalist: Bool | None = Field(None, description="Allow custom datalists.")


class RoleRights(SchemaModel):
    """Rights of one role in a group; rights not listed are not granted."""

    upload_mmar: Bool | None = Field(None, description="Upload MMARs to the server.")
    deploy_self: Bool | None = Field(None, description="Deploy to own organisation's sites.")
    deploy_all: Bool | None = Field(None, description="Deploy to all sites.")
    train_self: Bool | None = Field(None, description="Start and stop training on own sites.")
    train_all: Bool | None = Field(None, description="Start and stop training on all sites.")
    view_self: Bool | None = Field(None, description="See own sites' status and logs.")
    view_all: Bool | None = Field(None, description="See all sites' status and logs.")
    operate_self: Bool | None = Field(None, description="Operate own sites (restart, shutdown).")
    operate_all: Bool | None = Field(None, description="Operate all sites.")


class Group(SchemaModel):
    """A group of organisations: rules for them and rights of roles within them."""

    desc: Str | None = Field(None, description="What the group is for.")
    rules: GroupRules | None = Field(None, description="Policies of the group.")
    role_rights: Mapping[RoleRights] | None = Field(None, description="Rights per role.")


class User(SchemaModel):
    """An admin user, by email."""

    org: Str = Field(description="Organisation of the user.")
    roles: list[Str] = Field(description="Roles of the user (keys of roles).")


class AuthzConfig(Document):
    """Clara 4.0 authorization policy (authz_config.json)."""

    version: Str | None = Field(None, description='Policy format version ("1.0").')
    roles: Mapping[Str] | None = Field(None, description="Role names and descriptions.")
    groups: Mapping[Group] | None = Field(None, description="Organisation groups.")
    users: Mapping[User] | None = Field(None, description="Admin users by email.")
    orgs: Mapping[list[Str]] | None = Field(None, description="Groups of each organisation.")
    sites: Mapping[Str] | None = Field(None, description="Organisation of each site.")
