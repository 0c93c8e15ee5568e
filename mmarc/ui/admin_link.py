"""The UI as an admin client: every federation action goes through the admin service.

Why: the UI must not drive the server around the service that authorizes and audits.
Each call opens a CurveZMQ connection with the logged-in admin's own kit (the server
learns the e-mail from the key, so rights are the user's, never the UI's), sends the
command, and returns the service's answer, refusals included, for the page to show.
"""

from __future__ import annotations

import socket
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from mmarc import api
from mmarc.errors import MmarcError
from mmarc.ui.errors import UiError
from mmarc.ui.workspace import Workspace

if TYPE_CHECKING:
    from mmarc.runtime.admin import Response

__all__ = ["PROBE_S", "AdminAnswer", "ask", "ask_many"]

#: How long the TCP probe of the server's admin port may take.
PROBE_S = 2.0


class AdminAnswer:
    """The service's answer to one command (or why it could not be asked).

    Args:
        command: the command line sent.
        ok: whether the service carried it out.
        text: its text (a refusal's reason included).
        data: its structured data, if any.
        unreachable: nothing accepted a connection on the server's admin port (the
            server process is down), as opposed to a refusal or a slow answer.
    """

    def __init__(
        self, command: str, ok: bool, text: str, data: object = None, unreachable: bool = False
    ) -> None:
        self.command, self.ok, self.text, self.data = command, ok, text, data
        self.unreachable = unreachable

    @classmethod
    def of(cls, command: str, response: Response) -> AdminAnswer:
        return cls(command, response.ok, response.text, response.data)


def _reachable(endpoint: str) -> None:
    """Refuse at once when nothing listens on the server's admin port (ZeroMQ would
    otherwise wait the whole timeout for a peer that is not there)."""
    host, _, port = endpoint.removeprefix("tcp://").rpartition(":")
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=PROBE_S).close()
    except (OSError, ValueError) as exc:
        raise UiError(
            f"the server is not reachable at {endpoint} ({getattr(exc, 'strerror', None) or exc}); "
            "is it started (startup/start.sh in its kit)?"
        ) from None


def ask_many(
    workspace: Workspace,
    email: str,
    commands: Sequence[tuple[str, Sequence[str]]],
    *,
    timeout_s: float = 30.0,
    stop_at_failure: bool = True,
) -> list[AdminAnswer]:
    """Send ``commands`` over one connection as ``email``; ``upload_folder`` sends a folder.

    One answer per command, always: the commands not sent (after a failure, with
    ``stop_at_failure``, or when the server cannot be reached) get that failure's answer.
    """
    answers: list[AdminAnswer] = []
    failure: AdminAnswer | None = None
    unreachable = False
    try:
        kit = workspace.kit(email)
        with api.admin_session(kit, timeout_s=timeout_s) as client:
            try:
                _reachable(client.endpoint)
            except UiError:
                unreachable = True
                raise
            for cmd, args in commands:
                line = " ".join([cmd, *args])
                if cmd == "upload_folder":
                    response = client.upload_folder(Path(args[0]))
                    line = f"upload_folder {Path(args[0]).name}"
                else:
                    response = client.request(cmd, list(args))
                answers.append(AdminAnswer.of(line, response))
                if stop_at_failure and not response.ok:
                    failure = AdminAnswer(line, False, f"not sent: {line} failed")
                    break
    except MmarcError as exc:
        failure = AdminAnswer("", False, exc.one_line())
    for cmd, args in commands[len(answers) :]:
        assert failure is not None
        answers.append(AdminAnswer(" ".join([cmd, *args]), False, failure.text, None, unreachable))
    return answers


def ask(
    workspace: Workspace, email: str, cmd: str, args: Sequence[str] = (), timeout_s: float = 30.0
) -> AdminAnswer:
    """One command as ``email`` (see :func:`ask_many`)."""
    return ask_many(workspace, email, [(cmd, args)], timeout_s=timeout_s)[0]
