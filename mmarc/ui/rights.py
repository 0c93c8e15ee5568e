"""Who may do what in the UI: the admin console's authorization engine and audit log.

Why here: the UI must not grow a second notion of rights. Actions that reach the
federation (upload to the server, deploy, start, abort, shutdown, status, files) go
through the admin service with the user's own admin kit, which authorizes and audits
them itself. The few actions the UI performs locally (provisioning, handing out kits,
keeping an uploaded MMAR, importing study results) are decided here by the same
:class:`~mmarc.runtime.security.authz.Policy` the server loads from its kit, and each
decision is appended to the same ``audit.log`` (the server kit's), marked ``via: ui``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from mmarc.errors import MmarcError
from mmarc.runtime.provision import verify_kit
from mmarc.runtime.security.audit import AuditLog
from mmarc.runtime.security.authz import SERVER_SITE, Decision, Policy
from mmarc.ui.errors import UiError
from mmarc.ui.workspace import Workspace

__all__ = ["LOCAL_ACTIONS", "Gate"]

#: Actions only the UI performs, all reserved to the super role.
LOCAL_ACTIONS = ("provision", "download_kit")


class Gate:
    """Authorize and audit one user's local actions in a workspace.

    Args:
        workspace: the UI workspace (its server kit holds the policy and the audit log).
    """

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace

    def policy(self) -> Policy | None:
        """The provisioned project's policy (from the verified server kit); None before."""
        state = self.workspace.state()
        if state.server is None:
            return None
        try:
            kit = verify_kit(self.workspace.kits / state.server, role="server")
        except MmarcError as exc:
            raise UiError(f"the server kit does not verify: {exc.one_line()}") from None
        sites = {**kit.client_orgs, SERVER_SITE: kit.org}
        return Policy(kit.policy or {}, extra_sites=sites)

    def audit_path(self) -> Path:
        state = self.workspace.state()
        if state.server is None:
            return self.workspace.root / "audit.log"
        return self.workspace.kits / state.server / "audit.log"

    def decide(self, email: str, action: str, sites: Sequence[str] = ()) -> Decision:
        """The policy's decision on ``action`` (an admin command or a local action)."""
        policy = self.policy()
        if policy is None:
            if action == "provision":
                return Decision(True, "no project yet: any user may provision the first one")
            return Decision(False, "the project is not provisioned yet (step 1)")
        if action in LOCAL_ACTIONS:
            user = policy.user(email)
            if user is not None and user.is_super:
                return Decision(True, f"{email} has the super role")
            return Decision(False, f"{email} may not {action.replace('_', ' ')}: super role only")
        return policy.authorize(email, action, sites)

    def require(
        self, email: str, action: str, sites: Sequence[str] = (), args: Sequence[str] = ()
    ) -> Decision:
        """Decide, append the decision to the audit log, and raise :class:`UiError` if refused."""
        decision = self.decide(email, action, sites)
        self.record(email, action, decision, sites=sites, args=args)
        if not decision:
            raise UiError(decision.reason)
        return decision

    def record(
        self,
        email: str,
        action: str,
        decision: Decision,
        *,
        sites: Sequence[str] = (),
        args: Sequence[str] = (),
        result: str = "",
    ) -> None:
        with AuditLog(self.audit_path()) as log:
            log.record(
                user=email,
                command=action,
                args=list(args),
                sites=sites,
                decision="allowed" if decision else "refused",
                reason=decision.reason,
                result=result,
                via="ui",
            )
