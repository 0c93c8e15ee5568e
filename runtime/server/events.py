"""The JSON-lines event log of a federated run (``events.jsonl``), for benchmarks and plots.

Why a shared append-only file: a round's wall time is measured at the server, the
clients' compute inside the client processes, and one file with host wall-clock
timestamps (``time.time()``, the same clock for every process on a host) lets a reader
line them up without any clock exchange. Each event is one ``os.write`` of one line on an
``O_APPEND`` descriptor, which local file systems never interleave with other writers.

Fields: ``t``, ``event``, ``pid`` always; ``round`` is **1-based** (the federation's first
round is 1, whatever Clara's ``start_round`` says) so that the file reads like the
anchor benchmarks' (``benchmarks/fl_anchors/events.py``); ``client``, ``seconds`` and
``bytes`` where they mean something. Events:

================= ======= ===============================================================
event             writer  fields
================= ======= ===============================================================
round_start       server  round, clients (how many got the task), bytes (model payload)
client_recv       client  round, client (t: the task arrived)
client_compute    client  round, client, seconds = compute_s (validation of the received
                          model + local training: the client's ML work), client_s (that
                          plus loading the weights, the update, filters), bytes (down+up)
bytes             client  round, client, down, up (payload bytes of the task and result)
aggregation_start server  round (the round's last awaited result is in)
round_end         server  round, seconds (round wall time), bytes (moved in the round)
rejected          server  round, client, task, reason: a client's result (an update, its
                          metrics, validation results) the server refused; the round
                          goes on without it
aggregate_refused server  round, reason: the round's aggregate was not usable (not
                          finite...); the global model stays as it was
================= ======= ===============================================================

Where the file is: the ``events_path`` argument, else ``$MMARC_EVENTS`` when it names a
file, else ``$FL_BENCH_EVENTS`` (the benchmark driver's variable), else
``<run folder>/events.jsonl``.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

#: A live view's callback: small dicts such as ``{"event": "round", ...}``.
Progress = Callable[[dict[str, Any]], None]

ENV_VARS = ("MMARC_EVENTS", "FL_BENCH_EVENTS")


def events_path_for(run_dir: Path | None, events_path: Path | str | None = None) -> Path | None:
    """Where events go (see the module docstring); None: nowhere."""
    if events_path:
        return Path(events_path)
    for var in ENV_VARS:
        value = os.environ.get(var, "")
        if value and value not in ("0", "1", "true", "yes"):
            return Path(value)
    return None if run_dir is None else Path(run_dir) / "events.jsonl"


class EventLog:
    """Appends events to one file; a None path makes every call a no-op."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)

    def emit(self, event: str, *, t: float | None = None, **fields: Any) -> None:
        if self.path is None:
            return
        record = {"t": time.time() if t is None else t, "event": event, "pid": os.getpid()}
        record.update(fields)
        line = (json.dumps(record, separators=(",", ":")) + "\n").encode()
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)


class Reporter:
    """The server's two outlets: the progress callback (live views, on the workflow
    thread) and the event log (a file). A broken view never stops the federation."""

    def __init__(self, on_progress: Progress | None, events: EventLog) -> None:
        self.on_progress = on_progress
        self.events = events

    def progress(self, **info: Any) -> None:
        if self.on_progress is not None:
            try:
                self.on_progress(info)
            except Exception as exc:
                log.warning("progress callback failed: %s", exc)

    def rejected(self, *, client: str, round: int, task: str, reason: str) -> None:
        """A client's result refused: logged, in the event log, and shown."""
        reason = reason[:500]
        log.error("%s result of %s refused: %s", task, client, reason)
        self.events.emit("rejected", round=round, client=client, task=task, reason=reason)
        self.progress(event="client_error", client=client, detail=f"{task} refused: {reason}")
