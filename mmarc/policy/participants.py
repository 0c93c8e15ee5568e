"""What may name a federation's participants and where they listen: one rule set.

Why here: a participant's name becomes a kit folder, a ZeroMQ routing id and a log field;
the server's name is the host clients dial; an admin's name is the e-mail they log in
with. ``mmarc validate`` checks ``project.yml`` with these rules (located diagnostics,
:mod:`mmarc.compiler.project_rules`), ``mmarc provision`` relies on that check, and the
runtime applies the same name rule to every name that arrives on the wire. Keeping the
rules in :mod:`mmarc.policy` (which the compiler and the runtime may both import) means
no second copy can drift. Allow-lists only: a name is valid when it matches, never
because it avoids a known bad pattern.
"""

from __future__ import annotations

import ipaddress
import re

__all__ = [
    "DEFAULT_ADMIN_PORT",
    "DEFAULT_FED_LEARN_PORT",
    "MAX_HOST_NAME",
    "PARTICIPANT_NAME",
    "is_email",
    "is_host_name",
    "is_participant_name",
]

#: Ports a Clara/NVFlare server listens on when project.yml does not say.
DEFAULT_FED_LEARN_PORT = 8002
DEFAULT_ADMIN_PORT = 8003

#: Participant (client, server, admin) names: kit folders and network identities.
PARTICIPANT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@+-]{0,127}")

#: RFC 1123 host names: at most 253 characters, labels of 1-63 letters, digits and
#: hyphens that neither start nor end with a hyphen.
MAX_HOST_NAME = 253
_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
#: The local part of an e-mail address as mail systems accept it unquoted (RFC 5322
#: dot-atom, without the rarely used ``!#$%&'*/=?^`{|}~``): letters, digits and ``._%+-``,
#: no leading, trailing or doubled dot.
_LOCAL_PART = re.compile(r"[A-Za-z0-9_%+-]+(?:\.[A-Za-z0-9_%+-]+)*")


def is_participant_name(name: object) -> bool:
    """Whether ``name`` may name a participant (kit folder, routing id, log field)."""
    return (
        isinstance(name, str)
        and PARTICIPANT_NAME.fullmatch(name) is not None
        and name not in (".", "..")
    )


def is_host_name(name: object) -> bool:
    """Whether ``name`` is a host name (RFC 1123) or an IP address clients can dial."""
    if not isinstance(name, str) or not name or len(name) > MAX_HOST_NAME:
        return False
    try:
        ipaddress.ip_address(name)
        return True
    except ValueError:
        pass
    labels = name[:-1].split(".") if name.endswith(".") else name.split(".")
    return all(_LABEL.fullmatch(label) for label in labels)


def is_email(address: object) -> bool:
    """Whether ``address`` is an e-mail address ``local@domain`` (domain a host name)."""
    if not isinstance(address, str) or address.count("@") != 1 or len(address) > 254:
        return False
    local, domain = address.split("@")
    return (
        0 < len(local) <= 64
        and _LOCAL_PART.fullmatch(local) is not None
        and is_host_name(domain)
        and not _is_ip(domain)
    )


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True
