"""The audit log: one JSON line per admin command, appended and fsync'd before the reply.

Why this shape: JSON lines are greppable and load into any tool; opening with
``O_APPEND`` means no writer can overwrite an earlier record (each ``write`` lands at
the end, atomically for lines of this size); ``fsync`` before the reply means an
acknowledged command is on disk even if the server dies next. The file is never
truncated or rotated here; rotate with external tools that copy, not rewrite.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

#: An over-long argument (a pasted file, an attack) is cut in the log, never dropped.
MAX_FIELD_CHARS = 1024


def _short(value: Any) -> Any:
    if isinstance(value, str) and len(value) > MAX_FIELD_CHARS:
        return value[:MAX_FIELD_CHARS] + f"...[{len(value) - MAX_FIELD_CHARS} more]"
    return value


class AuditLog:
    """Append-only JSON-lines log; thread-safe; every record is fsync'd."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
        self._fd = os.open(self.path, flags, 0o640)
        self._lock = threading.Lock()

    def record(
        self,
        *,
        user: str,
        command: str,
        args: Sequence[str] = (),
        sites: Iterable[str] = (),
        decision: str,
        reason: str = "",
        result: str = "",
        **extra: Any,
    ) -> dict[str, Any]:
        """Append one record: who ran what over which sites, the decision and the outcome."""
        entry: dict[str, Any] = {
            "time": _dt.datetime.now(_dt.UTC).isoformat(timespec="milliseconds"),
            "user": _short(user),
            "command": _short(command),
            "args": [_short(a) for a in args],
            "sites": list(sites),
            "decision": decision,
            "reason": _short(reason),
            "result": _short(result),
        }
        entry.update({k: _short(v) for k, v in extra.items()})
        line = (json.dumps(entry, ensure_ascii=True, default=str) + "\n").encode()
        with self._lock:
            if self._fd < 0:
                raise ValueError("audit log is closed")
            view = memoryview(line)
            while view:
                view = view[os.write(self._fd, view) :]
            os.fsync(self._fd)
        return entry

    def close(self) -> None:
        with self._lock:
            if self._fd >= 0:
                os.close(self._fd)
                self._fd = -1

    def __enter__(self) -> AuditLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_audit(path: Path) -> list[dict[str, Any]]:
    """Every record of an audit log, in order (tests and ``mmarc``-side tooling)."""
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]
