"""The admin command set (Clara 4.0 names), its syntax, and argument parsing.

One table serves the console (help, completion, checking a line before sending it) and
the service (parsing what arrived), so both sides agree on every command's shape. The
right each command needs lives in :data:`mmarc.runtime.security.authz.COMMAND_RIGHTS`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from mmarc.errors import EXIT_USAGE, MmarcError

from ..security.authz import COMMAND_RIGHTS, SERVER_SITE, Right
from ..security.names import UnsafeName, check_name

TARGETS = ("server", "client")
MAX_LOG_LINES = 10_000


class CommandError(MmarcError, ValueError):
    """A command line that does not fit its command's syntax."""

    exit_code = EXIT_USAGE


@dataclass(frozen=True, slots=True)
class CommandSpec:
    name: str
    syntax: str
    help: str
    scope: str
    local: bool = False  # handled by the console alone (help, bye)

    @property
    def right(self) -> Right | None:
        return COMMAND_RIGHTS.get(self.name)


_SPECS = (
    CommandSpec("bye", "bye", "exit from the console", "console", local=True),
    CommandSpec("help", "help [COMMAND]", "get command help information", "console", local=True),
    CommandSpec(
        "upload_folder",
        "upload_folder MMAR_FOLDER",
        "upload an MMAR to the server (compiled and checked on both sides)",
        "file_transfer",
    ),
    CommandSpec(
        "check_status",
        "check_status server|client [SITE ...]",
        "check_status the FL server/client",
        "training",
    ),
    CommandSpec("set_run_number", "set_run_number N", "set the FL training run number", "training"),
    CommandSpec(
        "deploy",
        "deploy MMAR server|client [SITE ...]",
        "deploy an uploaded MMAR's compiled plan to the server/clients",
        "training",
    ),
    CommandSpec(
        "start",
        "start server|client [SITE ...]",
        "start the FL server/client training",
        "training",
    ),
    CommandSpec(
        "abort",
        "abort server|client [SITE ...]",
        "abort the FL server/client training",
        "training",
    ),
    CommandSpec(
        "shutdown",
        "shutdown server|client [SITE ...]",
        "shutdown the FL server/client",
        "training",
    ),
    CommandSpec("remove_client", "remove_client SITE", "remove_client the FL client", "training"),
    CommandSpec(
        "logs", "logs SITE|server [LINES]", "show the last lines of a site's log", "training"
    ),
    CommandSpec("metrics", "metrics", "show the training metrics of the run", "training"),
    CommandSpec(
        "validate",
        "validate [SOURCE [TARGET]]",
        "cross sites validation results",
        "validation",
    ),
    CommandSpec("ls", "ls [PATH]", "list files in the run folder", "utils"),
    CommandSpec("cat", "cat PATH", "show content of a file in the run folder", "utils"),
)
COMMANDS: dict[str, CommandSpec] = {spec.name: spec for spec in _SPECS}
#: Sent by the console when it connects: who am I, which sites exist (needs no right).
HELLO = "hello"


@dataclass(frozen=True, slots=True)
class Parsed:
    """A command's arguments, checked: the target side, named sites, other parameters."""

    cmd: str
    target: str | None = None
    sites: tuple[str, ...] = ()
    params: dict[str, Any] = field(default_factory=dict)


def _usage(cmd: str, problem: str) -> CommandError:
    syntax = COMMANDS[cmd].syntax if cmd in COMMANDS else cmd
    return CommandError(f"{problem}; usage: {syntax}")


def _site(cmd: str, name: str) -> str:
    try:
        return check_name(name, "site name")
    except UnsafeName:
        raise _usage(cmd, f"{name[:40]!r} is not a site name") from None


def _target(cmd: str, args: Sequence[str]) -> tuple[str, tuple[str, ...]]:
    if not args or args[0] not in TARGETS:
        raise _usage(cmd, "say server or client")
    sites = tuple(_site(cmd, a) for a in args[1:])
    if args[0] == "server" and sites:
        raise _usage(cmd, "'server' takes no site names")
    return args[0], sites


def parse_command(cmd: str, args: Sequence[str]) -> Parsed:
    """Check ``args`` against ``cmd``'s syntax; raises :class:`CommandError`."""
    if cmd == HELLO:
        return Parsed(cmd)
    if cmd not in COMMANDS:
        raise CommandError(f"unknown command {cmd[:40]!r}; type help for the list")
    n = len(args)
    if cmd in ("check_status", "start", "abort", "shutdown"):
        target, sites = _target(cmd, args)
        return Parsed(cmd, target, sites)
    if cmd == "deploy":
        if n < 2:
            raise _usage(cmd, "name the MMAR and server or client")
        target, sites = _target(cmd, args[1:])
        return Parsed(cmd, target, sites, {"mmar": _mmar_name(cmd, args[0])})
    if cmd == "set_run_number":
        if n != 1 or not args[0].isdigit() or len(args[0]) > 9:
            raise _usage(cmd, "give one non-negative number")
        return Parsed(cmd, "server", (), {"number": int(args[0])})
    if cmd == "upload_folder":
        if n != 1:
            raise _usage(cmd, "give one folder")
        return Parsed(cmd, None, (), {"folder": args[0]})
    if cmd == "remove_client":
        if n != 1 or args[0] == SERVER_SITE:
            raise _usage(cmd, "name one client site")
        return Parsed(cmd, "client", (_site(cmd, args[0]),))
    if cmd == "logs":
        if not 1 <= n <= 2:
            raise _usage(cmd, "name one site")
        lines = 50
        if n == 2:
            if not args[1].isdigit() or not 0 < int(args[1]) <= MAX_LOG_LINES:
                raise _usage(cmd, f"LINES must be 1..{MAX_LOG_LINES}")
            lines = int(args[1])
        site = _site(cmd, args[0])
        return Parsed(cmd, "server" if site == SERVER_SITE else "client", (site,), {"lines": lines})
    if cmd == "metrics":
        if n:
            raise _usage(cmd, "takes no arguments")
        return Parsed(cmd, "server")
    if cmd == "validate":
        if n > 2:
            raise _usage(cmd, "at most a source and a target site")
        return Parsed(cmd, "server", (), {"filter": tuple(_site(cmd, a) for a in args)})
    if cmd == "ls":
        if n > 1:
            raise _usage(cmd, "at most one path")
        return Parsed(cmd, "server", (), {"path": args[0] if args else ""})
    if cmd == "cat":
        if n != 1:
            raise _usage(cmd, "give one path")
        return Parsed(cmd, "server", (), {"path": args[0]})
    if cmd in ("help", "bye"):
        return Parsed(cmd)
    raise CommandError(f"unknown command {cmd!r}")  # pragma: no cover - table and code agree


def _mmar_name(cmd: str, name: str) -> str:
    try:
        return check_name(name, "MMAR name")
    except UnsafeName:
        raise _usage(cmd, f"{name[:40]!r} is not an uploaded MMAR's name") from None


def help_text(command: str | None = None) -> str:
    """The console's help: every command (Clara 4.0 names) or one command's syntax."""
    if command:
        spec = COMMANDS.get(command)
        if spec is None:
            return f"unknown command {command!r}"
        right = spec.right.value if spec.right else "none"
        return f"{spec.syntax}\n  {spec.help}\n  right needed: {right}"
    width = max(len(s.syntax) for s in _SPECS)
    lines = [f"{'SCOPE':<14}{'COMMAND':<{width + 2}}DESCRIPTION"]
    lines += [f"{s.scope:<14}{s.syntax:<{width + 2}}{s.help}" for s in _SPECS]
    return "\n".join(lines)
