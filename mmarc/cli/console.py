"""``mmarc admin KIT``: the interactive admin console and its ``--cmd`` script mode.

The kit is verified before anything else (an edited kit could point the console at
another server). Interactive mode has readline history (``KIT/.admin_history``, beside
the signed ``startup/``; ``upload_folder NAME`` also looks in ``KIT/transfer/`` as
Clara's console did) and tab completion of commands, targets, site names and, for
``upload_folder``, local paths. Script mode runs each ``--cmd`` in order and stops at
the first one that is refused or fails, so shell scripts can rely on the exit status.

Answers with data (``check_status``, ``metrics``, ``validate``, per-site ``deploy`` and
``start``) show as tables (:mod:`.tables`); ``--json`` prints the data itself, for scripts.
"""

from __future__ import annotations

import contextlib
import json
import shlex
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from mmarc import api
from mmarc.runtime.admin import (
    COMMANDS,
    AdminClient,
    AdminConnectionError,
    CommandError,
    Response,
    help_text,
    parse_command,
)
from mmarc.runtime.admin.commands import HELLO, TARGETS
from mmarc.runtime.provision import find_startup

from . import tables

__all__ = ["Console", "Outcome", "format_response", "run_admin"]

EXIT_OK, EXIT_FAILED = 0, 1
_EXIT_WORDS = ("bye", "exit", "quit")


@dataclass(frozen=True, slots=True)
class Outcome:
    """One console line's result: whether it succeeded, what to show, whether to leave."""

    ok: bool
    text: str
    leave: bool = False


def format_response(
    response: Response, cmd: str = "", args: Sequence[str] = (), as_json: bool = False
) -> str:
    """What the admin sees: a table for answers with data (their JSON with ``as_json``),
    the reply's text otherwise; refusals and errors say so."""
    if response.status == "refused":
        return f"refused: {response.text}"
    data = response.data
    if as_json and data is not None:
        return json.dumps(data, indent=2, sort_keys=True, default=str)
    if cmd in _PER_SITE and isinstance(data, dict) and isinstance(data.get("sites"), dict):
        shown = tables.site_results_table(cmd, data)
        return shown if response.ok else f"error: no site could be {cmd}ed\n{shown}"
    if response.status == "error" and not response.text.startswith("not uploaded"):
        return f"error: {response.text}"
    if not isinstance(data, dict):
        return response.text
    if cmd == "check_status" and args:
        return tables.status_table(args[0], data)
    if cmd == "metrics":
        return tables.metrics_table(data)
    if cmd == "validate":
        return tables.cross_val_table(data)
    return response.text


_PER_SITE = ("deploy", "start")


class Console:
    """Runs console lines against one :class:`AdminClient`."""

    def __init__(
        self, client: AdminClient, transfer: Path | None = None, *, as_json: bool = False
    ) -> None:
        self.client = client
        #: print answers' data as JSON (``--json``) instead of tables
        self.as_json = as_json
        #: Clara's upload folder: ``upload_folder NAME`` also finds ``transfer/NAME``.
        self.transfer = transfer
        self.sites: list[str] = []
        self.user = ""

    def connect(self) -> Outcome:
        """Say hello: checks that the server admits this key, learns the site names."""
        response = self.client.request(HELLO)
        if response.ok and isinstance(response.data, dict):
            self.user = str(response.data.get("user", ""))
            self.sites = [s for s in response.data.get("sites", []) if isinstance(s, str)]
        return Outcome(response.ok, format_response(response))

    def execute(self, line: str) -> Outcome:
        """Run one console line (a command, ``help`` or ``bye``)."""
        try:
            words = shlex.split(line)
        except ValueError as exc:
            return Outcome(False, f"error: {exc}")
        if not words:
            return Outcome(True, "")
        cmd, args = words[0], words[1:]
        if cmd in _EXIT_WORDS:
            return Outcome(True, "", leave=True)
        if cmd == "help":
            return Outcome(True, help_text(args[0] if args else None))
        try:
            parse_command(cmd, args)
        except CommandError as exc:
            return Outcome(False, f"error: {exc}")
        if cmd == "upload_folder":
            folder = Path(args[0]).expanduser()
            if not folder.exists() and self.transfer is not None:
                folder = self.transfer / args[0]
            response = self.client.upload_folder(folder)
        else:
            response = self.client.request(cmd, args)
        return Outcome(response.ok, format_response(response, cmd, args, self.as_json))

    # --- completion ------------------------------------------------------------------

    def complete(self, text: str, line: str) -> list[str]:
        """Candidates for the word being typed (``text``) given the whole ``line``."""
        words = line.split()
        position = len(words) - (0 if line.endswith(" ") or not words else 1)
        if position == 0:
            return [c + " " for c in [*COMMANDS, "exit"] if c.startswith(text)]
        cmd = words[0]
        if cmd == "upload_folder" or (cmd == "deploy" and position == 1 and "/" in text):
            return _complete_path(text)
        if cmd == "help":
            return [c for c in COMMANDS if c.startswith(text)]
        target_at = 2 if cmd == "deploy" else 1
        if cmd in ("check_status", "start", "abort", "shutdown", "deploy"):
            if position == target_at:
                return [t + " " for t in TARGETS if t.startswith(text)]
            if position > target_at and len(words) > target_at and words[target_at] == "client":
                return [s + " " for s in self.sites if s.startswith(text)]
        if cmd in ("remove_client", "logs") and position == 1:
            names = self.sites + (["server"] if cmd == "logs" else [])
            return [s + " " for s in names if s.startswith(text)]
        return []


def _complete_path(text: str) -> list[str]:
    base = Path(text).expanduser()
    folder = base if text.endswith("/") else base.parent
    prefix = "" if text.endswith("/") else base.name
    try:
        children = sorted(folder.iterdir())
    except OSError:
        return []
    out = []
    for child in children:
        if child.name.startswith(prefix):
            shown = text[: len(text) - len(prefix)] + child.name
            out.append(shown + ("/" if child.is_dir() else " "))
    return out


def _interactive(console: Console, history: Path, out: TextIO) -> int:
    try:
        import readline
    except ImportError:  # pragma: no cover - platforms without readline
        readline = None  # type: ignore[assignment]
    if readline is not None:
        with contextlib.suppress(OSError):
            readline.read_history_file(history)
        readline.set_history_length(1000)
        readline.set_completer_delims(" \t\n")

        def completer(text: str, state: int) -> str | None:
            options = console.complete(text, readline.get_line_buffer())
            return options[state] if state < len(options) else None

        readline.set_completer(completer)
        readline.parse_and_bind("tab: complete")
    status = EXIT_OK
    try:
        while True:
            try:
                line = input(f"{console.user or 'admin'}> ")
            except EOFError:
                out.write("\n")
                break
            except KeyboardInterrupt:
                out.write("\n")
                continue
            try:
                outcome = console.execute(line)
            except AdminConnectionError as exc:
                outcome = Outcome(False, f"error: {exc}")
            if outcome.text:
                out.write(outcome.text + "\n")
            status = EXIT_OK if outcome.ok else EXIT_FAILED
            if outcome.leave:
                break
    finally:
        if readline is not None:
            with contextlib.suppress(OSError):
                readline.write_history_file(history)
    return status


def run_admin(
    kit_dir: Path,
    *,
    commands: Sequence[str] = (),
    endpoint: str | None = None,
    trusted_fingerprint: str | None = None,
    timeout_s: float = 30.0,
    as_json: bool = False,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Verify the admin kit, connect, then run ``commands`` (or an interactive console).

    Returns the exit status: 0 when every command succeeded, 1 when one was refused or
    failed. Raises ``KitError`` for a bad kit and ``AdminConnectionError`` when the server
    cannot be reached (the CLI prints either as its one error line).
    """
    out = out or sys.stdout
    err = err or sys.stderr
    with api.admin_session(
        kit_dir, endpoint=endpoint, trusted_fingerprint=trusted_fingerprint, timeout_s=timeout_s
    ) as client:
        root, _ = find_startup(Path(kit_dir))
        hello = Console(client, transfer=root / "transfer", as_json=as_json)
        greeting = hello.connect()
        if not greeting.ok:
            err.write(f"mmarc: {greeting.text}\n")
            return EXIT_FAILED
        if not commands:
            out.write(greeting.text.splitlines()[0] + "; type help for commands\n")
            return _interactive(hello, root / ".admin_history", out)
        for line in commands:
            outcome = hello.execute(line)
            if outcome.text:
                (out if outcome.ok else err).write(outcome.text + "\n")
            if not outcome.ok:
                return EXIT_FAILED
            if outcome.leave:
                break
        return EXIT_OK
