"""project.yml -> one normalised :class:`ProjectSpec`, whatever form the file has.

Clara 4.0 names a ``server`` and lists ``fl_clients`` and ``admin_clients``; NVIDIA
FLARE (``api_version`` 2/3) lists ``participants`` by type. Both become the same spec
so that kits are built one way. Reading and checking the file (as ``mmarc validate``
does, plus the located S004 checks the schema cannot express) is the caller's:
:mod:`mmarc.provisioning` hands :func:`spec_from_plain` content that passed them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mmarc.errors import MmarcError
from mmarc.policy.participants import DEFAULT_ADMIN_PORT, DEFAULT_FED_LEARN_PORT

from ..security.authz import SERVER_SITE, SUPER_ROLE
from .kit import Role

#: Rights of the roles of the default policy (used when no authz_config.json is given).
#: FLARE api_version 3 roles map onto these; ``project_admin`` becomes ``super``.
DEFAULT_ROLE_RIGHTS: dict[str, dict[str, bool]] = {
    SUPER_ROLE: {},
    "org_admin": {"operate_self": True, "view_self": True},
    "lead": {"upload_mmar": True, "deploy_self": True, "train_self": True, "view_self": True},
    "member": {"view_self": True},
}
_API3_ROLES = {"project_admin": SUPER_ROLE}


class ProvisionError(MmarcError):
    """Provisioning cannot go on; the message says why in one line."""


@dataclass(frozen=True, slots=True)
class ServerSpec:
    name: str
    org: str
    host: str
    fed_learn_port: int
    admin_port: int
    admin_storage: str = "transfer"
    min_num_clients: int | None = None
    max_num_clients: int | None = None


@dataclass(frozen=True, slots=True)
class ClientSpec:
    name: str
    org: str


@dataclass(frozen=True, slots=True)
class AdminSpec:
    email: str
    org: str
    roles: tuple[str, ...]


@dataclass(frozen=True)
class ProjectSpec:
    """Everything provisioning needs, in one form for Clara 4.0 and FLARE projects."""

    name: str
    form: str  # "clara-4.0", "flare-2" or "flare-3"
    server: ServerSpec
    clients: tuple[ClientSpec, ...]
    admins: tuple[AdminSpec, ...]
    #: Policy from the project file itself (FLARE's AuthPolicyBuilder args), if any.
    builder_policy: Mapping[str, Any] | None = None
    #: The CKKS settings (``CKKSParams``) of the project's ``he`` section, if any.
    he: Any = None
    notes: tuple[str, ...] = field(default=())

    @property
    def participants(self) -> list[tuple[Role, str]]:
        """(role, name) of every participant, server first."""
        out: list[tuple[Role, str]] = [("server", self.server.name)]
        out += [("client", c.name) for c in self.clients]
        out += [("admin", a.email) for a in self.admins]
        return out

    def site_orgs(self) -> dict[str, str]:
        sites = {SERVER_SITE: self.server.org}
        sites.update({c.name: c.org for c in self.clients})
        return sites


def _from_clara(plain: dict[str, Any]) -> tuple[ServerSpec, list[ClientSpec], list[AdminSpec]]:
    srv = plain["server"]
    server = ServerSpec(
        name=srv["cn"],
        org=srv["org"],
        host=srv["cn"],
        fed_learn_port=srv.get("fed_learn_port") or DEFAULT_FED_LEARN_PORT,
        admin_port=srv.get("admin_port") or DEFAULT_ADMIN_PORT,
        admin_storage=srv.get("admin_storage") or "transfer",
        min_num_clients=srv.get("min_num_clients"),
        max_num_clients=srv.get("max_num_clients"),
    )
    clients = [ClientSpec(c["client_name"], c["org"]) for c in plain.get("fl_clients") or []]
    # Without a policy file, admins of the server's org are the project admins (super);
    # the others lead studies on their own org's sites. authz_config.json overrides this.
    admins = [
        AdminSpec(a["email"], a["org"], (SUPER_ROLE,) if a["org"] == server.org else ("lead",))
        for a in plain.get("admin_clients") or []
    ]
    return server, clients, admins


def _from_flare(
    plain: dict[str, Any],
) -> tuple[ServerSpec | None, list[ClientSpec], list[AdminSpec], list[str]]:
    server = None
    clients: list[ClientSpec] = []
    admins: list[AdminSpec] = []
    notes: list[str] = []
    for p in plain["participants"]:
        kind = p["type"]
        if kind == "server" and server is None:
            server = ServerSpec(
                name=p["name"],
                org=p["org"],
                host=p.get("default_host") or p["name"],
                fed_learn_port=p.get("fed_learn_port") or DEFAULT_FED_LEARN_PORT,
                admin_port=p.get("admin_port") or DEFAULT_ADMIN_PORT,
            )
        elif kind == "client":
            clients.append(ClientSpec(p["name"], p["org"]))
        elif kind == "admin":
            if plain["api_version"] == 2:
                roles = tuple(p.get("roles") or ())
            else:
                role = p.get("role") or "member"
                roles = (_API3_ROLES.get(role, role),)
            admins.append(AdminSpec(p["name"], p["org"], roles))
        elif kind in ("overseer", "relay"):
            notes.append(f"{kind} {p['name']!r} is not used by mmarc (one server, no relays)")
    ignored = [
        str(b.get("path", "")).rsplit(".", 1)[-1]
        for b in plain.get("builders") or []
        if not str(b.get("path", "")).endswith(("auth_policy.AuthPolicyBuilder", ".HEBuilder"))
    ]
    if ignored:
        notes.append(f"NVFlare builders not used (mmarc builds its own kits): {', '.join(ignored)}")
    return server, clients, admins, notes


def _builder_policy(plain: dict[str, Any], admins: list[AdminSpec]) -> dict[str, Any] | None:
    """FLARE api_version 2's AuthPolicyBuilder args, completed with users and sites."""
    for builder in plain.get("builders") or []:
        args = builder.get("args") or {}
        if str(builder.get("path", "")).endswith("auth_policy.AuthPolicyBuilder"):
            if args.get("disabled"):
                return None
            return {
                "version": "1.0",
                "roles": args.get("roles") or {},
                "groups": args.get("groups") or {},
                "orgs": args.get("orgs") or {},
                "users": {a.email: {"org": a.org, "roles": list(a.roles)} for a in admins},
            }
    return None


def spec_from_plain(plain: dict[str, Any]) -> ProjectSpec:
    """The spec of a project file's content that passed its checks (see ``mmarc.provisioning``)."""
    from .he import he_params

    notes: list[str] = []
    policy = None
    if "participants" in plain:
        server, clients, admins, notes = _from_flare(plain)
        if server is None:
            raise ProvisionError("the project has no participant of type server")
        form = f"flare-{plain['api_version']}"
        policy = _builder_policy(plain, admins)
    else:
        server, clients, admins = _from_clara(plain)
        form = "clara-4.0"
    return ProjectSpec(
        name=plain["name"],
        form=form,
        server=server,
        clients=tuple(clients),
        admins=tuple(admins),
        builder_policy=policy,
        he=he_params(plain),
        notes=tuple(notes),
    )


def default_policy(spec: ProjectSpec) -> dict[str, Any]:
    """The policy used when none is given: project admins are super (see DEFAULT_ROLE_RIGHTS)."""
    orgs = sorted({spec.server.org} | {c.org for c in spec.clients} | {a.org for a in spec.admins})
    roles = sorted({r for a in spec.admins for r in a.roles} | set(DEFAULT_ROLE_RIGHTS))
    return {
        "version": "1.0",
        "roles": {r: f"{r} (mmarc default policy)" for r in roles},
        "groups": {
            "default": {
                "desc": "mmarc default policy: no authz_config.json was given",
                "rules": {"allow_byoc": True, "allow_custom_datalist": True},
                "role_rights": DEFAULT_ROLE_RIGHTS,
            }
        },
        "users": {a.email: {"org": a.org, "roles": list(a.roles)} for a in spec.admins},
        "orgs": {org: ["default"] for org in orgs},
        "sites": spec.site_orgs(),
    }


def effective_policy(
    spec: ProjectSpec, authz: Mapping[str, Any] | None
) -> tuple[dict[str, Any], str]:
    """The policy the server kit gets, and where it came from (for the report)."""
    if authz is not None:
        policy = dict(authz)
        sites = dict(spec.site_orgs())
        sites.update(policy.get("sites") or {})
        policy["sites"] = sites
        return policy, "authz_config.json"
    if spec.builder_policy is not None:
        policy = dict(spec.builder_policy)
        policy["sites"] = spec.site_orgs()
        return policy, "the project's AuthPolicyBuilder"
    return default_policy(spec), "the default policy (project admins are super)"
