"""Provisioning: project.yml (Clara 4.0 or FLARE api 2/3) -> one signed startup kit each.

``provision`` writes the kits of inputs checked by ``mmarc.provisioning`` (as ``mmarc
validate`` checks any file); ``verify_kit`` checks a kit's signature and every file
before returning what the server, a client or the admin console needs from it
(:class:`KitInfo`); ``verify_pinned_kit`` also checks the project key against the site's
pin.
"""

from .build import KitReport, ProjectInputs, ProvisionResult, provision
from .kit import (
    ADMIN_ZAP_DOMAIN,
    KitError,
    KitInfo,
    find_startup,
    is_kit,
    verify_kit,
    verify_pinned_kit,
)
from .project import ProjectSpec, ProvisionError, spec_from_plain

__all__ = [
    "ADMIN_ZAP_DOMAIN",
    "KitError",
    "KitInfo",
    "KitReport",
    "ProjectInputs",
    "ProjectSpec",
    "ProvisionError",
    "ProvisionResult",
    "find_startup",
    "is_kit",
    "provision",
    "spec_from_plain",
    "verify_kit",
    "verify_pinned_kit",
]
