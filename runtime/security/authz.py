"""Authorization: Clara 4.0 ``authz_config.json`` semantics, evaluated per command and site.

The policy has *roles*, *groups* of organisations (each with ``rules`` and the rights
of each role inside the group), *users* (email -> org and roles), *orgs* (org -> its
groups) and *sites* (site -> org). A user's right is decided by the user's roles in the
groups of the **user's** org:

- ``super`` has every right;
- a right is granted when some (group, role) pair grants it ``true`` and none sets it
  ``false`` (an explicit ``false`` is a denial, as the corpus's ``Secure`` group uses it);
- ``<right>_all`` applies to every site, ``<right>_self`` only to sites whose org is the
  user's own.

Rules (``allow_byoc``, ``allow_custom_datalist``) are policies of an org's groups: an
explicit ``false`` in any group wins, otherwise any ``true`` allows; unset means not
allowed.

Every admin command maps to one right family (:data:`COMMAND_RIGHTS`); a command over
several sites is allowed only when the right holds over each of them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from mmarc.errors import MmarcError

SUPER_ROLE = "super"
#: The site name that stands for the FL server in ``sites`` and in command targets.
SERVER_SITE = "server"

RIGHTS = (
    "upload_mmar",
    "deploy_self",
    "deploy_all",
    "train_self",
    "train_all",
    "view_self",
    "view_all",
    "operate_self",
    "operate_all",
)
RULES = ("allow_byoc", "allow_custom_datalist")


class Right(StrEnum):
    """A right family: ``upload`` stands alone, the others come as ``_self``/``_all``."""

    UPLOAD = "upload_mmar"
    DEPLOY = "deploy"
    TRAIN = "train"
    VIEW = "view"
    OPERATE = "operate"


#: The right each admin command needs; None: only authentication (help, hello, bye).
COMMAND_RIGHTS: dict[str, Right | None] = {
    "hello": None,
    "help": None,
    "bye": None,
    "upload_folder": Right.UPLOAD,
    "deploy": Right.DEPLOY,
    "start": Right.TRAIN,
    "abort": Right.TRAIN,
    "check_status": Right.VIEW,
    "logs": Right.VIEW,
    "metrics": Right.VIEW,
    "validate": Right.VIEW,
    "ls": Right.VIEW,
    "cat": Right.VIEW,
    "shutdown": Right.OPERATE,
    "remove_client": Right.OPERATE,
    "set_run_number": Right.OPERATE,
}

_VERBS = {
    Right.UPLOAD: "upload MMARs",
    Right.DEPLOY: "deploy",
    Right.TRAIN: "start or abort training",
    Right.VIEW: "view",
    Right.OPERATE: "operate",
}


class PolicyError(MmarcError, ValueError):
    """The policy file is not a usable authorization policy."""


@dataclass(frozen=True, slots=True)
class Decision:
    """The outcome of one authorization check and why, in words fit for the audit log."""

    allowed: bool
    reason: str

    def __bool__(self) -> bool:
        return self.allowed


@dataclass(frozen=True, slots=True)
class UserEntry:
    email: str
    org: str
    roles: tuple[str, ...]

    @property
    def is_super(self) -> bool:
        return SUPER_ROLE in self.roles


def _mapping(value: Any, what: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
        raise PolicyError(f"{what} must be an object")
    return value


def _bool_map(value: Any, what: str, allowed: Sequence[str]) -> dict[str, bool]:
    out: dict[str, bool] = {}
    for key, flag in _mapping(value, what).items():
        if key not in allowed:
            raise PolicyError(f"{what}: unknown key {key!r}; known: {', '.join(allowed)}")
        if not isinstance(flag, bool):
            raise PolicyError(f"{what}.{key} must be true or false")
        out[key] = flag
    return out


class Policy:
    """A parsed, immutable authorization policy.

    ``extra_sites`` (site -> org, e.g. from the provisioned clients) fills in sites the
    policy file does not list; the file wins where both name a site.
    """

    def __init__(
        self, config: Mapping[str, Any], extra_sites: Mapping[str, str] | None = None
    ) -> None:
        self.config = json.loads(json.dumps(config))  # a private, plain copy
        self._groups: dict[str, tuple[dict[str, bool], dict[str, dict[str, bool]]]] = {}
        for name, group in _mapping(config.get("groups"), "groups").items():
            group = _mapping(group, f"groups.{name}")
            rules = _bool_map(group.get("rules"), f"groups.{name}.rules", RULES)
            rights = {
                role: _bool_map(r, f"groups.{name}.role_rights.{role}", RIGHTS)
                for role, r in _mapping(
                    group.get("role_rights"), f"groups.{name}.role_rights"
                ).items()
            }
            self._groups[name] = (rules, rights)
        self._users: dict[str, UserEntry] = {}
        for email, entry in _mapping(config.get("users"), "users").items():
            entry = _mapping(entry, f"users.{email}")
            org, roles = entry.get("org"), entry.get("roles")
            if not isinstance(org, str) or not isinstance(roles, list):
                raise PolicyError(f"users.{email} needs an org (string) and roles (list)")
            if not all(isinstance(r, str) for r in roles):
                raise PolicyError(f"users.{email}.roles must be strings")
            self._users[email] = UserEntry(email, org, tuple(roles))
        self._orgs: dict[str, tuple[str, ...]] = {}
        for org, groups in _mapping(config.get("orgs"), "orgs").items():
            if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
                raise PolicyError(f"orgs.{org} must be a list of group names")
            self._orgs[org] = tuple(groups)
        sites = dict(extra_sites or {})
        for site, org in _mapping(config.get("sites"), "sites").items():
            if not isinstance(org, str):
                raise PolicyError(f"sites.{site} must be an org name")
            sites[site] = org
        self._sites = sites

    @classmethod
    def load(cls, path: Path, extra_sites: Mapping[str, str] | None = None) -> Policy:
        try:
            config = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise PolicyError(f"{path}: cannot read the policy: {exc}") from None
        return cls(_mapping(config, "the policy"), extra_sites)

    # --- lookups ---------------------------------------------------------------------

    def user(self, email: str) -> UserEntry | None:
        return self._users.get(email)

    def site_org(self, site: str) -> str | None:
        return self._sites.get(site)

    @property
    def sites(self) -> Mapping[str, str]:
        return dict(self._sites)

    def _grants(self, user: UserEntry, right: str) -> tuple[bool, str]:
        """Deny-wins evaluation of one exact right over the user's groups and roles."""
        granted_by = ""
        for group in self._orgs.get(user.org, ()):
            rights = self._groups.get(group, ({}, {}))[1]
            for role in user.roles:
                value = rights.get(role, {}).get(right)
                if value is False:
                    return False, f"role {role} in group {group} denies {right}"
                if value and not granted_by:
                    granted_by = f"role {role} in group {group} grants {right}"
        return bool(granted_by), granted_by

    def rule(self, org: str | None, name: str) -> bool:
        """An org's rule (``allow_byoc``/``allow_custom_datalist``): false wins, unset is false."""
        if name not in RULES:
            raise ValueError(f"unknown rule {name!r}")
        result = False
        for group in self._orgs.get(org or "", ()):
            value = self._groups.get(group, ({}, {}))[0].get(name)
            if value is False:
                return False
            result = result or bool(value)
        return result

    # --- decisions -------------------------------------------------------------------

    def right_over(self, email: str, right: Right, site: str | None = None) -> Decision:
        """Whether ``email`` holds ``right`` (over ``site``, for site-scoped rights)."""
        user = self._users.get(email)
        if user is None:
            return Decision(False, f"{email} is not a user of the authorization policy")
        if user.is_super:
            return Decision(True, f"{email} has the super role")
        if right is Right.UPLOAD:
            ok, why = self._grants(user, right.value)
            return Decision(ok, why or f"no role of {email} grants upload_mmar")
        ok, why = self._grants(user, f"{right.value}_all")
        if ok:
            return Decision(True, why)
        denied_all = why
        org = self.site_org(site) if site is not None else None
        if org is not None and org == user.org:
            ok, why = self._grants(user, f"{right.value}_self")
            if ok:
                return Decision(True, f"{why} (site {site} is in org {org})")
            return Decision(False, why or denied_all or f"no role grants {right.value}_self")
        where = f"site {site} (org {org or 'unknown'})" if site is not None else "the target"
        return Decision(
            False,
            denied_all
            or f"no role grants {right.value}_all, and {right.value}_self covers only "
            f"sites of org {user.org}, not {where}",
        )

    def authorize(self, user: str, command: str, target_sites: Iterable[str] = ()) -> Decision:
        """May ``user`` run ``command`` over every one of ``target_sites``?"""
        if command not in COMMAND_RIGHTS:
            return Decision(False, f"unknown command {command!r}")
        right = COMMAND_RIGHTS[command]
        if self._users.get(user) is None:
            return Decision(False, f"{user} is not a user of the authorization policy")
        if right is None:
            return Decision(True, f"{command} needs no right")
        if right is Right.UPLOAD:
            decision = self.right_over(user, right)
            if decision:
                return decision
            return Decision(False, f"{user} may not {_VERBS[right]}: {decision.reason}")
        allowed: list[str] = []
        refused: list[tuple[str, str]] = []
        for site in dict.fromkeys(target_sites):
            decision = self.right_over(user, right, site)
            if decision:
                allowed.append(f"{site}: {decision.reason}")
            else:
                refused.append((site, decision.reason))
        if refused:
            names = ", ".join(site for site, _ in refused)
            more = f" (and {len(refused) - 1} more)" if len(refused) > 1 else ""
            return Decision(
                False, f"{user} may not {_VERBS[right]} on {names}: {refused[0][1]}{more}"
            )
        return Decision(True, "; ".join(allowed) or f"{command}: no site targeted")
