"""The rules of ``project.yml`` that its schema cannot express, checked by ``validate``.

Why a stage of its own: a provisioning project can be well formed and still unusable:
two participants with one name (kits overwrite each other), the admin console on the FL
port (the server cannot bind both), an admin "e-mail" nobody can log in with, a server
name clients cannot dial, homomorphic-encryption settings SEAL refuses. These were once
found only by ``mmarc provision``; now ``validate`` (and so ``lint``, CI and editors)
reports them, located at the value at fault, and ``provision`` refuses exactly what this
module reports (it validates first). The name, host and e-mail rules themselves are
:mod:`mmarc.policy.participants`, which the runtime applies to names on the wire; the HE
settings are :mod:`mmarc.policy.he`'s ``CKKSParams``, from which the runtime makes its
TenSEAL contexts.

Codes: F002 duplicate name, F003 admin port = FL port, F004 admin e-mail, F005 server
host name, F006 name unusable as a kit folder/identity, F007 not exactly one server,
F008 HE settings (Clara's ``he`` or NVFlare's ``HEBuilder`` arguments).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from mmarc.compiler.source import PointerPart, SourceFile
from mmarc.diagnostics import Diagnostic
from mmarc.policy.he import HE_SETTINGS, MAX_MODULUS_BITS, HEError, he_params
from mmarc.policy.participants import (
    DEFAULT_ADMIN_PORT,
    DEFAULT_FED_LEARN_PORT,
    is_email,
    is_host_name,
    is_participant_name,
)

__all__ = ["check_project"]

Parts = tuple[PointerPart, ...]

#: What to write instead, by the HE setting at fault (others: Clara 4.0's values).
_HE_HINTS = {
    "poly_modulus_degree": f"use one of {', '.join(map(str, MAX_MODULUS_BITS))} "
    "(Clara 4.0 uses 8192)",
    "coeff_mod_bit_sizes": "list 2 to 16 bit sizes in [17, 60] whose sum SEAL allows for the "
    "degree (128-bit security: "
    + ", ".join(f"{d}: {b}" for d, b in MAX_MODULUS_BITS.items())
    + "); Clara 4.0 uses [60, 40, 40] with 8192",
    "scale_bits": "use fewer bits than the largest modulus (Clara 4.0: 40 with [60, 40, 40])",
    "scheme": "mmarc adds CKKS ciphertexts (TenSEAL's CKKS); write scheme: CKKS",
    "lib": "write lib: tenseal (the library Clara 4.0 and NVFlare use)",
}
_HE_DEFAULT_HINT = (
    "Clara 4.0's values: poly_modulus_degree 8192, coeff_mod_bit_sizes [60, 40, 40], "
    f"scale_bits 40; the settings are {', '.join(HE_SETTINGS)}"
)

_NAME_HINT = (
    "use letters, digits and . _ @ + - (starting with a letter or digit), at most 128 characters"
)


@dataclass(frozen=True, slots=True)
class _Named:
    """One participant name as written: what it is and where."""

    role: str  # "server", "client" or "admin"
    name: str
    parts: Parts


def check_project(source: SourceFile) -> list[Diagnostic]:
    """F002-F008 for a project.yml whose schema check passed (either form)."""
    plain = source.to_plain()
    if not isinstance(plain, dict):
        return []
    flare = "participants" in plain
    named = list(_flare_names(plain) if flare else _clara_names(plain))
    out = list(_name_rules(source, named))
    if flare:
        out.extend(_server_count(source, plain))
    out.extend(_port_rules(source, plain, flare))
    out.extend(_he_rules(source, plain))
    return out


def _clara_names(plain: dict[str, Any]) -> Iterator[_Named]:
    server = plain.get("server")
    if isinstance(server, dict) and isinstance(server.get("cn"), str):
        yield _Named("server", server["cn"], ("server", "cn"))
    for i, c in enumerate(plain.get("fl_clients") or []):
        if isinstance(c, dict) and isinstance(c.get("client_name"), str):
            yield _Named("client", c["client_name"], ("fl_clients", i, "client_name"))
    for i, a in enumerate(plain.get("admin_clients") or []):
        if isinstance(a, dict) and isinstance(a.get("email"), str):
            yield _Named("admin", a["email"], ("admin_clients", i, "email"))


def _flare_names(plain: dict[str, Any]) -> Iterator[_Named]:
    for i, p in enumerate(plain.get("participants") or []):
        if not isinstance(p, dict) or not isinstance(p.get("name"), str):
            continue
        role = p.get("type")
        if role in ("server", "client", "admin"):
            yield _Named(role, p["name"], ("participants", i, "name"))
        if role == "server":
            if isinstance(p.get("default_host"), str):
                yield _Named("host", p["default_host"], ("participants", i, "default_host"))
            for j, host in enumerate(p.get("host_names") or []):
                if isinstance(host, str):
                    yield _Named("host", host, ("participants", i, "host_names", j))


def _name_rules(source: SourceFile, named: list[_Named]) -> Iterator[Diagnostic]:
    seen: dict[str, _Named] = {}
    for n in named:
        if n.role in ("server", "host") and not is_host_name(n.name):
            yield source.diagnostic(
                "F005",
                f"server name {n.name[:60]!r} is not a host name clients can dial",
                n.parts,
                hint="use the server's fully qualified domain name (letters, digits and "
                "hyphens in dot-separated labels, e.g. fl-server.example.org) or an IP address",
            )
            continue
        if n.role == "admin" and not is_email(n.name):
            yield source.diagnostic(
                "F004",
                f"admin {n.name[:60]!r} is not an e-mail address (admins log in with it)",
                n.parts,
                hint="write the admin's e-mail address, e.g. lead@hospital.org",
            )
            continue
        if n.role != "host" and not is_participant_name(n.name):
            yield source.diagnostic(
                "F006",
                f"{n.name[:60]!r} cannot name a participant: it becomes a kit folder and a "
                "network identity",
                n.parts,
                hint=_NAME_HINT,
            )
            continue
        if n.role == "host":
            continue
        key = n.name.lower()
        first = seen.get(key)
        if first is not None:
            line = source.line_col(source.span_of(first.parts)[0])[0]
            yield source.diagnostic(
                "F002",
                f"participant name {n.name!r} is used twice (kit folders and identities must "
                f"be unique, ignoring case; first at line {line})",
                n.parts,
                hint="give each participant its own name",
            )
        else:
            seen[key] = n


def _server_count(source: SourceFile, plain: dict[str, Any]) -> Iterator[Diagnostic]:
    servers = [
        i
        for i, p in enumerate(plain.get("participants") or [])
        if isinstance(p, dict) and p.get("type") == "server"
    ]
    if not servers:
        yield source.diagnostic(
            "F007",
            "no participant of type server",
            ("participants",),
            key=True,
            hint="add one participant with type: server",
        )
    for i in servers[1:]:
        yield source.diagnostic(
            "F007",
            "a second server: mmarc runs one FL server per project",
            ("participants", i, "type"),
            hint="remove the extra server (high availability is not supported)",
        )


def _port_rules(source: SourceFile, plain: dict[str, Any], flare: bool) -> Iterator[Diagnostic]:
    servers: list[tuple[Parts, dict[str, Any]]]
    if flare:
        servers = [
            (("participants", i), p)
            for i, p in enumerate(plain.get("participants") or [])
            if isinstance(p, dict) and p.get("type") == "server"
        ]
    else:
        server = plain.get("server")
        servers = [(("server",), server)] if isinstance(server, dict) else []
    for parts, server in servers:
        fed, admin = server.get("fed_learn_port"), server.get("admin_port")
        if (admin or DEFAULT_ADMIN_PORT) != (fed or DEFAULT_FED_LEARN_PORT):
            continue
        where: Parts = (*parts, "admin_port") if admin else (*parts, "fed_learn_port")
        yield source.diagnostic(
            "F003",
            f"admin_port and fed_learn_port are both {fed or DEFAULT_FED_LEARN_PORT}: the "
            "server cannot listen for admins and clients on one port",
            where,
            hint=f"give the admin console its own port (Clara's default is {DEFAULT_ADMIN_PORT})",
        )


def _he_rules(source: SourceFile, plain: dict[str, Any]) -> Iterator[Diagnostic]:
    """F008: the HE settings SEAL (or mmarc) refuses, at the setting (or its section)."""
    try:
        he_params(plain)
    except HEError as exc:
        hint = _HE_HINTS.get(exc.key, _HE_DEFAULT_HINT)
        unknown = exc.key not in (*HE_SETTINGS, *_HE_HINTS, "he", "config")
        if unknown:  # imported here: a clean file never needs the spelling helper
            from mmarc.compiler.suggest import closest

            near = closest(exc.key, HE_SETTINGS)
            hint = f'did you mean "{near}"?' if near is not None else hint
        yield source.diagnostic(
            "F008",
            f"he: {exc}",
            exc.parts,
            key=unknown and bool(exc.parts) and exc.parts[-1] == exc.key,
            hint=hint,
        )
