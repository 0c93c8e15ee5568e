"""Admin plane: the server-side admin service, its wire format, and the console.

- :mod:`.service`: :class:`AdminService`, a CurveZMQ ROUTER on the admin port that
  authenticates (ZAP, key -> email), rate-limits, authorizes, audits and delegates;
- :mod:`.control`: the :class:`FederationControl` protocol the FL server implements;
- :mod:`.local`: :class:`LocalFederationControl`, a real in-process implementation;
- :mod:`.client` / :mod:`.console`: ``mmarc admin KIT``.
"""

from .client import AdminClient, AdminConnectionError
from .commands import COMMANDS, CommandError, help_text, parse_command
from .console import Console, run_admin
from .control import ControlError, FederationControl, Target
from .local import LocalFederationControl
from .protocol import AdminLimits, AdminProtocolError, Request, Response
from .service import AdminService

__all__ = [
    "COMMANDS",
    "AdminClient",
    "AdminConnectionError",
    "AdminLimits",
    "AdminProtocolError",
    "AdminService",
    "CommandError",
    "Console",
    "ControlError",
    "FederationControl",
    "LocalFederationControl",
    "Request",
    "Response",
    "Target",
    "help_text",
    "parse_command",
    "run_admin",
]
