"""How the runtime reports what it is doing: one small typed event and a subscriber callable.

The runtime never draws anything. Training, the simulator and the federation server
hand each step to a :data:`Subscriber` their caller passed in; the CLI renders them as
progress bars and live views (``mmarc.cli.views`` / ``mmarc.cli.progress``), tests
collect them into a list, and a future web UI can forward them. A subscriber runs on
the thread that emits and must be quick; one that raises is logged and ignored, so a
broken view never stops a run.

Event kinds in use (``fields`` in brackets):

- training (:mod:`mmarc.runtime.executor.local`): ``train_start`` (total_epochs,
  epoch_length, done_epochs), ``iteration`` (epoch, loss), ``metric`` (name, value,
  best), ``train_end``;
- federation (the server workflow's progress dicts, see
  :mod:`mmarc.runtime.server.workflow`): ``listening``, ``ready``, ``joined``, ``round``,
  ``final``, ... and, from the simulator, ``note`` (text).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["PROGRESS_PREFIX", "RunEvent", "Subscriber", "emit"]

log = logging.getLogger(__name__)

#: Marks a progress line on a worker process's stdout (the rest of the line is JSON).
PROGRESS_PREFIX = "@"


@dataclass(frozen=True, slots=True)
class RunEvent:
    """One thing that happened: its ``kind`` and the JSON-ready ``fields`` that describe it."""

    kind: str
    fields: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_progress(cls, info: Mapping[str, Any]) -> RunEvent:
        """An event from a progress dict of the form ``{"event": KIND, ...}``."""
        rest = {k: v for k, v in info.items() if k != "event"}
        return cls(str(info.get("event", "")), rest)

    def get(self, key: str, default: Any = None) -> Any:
        """``fields[key]``, or ``default`` when the event does not carry it."""
        return self.fields.get(key, default)


#: What a caller hands the runtime to hear about its events.
Subscriber = Callable[[RunEvent], None]


def emit(subscriber: Subscriber | None, kind: str, **fields: Any) -> None:
    """Send one event to ``subscriber`` (if any); its failures never reach the run."""
    if subscriber is None:
        return
    try:
        subscriber(RunEvent(kind, fields))
    except Exception as exc:
        log.warning("event subscriber failed on %s: %s", kind, exc)
