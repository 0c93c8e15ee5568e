"""Admin plane: the server-side admin service, its wire format, and the console.

- :mod:`.service`: :class:`AdminService`, a CurveZMQ ROUTER on the admin port that
  authenticates (ZAP, key -> email), rate-limits, authorizes, audits and delegates;
- :mod:`.control`: the :class:`FederationControl` protocol the FL server implements;
- :mod:`.local`: :class:`LocalFederationControl`, a real in-process implementation;
- :mod:`.client`: the console's connection (the console itself is ``mmarc.cli.console``).
"""

from .client import AdminClient, AdminConnectionError
from .commands import COMMANDS, CommandError, help_text, parse_command
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
    "ControlError",
    "FederationControl",
    "LocalFederationControl",
    "Request",
    "Response",
    "Target",
    "help_text",
    "parse_command",
]
