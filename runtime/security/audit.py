"""The audit log: one JSON line per admin request, appended and fsync'd before the reply.

Why this shape: JSON lines are greppable and load into any tool; opening with
``O_APPEND`` means no writer can overwrite an earlier record (each ``write`` lands at
the end, atomically for lines of this size); ``fsync`` before the reply means an
acknowledged command is on disk even if the server dies next. The file is never
truncated or rotated here; rotate with external tools that copy, not rewrite.

Every request is accounted for: each one that is read gets its own record (allowed,
refused or invalid); requests dropped unread by the rate limit are counted per admin and
second (:class:`BurstTally`), so the log's ``count`` fields add up to what arrived.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import threading
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

__all__ = ["MAX_FIELD_CHARS", "AuditLog", "BurstTally", "read_audit"]

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


class BurstTally:
    """Requests dropped in bulk (rate limited), audited as one record per user a second.

    Why a summary: a flood must not turn into a flood of fsync'd lines (that would make
    the audit log the bottleneck an attacker aims at), yet every request has to be
    accounted for. Each record says who, which wall-clock second, and how many.
    :meth:`flush` writes the seconds that are over (the service calls it on every poll
    and, with ``everything``, when it closes).
    """

    def __init__(self, log: AuditLog, decision: str, reason: str) -> None:
        self.log, self.decision, self.reason = log, decision, reason
        self._counts: dict[tuple[str, int], int] = {}
        self._lock = threading.Lock()

    def add(self, user: str, now: float | None = None) -> None:
        """Count one dropped request of ``user`` in the current second."""
        second = int(time.time() if now is None else now)
        with self._lock:
            key = (user, second)
            self._counts[key] = self._counts.get(key, 0) + 1

    def flush(self, now: float | None = None, *, everything: bool = False) -> int:
        """Write one record per (user, second) that is over; returns how many."""
        current = int(time.time() if now is None else now)
        with self._lock:
            due = sorted(k for k in self._counts if everything or k[1] < current)
            counts = [(key, self._counts.pop(key)) for key in due]
        for (user, second), count in counts:
            stamp = _dt.datetime.fromtimestamp(second, _dt.UTC).isoformat(timespec="seconds")
            self.log.record(
                user=user,
                command="",
                decision=self.decision,
                reason=self.reason,
                result="dropped",
                count=count,
                second=stamp,
            )
        return len(counts)


def read_audit(path: Path) -> list[dict[str, Any]]:
    """Every record of an audit log, in order (tests and ``mmarc``-side tooling)."""
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]
