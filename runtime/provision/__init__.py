"""Provisioning: project.yml (Clara 4.0 or FLARE api 2/3) -> one signed startup kit each.

``check_inputs`` validates exactly like ``mmarc validate``; ``provision`` writes the
kits; ``verify_kit`` checks a kit's signature and every file before returning what the
server, a client or the admin console needs from it (:class:`KitInfo`);
``verify_pinned_kit`` also checks the project key against the site's pin.
"""

from .build import Inputs, KitReport, ProvisionResult, check_inputs, provision
from .kit import (
    ADMIN_ZAP_DOMAIN,
    KitError,
    KitInfo,
    find_startup,
    is_kit,
    verify_kit,
    verify_pinned_kit,
)
from .project import ProjectSpec, ProvisionError, load_authz, load_project

__all__ = [
    "ADMIN_ZAP_DOMAIN",
    "Inputs",
    "KitError",
    "KitInfo",
    "KitReport",
    "ProjectSpec",
    "ProvisionError",
    "ProvisionResult",
    "check_inputs",
    "find_startup",
    "is_kit",
    "load_authz",
    "load_project",
    "provision",
    "verify_kit",
    "verify_pinned_kit",
]
