"""Names in ``authz_config.json`` that must refer to something the same file defines.

Why: Clara 4.0's authorization policy is a web of names. A user's roles are keys of
``roles``, a user's organisation and a site's organisation are keys of ``orgs``, the groups
an organisation belongs to are keys of ``groups``, and a group grants rights to roles
(keys of ``roles``). The schema sees each value as a plain string, so ``"roles":
["supper"]`` passes it; the admin server then grants that user nothing, or the site's
organisation falls out of every group, and the mistake shows as a refused command
mid-study. This stage (part of ``validate``: every fact is in the one file) reports each
name that refers to nothing, at the name, with the closest defined one.
"""

from __future__ import annotations

from collections.abc import Iterator

from mmarc.compiler.source import SourceFile
from mmarc.compiler.source.nodes import MappingNode, ScalarNode, SequenceNode
from mmarc.compiler.suggest import closest
from mmarc.diagnostics import Diagnostic

__all__ = ["check_authz_references"]

Parts = tuple[str | int, ...]


def _keys(root: MappingNode, section: str) -> set[str] | None:
    """The names a section defines, or None when the file does not have that section."""
    node = root.get(section)
    return set(node.entries) if isinstance(node, MappingNode) else None


def _uses(root: MappingNode) -> Iterator[tuple[Parts, ScalarNode, str]]:
    """(pointer parts, name node, section it must be a key of) for every name used."""
    users = root.get("users")
    if isinstance(users, MappingNode):
        for email, entry in users.entries.items():
            user = entry.value
            if not isinstance(user, MappingNode):
                continue
            org = user.get("org")
            if isinstance(org, ScalarNode):
                yield ("users", email, "org"), org, "orgs"
            roles = user.get("roles")
            if isinstance(roles, SequenceNode):
                for i, role in enumerate(roles.items):
                    if isinstance(role, ScalarNode):
                        yield ("users", email, "roles", i), role, "roles"
    orgs = root.get("orgs")
    if isinstance(orgs, MappingNode):
        for org_name, entry in orgs.entries.items():
            if isinstance(entry.value, SequenceNode):
                for i, group in enumerate(entry.value.items):
                    if isinstance(group, ScalarNode):
                        yield ("orgs", org_name, i), group, "groups"
    sites = root.get("sites")
    if isinstance(sites, MappingNode):
        for site, entry in sites.entries.items():
            if isinstance(entry.value, ScalarNode):
                yield ("sites", site), entry.value, "orgs"


def _role_rights(root: MappingNode) -> Iterator[tuple[Parts, str]]:
    """(pointer parts of the key, role name) for every role a group grants rights to."""
    groups = root.get("groups")
    if not isinstance(groups, MappingNode):
        return
    for group, entry in groups.entries.items():
        if not isinstance(entry.value, MappingNode):
            continue
        rights = entry.value.get("role_rights")
        if isinstance(rights, MappingNode):
            for role in rights.entries:
                yield ("groups", group, "role_rights", role), role


def _hint(name: str, defined: set[str], section: str) -> str:
    near = closest(name, sorted(defined))
    listed = ", ".join(f'"{n}"' for n in sorted(defined)) or "none"
    if near is not None:
        return f'did you mean "{near}"? ({section} defines {listed})'
    return f'define "{name}" under "{section}", or use one of: {listed}'


def check_authz_references(source: SourceFile) -> list[Diagnostic]:
    """R006 for each name in ``source`` (an authz_config.json) that its file never defines.

    Args:
        source: the loaded file; a file that did not parse (no tree) gives nothing.
    """
    root = source.root
    if not isinstance(root, MappingNode):
        return []
    defined = {s: _keys(root, s) for s in ("roles", "orgs", "groups")}
    out: list[Diagnostic] = []
    for parts, node, section in _uses(root):
        names = defined[section]
        if names is None or not isinstance(node.value, str) or node.value in names:
            continue
        out.append(
            source.diagnostic(
                "R006",
                f'"{node.value}" is not defined under "{section}"',
                parts,
                hint=_hint(node.value, names, section),
            )
        )
    roles = defined["roles"]
    if roles is not None:
        for parts, role in _role_rights(root):
            if role not in roles:
                out.append(
                    source.diagnostic(
                        "R006",
                        f'rights are granted to role "{role}", which is not defined under "roles"',
                        parts,
                        key=True,
                        hint=_hint(role, roles, "roles"),
                    )
                )
    return out
