"""Startup kits: their layout, how they are written, and how they are verified and read.

A kit is a folder named after its participant; everything provisioning wrote is in its
``startup/`` subfolder and covered by the signed ``startup/MANIFEST.json``. Anything a
running server, client or console writes (run folders, uploads, the audit log, the pid
file, history) goes beside ``startup/``, never into it, so a kit verifies for its whole
life. Layout of ``startup/``:

==================  =====================================================================
``fed_<role>.json`` who this participant is, the server's host and ports, file names
``curve.key``       this participant's CurveZMQ secret key (0600)
``curve.pub``       this participant's CurveZMQ public key
``server.pub``      the server's CurveZMQ public key, pinned (client and admin kits)
``participants.json``  server only: every client's and admin's public key -> name
``authorization.json`` server only: the authorization policy
``start.sh``        runs ``mmarc server|client|admin KIT``; ``stop.sh`` stops it
``project.pub``     the project's Ed25519 public key
``MANIFEST.json``   SHA-256 of every file above, signed with the project key
==================  =====================================================================
"""

from __future__ import annotations

import json
import logging
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from mmarc.errors import MmarcError

from ..security.ckks import CLIENT_CONTEXT, SERVER_CONTEXT
from ..security.manifest import MANIFEST_NAME, PUBLIC_KEY_NAME, ManifestError, verify_folder
from ..security.pins import PinMismatch, PinStore, PinStoreError
from ..transport.security import CurveKeyPair, SecurityConfig

log = logging.getLogger(__name__)

Role = Literal["server", "client", "admin"]
ROLES: tuple[Role, ...] = ("server", "client", "admin")
KIT_FORMAT = "mmarc-kit/1"
STARTUP = "startup"
SECRET_KEY = "curve.key"
PUBLIC_KEY = "curve.pub"
SERVER_KEY = "server.pub"
PARTICIPANTS = "participants.json"
AUTHORIZATION = "authorization.json"
#: ZAP domain of the admin socket: admin keys are checked in their own domain.
ADMIN_ZAP_DOMAIN = "mmarc-admin"
_MAX_CONFIG_BYTES = 4 * 1024 * 1024


class KitError(MmarcError):
    """A kit cannot be trusted or used; ``file`` names the offending file when known."""

    def __init__(self, message: str, file: str | None = None) -> None:
        super().__init__(message)
        self.file = file


def config_name(role: Role) -> str:
    return f"fed_{role}.json"


@dataclass(frozen=True)
class KitInfo:
    """A verified kit, read: identity, keys, server address, and (server) who may connect.

    ``clients`` and ``admins`` map each provisioned name to its CurveZMQ public key
    (server kits only); ``policy`` is the authorization policy (server kits only).
    """

    path: Path
    role: Role
    name: str
    org: str
    project: str
    project_fingerprint: str
    config: Mapping[str, Any]
    keys: CurveKeyPair
    server_name: str
    server_host: str
    fed_learn_port: int
    admin_port: int
    server_public_key: bytes
    clients: Mapping[str, bytes] = field(default_factory=dict)
    admins: Mapping[str, bytes] = field(default_factory=dict)
    client_orgs: Mapping[str, str] = field(default_factory=dict)
    admin_orgs: Mapping[str, str] = field(default_factory=dict)
    policy: Mapping[str, Any] | None = None

    @property
    def startup(self) -> Path:
        return self.path / STARTUP

    @property
    def fed_learn_url(self) -> str:
        """Where clients connect (``tcp://host:fed_learn_port``)."""
        return f"tcp://{self.server_host}:{self.fed_learn_port}"

    @property
    def admin_url(self) -> str:
        """Where admin consoles connect (``tcp://host:admin_port``)."""
        return f"tcp://{self.server_host}:{self.admin_port}"

    @property
    def admin_storage(self) -> Path:
        """Server: where uploaded MMARs are kept (beside ``startup/``)."""
        return self.path / str(self.config.get("admin_storage") or "transfer")

    @property
    def he_context(self) -> Path | None:
        """The kit's TenSEAL context file under homomorphic encryption (None without):
        the public context in a server kit, the site's secret one in a client kit."""
        he = self.config.get("he")
        if not isinstance(he, Mapping):
            return None
        expected = {"server": SERVER_CONTEXT, "client": CLIENT_CONTEXT}.get(self.role)
        if expected is None or he.get("context") != expected:
            raise KitError(f"{self.path}: a {self.role} kit's he context must be {expected}")
        return self.startup / expected

    def _need(self, role: Role) -> None:
        if self.role != role:
            raise KitError(f"{self.path}: a {self.role} kit, not a {role} kit")

    def server_security(self) -> SecurityConfig:
        """Server kit: CURVE server config admitting the provisioned *client* keys only."""
        self._need("server")
        return SecurityConfig.for_server(self.keys, {k: n for n, k in self.clients.items()})

    def admin_service_security(self) -> SecurityConfig:
        """Server kit: CURVE server config admitting the provisioned *admin* keys only."""
        self._need("server")
        config = SecurityConfig.for_server(self.keys, {k: n for n, k in self.admins.items()})
        return replace(config, zap_domain=ADMIN_ZAP_DOMAIN)

    def client_security(self) -> SecurityConfig:
        """Client or admin kit: CURVE client config pinning the server's key."""
        if self.role == "server":
            raise KitError(f"{self.path}: a server kit has no client security")
        return SecurityConfig.for_client(self.server_public_key, self.keys)


def find_startup(kit: Path) -> tuple[Path, Path]:
    """(kit root, startup folder) for a kit root or its ``startup/`` folder."""
    kit = Path(kit)
    if (kit / STARTUP / MANIFEST_NAME).exists() or (kit / STARTUP).is_dir():
        return kit, kit / STARTUP
    if kit.name == STARTUP and (kit / MANIFEST_NAME).exists():
        return kit.parent, kit
    if not kit.exists():
        raise KitError(f"{kit}: no such kit folder")
    raise KitError(f"{kit}: not a startup kit (no {STARTUP}/{MANIFEST_NAME})")


def is_kit(path: Path) -> bool:
    """Whether ``path`` looks like a kit (cheap; :func:`verify_kit` decides if it is valid)."""
    try:
        find_startup(path)
    except KitError:
        return False
    return True


def _json(startup: Path, name: str) -> Any:
    raw = (startup / name).read_bytes()[: _MAX_CONFIG_BYTES + 1]
    if len(raw) > _MAX_CONFIG_BYTES:
        raise KitError(f"{STARTUP}/{name}: too large", f"{STARTUP}/{name}")
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise KitError(f"{STARTUP}/{name}: not JSON: {exc}", f"{STARTUP}/{name}") from None


def _key_text(startup: Path, name: str) -> bytes:
    return (startup / name).read_bytes().strip()


def verify_kit(
    kit: Path, *, role: Role | None = None, trusted_fingerprint: str | None = None
) -> KitInfo:
    """Verify the kit's signature and every file hash, then read it.

    Nothing of the kit is used before the manifest verifies. Raises :class:`KitError`
    naming the file for an edited, added, missing or linked file, a manifest signed by
    another key (or not the ``trusted_fingerprint``), a secret key readable by others,
    or a kit of another role than ``role``.
    """
    root, startup = find_startup(kit)
    try:
        body = verify_folder(startup, trusted_fingerprint=trusted_fingerprint)
    except ManifestError as exc:
        file = f"{STARTUP}/{exc.file}" if exc.file else None
        message = str(exc)
        if exc.file and message.startswith(exc.file):
            message = f"{STARTUP}/{message}"
        raise KitError(f"{root}: kit refused: {message}", file) from None
    info = body.get("info") or {}
    kit_role = info.get("role")
    if kit_role not in ROLES:
        raise KitError(f"{root}: manifest names no valid role", f"{STARTUP}/{MANIFEST_NAME}")
    if role is not None and kit_role != role:
        raise KitError(f"{root}: this is a {kit_role} kit, not a {role} kit")
    secret_path = startup / SECRET_KEY
    mode = os.lstat(secret_path).st_mode
    if mode & 0o077 or not stat.S_ISREG(mode):
        raise KitError(
            f"{root}: {STARTUP}/{SECRET_KEY} is readable by group or others; run "
            f"chmod 600 {secret_path}",
            f"{STARTUP}/{SECRET_KEY}",
        )
    config = _json(startup, config_name(kit_role))
    he = config.get("he") if isinstance(config, Mapping) else None
    if kit_role == "client" and isinstance(he, Mapping):
        mode = os.lstat(startup / CLIENT_CONTEXT).st_mode
        if mode & 0o077 or not stat.S_ISREG(mode):
            raise KitError(
                f"{root}: {STARTUP}/{CLIENT_CONTEXT} (the HE secret key) is readable by group "
                f"or others; run chmod 600 {startup / CLIENT_CONTEXT}",
                f"{STARTUP}/{CLIENT_CONTEXT}",
            )
    try:
        keys = CurveKeyPair.from_secret(_key_text(startup, SECRET_KEY))
        server = config["server"]
        participant = config["participant"]
        server_public = keys.public if kit_role == "server" else _key_text(startup, SERVER_KEY)
        clients: dict[str, bytes] = {}
        admins: dict[str, bytes] = {}
        client_orgs: dict[str, str] = {}
        admin_orgs: dict[str, str] = {}
        policy = None
        if kit_role == "server":
            listed = _json(startup, PARTICIPANTS)
            for name, entry in listed["clients"].items():
                clients[name] = entry["public_key"].encode("ascii")
                client_orgs[name] = entry["org"]
            for name, entry in listed["admins"].items():
                admins[name] = entry["public_key"].encode("ascii")
                admin_orgs[name] = entry["org"]
            policy = _json(startup, AUTHORIZATION)
        return KitInfo(
            path=root,
            role=kit_role,
            name=participant["name"],
            org=participant["org"],
            project=config["project"],
            project_fingerprint=body["project_key"],
            config=config,
            keys=keys,
            server_name=server["name"],
            server_host=server["host"],
            fed_learn_port=int(server["fed_learn_port"]),
            admin_port=int(server["admin_port"]),
            server_public_key=server_public,
            clients=clients,
            admins=admins,
            client_orgs=client_orgs,
            admin_orgs=admin_orgs,
            policy=policy,
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise KitError(f"{root}: kit is signed but malformed: {exc!r}") from None


def verify_pinned_kit(
    kit: Path,
    *,
    role: Role,
    project_key: str | None = None,
    pins: PinStore | None = None,
) -> KitInfo:
    """:func:`verify_kit`, then check the project key against this site's pin.

    ``project_key`` (the fingerprint given apart from the kit, ``--project-key``) must
    match the kit's key, and then also confirms a re-keyed project. Without it the first
    kit of a project pins its key (trust on first use, :mod:`..security.pins`) and any
    later kit of that project signed by another key is refused with both fingerprints.
    """
    info = verify_kit(kit, role=role, trusted_fingerprint=project_key)
    store = pins if pins is not None else PinStore()
    try:
        outcome = store.check(
            info.project, info.project_fingerprint, info.path, confirmed=project_key is not None
        )
    except (PinMismatch, PinStoreError) as exc:
        raise KitError(exc.one_line(), f"{STARTUP}/{PUBLIC_KEY_NAME}") from None
    if outcome == "pinned":
        log.warning(
            "project %r: key %s pinned on first use (%s); later kits of this project must be "
            "signed by the same key",
            info.project,
            info.project_fingerprint,
            store.path,
        )
    elif outcome == "re-pinned":
        log.warning(
            "project %r: re-pinned to key %s as confirmed by --project-key (%s)",
            info.project,
            info.project_fingerprint,
            store.path,
        )
    return info
