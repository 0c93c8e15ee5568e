"""Security of the federation's control plane: signed kits, authorization, audit, uploads.

- :mod:`.manifest`: every startup kit carries a MANIFEST.json signed with the project's
  Ed25519 key; a kit is verified before anything in it is trusted.
- :mod:`.authz`: the Clara 4.0 ``authz_config.json`` policy (roles, groups, rights,
  rules) and the right each admin command needs.
- :mod:`.audit`: the append-only JSON-lines audit log of admin commands.
- :mod:`.uploads`: uploaded MMAR folders cannot escape, overflow or smuggle code.
- :mod:`.names`: names from the network are checked before they touch a path, and
  removals stay inside the folder that owns them.
- :mod:`.pins`: a site pins its project's key fingerprint on first use.
"""

from .audit import AuditLog
from .authz import (
    COMMAND_RIGHTS,
    RIGHTS,
    RULES,
    SERVER_SITE,
    SUPER_ROLE,
    Decision,
    Policy,
    PolicyError,
    Right,
)
from .manifest import (
    MANIFEST_NAME,
    ManifestError,
    fingerprint,
    load_public_key,
    sign_folder,
    verify_folder,
)
from .names import UnsafeName, UnsafePath, check_name, child_path, remove_within
from .pins import PinMismatch, PinStore, PinStoreError
from .uploads import (
    UploadEntry,
    UploadLimits,
    UploadRefused,
    check_entries,
    check_rules,
    install_upload,
    read_upload,
    safe_relpath,
    scan_folder,
    write_upload,
)

__all__ = [
    "COMMAND_RIGHTS",
    "MANIFEST_NAME",
    "RIGHTS",
    "RULES",
    "SERVER_SITE",
    "SUPER_ROLE",
    "AuditLog",
    "Decision",
    "ManifestError",
    "PinMismatch",
    "PinStore",
    "PinStoreError",
    "Policy",
    "PolicyError",
    "Right",
    "UnsafeName",
    "UnsafePath",
    "UploadEntry",
    "UploadLimits",
    "UploadRefused",
    "check_entries",
    "check_name",
    "check_rules",
    "child_path",
    "fingerprint",
    "install_upload",
    "load_public_key",
    "read_upload",
    "remove_within",
    "safe_relpath",
    "scan_folder",
    "sign_folder",
    "verify_folder",
    "write_upload",
]
