"""Who may join a federation: same mmarc release line, same compiled plan.

Why more than the plan hash: a bare "hash differs" leaves two hospitals comparing 40 KB
JSON files by hand. A client therefore registers with a small map of per-section hashes
(``train.model``, ``settings.learning_rate``, ``fl.client``... 16 hex digits each) plus
the values of short scalar entries, and a refusal names what differs, with both values
where they are short (``settings.learning_rate: 0.01 here, 0.001 on the server``).

Version rule: mmarc versions must agree on ``major.minor`` (the plan format and the
meaning of FL settings may change between minor releases while the project is 0.x);
patch releases interoperate. The wire protocol has its own major version, checked by
the transport before any of this runs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from typing import Any

from mmarc import __version__
from mmarc.plan import Plan, canonical_json

#: Longest scalar whose value is quoted in a refusal (longer ones are only hashed).
SHOWN_CHARS = 48


def _digest(value: Any) -> str:
    """The hash of a plan entry's canonical JSON (as ``mmarc compile`` hashes the plan)."""
    return hashlib.sha256(canonical_json(value)).hexdigest()[:16]


def plan_sections(plan: Plan) -> dict[str, str]:
    """Hash of every top-level plan entry, one level deeper for objects (``train.model``)."""
    out: dict[str, str] = {}
    for key, value in plan.document.items():
        if key == "sha256":
            continue
        if isinstance(value, Mapping) and value:
            for sub, inner in value.items():
                out[f"{key}.{sub}"] = _digest(inner)
        else:
            out[key] = _digest(value)
    return out


def plan_values(plan: Plan) -> dict[str, Any]:
    """Short scalar entries of the sections :func:`plan_sections` names (for messages)."""
    out: dict[str, Any] = {}
    for key, value in plan.document.items():
        items = value.items() if isinstance(value, Mapping) else [(None, value)]
        for sub, inner in items:
            if isinstance(inner, str | int | float | bool) and len(str(inner)) <= SHOWN_CHARS:
                out[key if sub is None else f"{key}.{sub}"] = inner
    out.pop("sha256", None)
    return out


def registration_meta(plan: Plan, **extra: Any) -> dict[str, Any]:
    """What a client sends with ``register``: versions and the plan's fingerprint."""
    return {
        "mmarc_version": __version__,
        "plan_sha256": plan.sha256,
        "plan_sections": plan_sections(plan),
        "plan_values": plan_values(plan),
        **extra,
    }


def release_line(version: str) -> tuple[str, str]:
    parts = ([*str(version).split("."), "0", "0"])[:2]
    return parts[0], parts[1]


def version_problem(client_version: Any, server_version: str = __version__) -> str | None:
    """Why a client of ``client_version`` cannot join, or None when it can."""
    if not isinstance(client_version, str) or not client_version:
        return "the client did not say which mmarc version it runs"
    if release_line(client_version) != release_line(server_version):
        return (
            f"the client runs mmarc {client_version} and the server mmarc {server_version}; "
            "major.minor versions must match (install the same release on both sides)"
        )
    return None


def _shown(value: Any) -> str:
    return repr(value) if isinstance(value, str) else str(value)


def plan_difference(server_plan: Plan, meta: Mapping[str, Any]) -> str | None:
    """What differs between the server's plan and the one a client registered with."""
    theirs = str(meta.get("plan_sha256", ""))
    ours = server_plan.sha256
    if theirs == ours:
        return None
    sections = meta.get("plan_sections")
    values = meta.get("plan_values")
    values = values if isinstance(values, Mapping) else {}
    head = f"the client's plan (sha256 {theirs[:12] or 'none'}) is not the server's ({ours[:12]})"
    tail = "; compile both sides from the same MMAR with the same --set values"
    if not isinstance(sections, Mapping):
        return head + tail
    mine = plan_sections(server_plan)
    my_values = plan_values(server_plan)
    differ = sorted(k for k in set(mine) | set(sections) if mine.get(k) != sections.get(k))
    if not differ:
        return head + tail
    described = []
    for key in differ[:8]:
        if key not in sections:
            described.append(f"{key} (only on the server)")
        elif key not in mine:
            described.append(f"{key} (only on the client)")
        elif key in values and key in my_values:
            described.append(
                f"{key} ({_shown(values[key])} on the client, {_shown(my_values[key])} "
                "on the server)"
            )
        else:
            described.append(key)
    more = f" and {len(differ) - 8} more" if len(differ) > 8 else ""
    return f"{head}: {', '.join(described)}{more} differ{tail}"


def he_problem(server_fingerprint: str | None, meta: Mapping[str, Any]) -> str | None:
    """Why a client cannot join a homomorphically encrypted federation: it has no
    TenSEAL context, or one of another project (its public part differs from the
    server's). None when the federation is not encrypted or the contexts match."""
    if server_fingerprint is None:
        return None
    theirs = meta.get("he")
    if not isinstance(theirs, str) or not theirs:
        return (
            "this federation is homomorphically encrypted and the client has no TenSEAL "
            "context (client_context.tenseal of its provisioned kit)"
        )
    if theirs != server_fingerprint:
        return "the client's TenSEAL context is not this project's (its public key differs)"
    return None


def admission_check(
    plan: Plan,
    is_full: Callable[[str], bool] | None = None,
    *,
    he_fingerprint: str | None = None,
) -> Callable[[Any], str | None]:
    """The transport's ``admit`` hook: None admits, a string refuses with that reason.

    ``he_fingerprint``: the server's public TenSEAL context's fingerprint, when the
    federation is encrypted; a client must register with the same one.
    """

    def admit(message: Any) -> str | None:
        meta = message.header.meta
        if not isinstance(meta, Mapping):
            return "registration carries no metadata"
        problem = version_problem(meta.get("mmarc_version"))
        if problem is None:
            problem = plan_difference(plan, meta)
        if problem is None:
            problem = he_problem(he_fingerprint, meta)
        if problem is None and is_full is not None and is_full(message.header.client):
            problem = "the federation is full (max_num_clients reached)"
        return problem

    return admit
