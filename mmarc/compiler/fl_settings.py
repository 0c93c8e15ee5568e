"""Stage 4b: the FL settings of config_fed_server/client.json, checked as the runtime will.

The per-setting constraints (types, minimums) are part of the schema, which takes them
from :mod:`mmarc.plan.fl`; what only the whole section can tell (``max_num_clients``
below ``min_num_clients``, a round that trains nothing, filters that are not a list) is
checked here by deriving the effective settings with the very functions the plan
compiler uses. So a config ``validate`` accepts is one the runtime runs, and the reverse.
"""

from __future__ import annotations

from collections.abc import Mapping

from mmarc.compiler.kinds import FileKind
from mmarc.compiler.source import Node, PointerPart, SourceFile
from mmarc.diagnostics import Diagnostic
from mmarc.plan.fl import FLConfigError, client_settings, server_settings
from mmarc.plan.pointer import split

__all__ = ["check_fl_settings"]


def _parts(pointer: str) -> tuple[PointerPart, ...]:
    return tuple(int(t) if t.isdigit() else t for t in split(pointer))


def check_fl_settings(source: SourceFile, kind: FileKind, tree: Node) -> list[Diagnostic]:
    """S004 where the file's FL settings are refused as a whole (each value passed S003)."""
    plain = tree.to_plain()
    if not isinstance(plain, Mapping):
        return []
    try:
        if kind is FileKind.FED_SERVER:
            server_settings(plain, "")
        elif kind is FileKind.FED_CLIENT:
            client_settings(plain, "")
    except FLConfigError as exc:
        return [source.diagnostic("S004", exc.reason, _parts(exc.pointer))]
    return []
