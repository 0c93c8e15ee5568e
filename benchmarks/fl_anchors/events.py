"""The JSON-lines event log every framework in the FL round benchmark writes, and its reader.

Why a shared file of timestamped events rather than each framework's own logs: the round
wall time (M1) is measured at the *server* (time between consecutive round starts) while the
client compute is measured *inside the clients*, possibly in other processes (NVFlare worker
processes, Ray actors, mmarc client processes). Every process appends to one file named by
the environment variable ``FL_BENCH_EVENTS``; timestamps are ``time.time()``, the host wall
clock that all processes share. Durations measured inside one process (``compute_s``,
``client_s``) use ``time.perf_counter``.

One event per line, a JSON object with at least ``event`` (name), ``t`` (``time.time()``)
and ``pid``. Names and their fields (``round`` is 1-based everywhere):

=================== ========== ==============================================================
event               written by fields besides event/t/pid
=================== ========== ==============================================================
round_start         server     round: the server starts round r (sends/configures its task)
client_recv         client     round, client: the client holds the model (before loading it)
client_compute      client     round, client, compute_s (local_train alone), client_s
                               (load_state_dict + local_train + state_dict); t = client done
bytes               client     round, client, down, up: payload bytes received and sent
aggregation_start   server     round: the server starts aggregating round r's results
round_end           server     round: aggregation of round r is done
=================== ========== ==============================================================

``round_start`` and ``client_compute`` are required for M1 and overhead; the others feed
the breakdown and bytes columns and may be missing. This module uses only the standard
library so that it can be imported by every framework's venv and by mmarc's.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

ENV_VAR = "FL_BENCH_EVENTS"
EVENT_NAMES = (
    "round_start",
    "client_recv",
    "client_compute",
    "bytes",
    "aggregation_start",
    "round_end",
)


def emit(
    event: str,
    *,
    t: float | None = None,
    path: str | os.PathLike[str] | None = None,
    **fields: Any,
) -> None:
    """Append one event line to the file named by ``FL_BENCH_EVENTS`` (or ``path``).

    ``t`` defaults to now; pass it to record a moment taken earlier (e.g. a client's
    receive time written together with its other events after the step).

    Why one ``os.write`` on an ``O_APPEND`` descriptor: many processes and threads append to
    the same file at once, and a single append-mode write of a short line is not interleaved
    with others on a local file system. A missing variable makes this a no-op, so framework
    code instrumented with it still runs outside the benchmark.
    """
    if t is None:
        t = time.time()
    target = path if path is not None else os.environ.get(ENV_VAR)
    if not target:
        return
    record = {"event": event, "t": t, "pid": os.getpid(), **fields}
    line = (json.dumps(record, separators=(",", ":")) + "\n").encode()
    fd = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)


def emit_client_round(
    round_: int,
    client: str,
    *,
    t_recv: float,
    t_done: float,
    compute_s: float,
    client_s: float,
    bytes_down: int,
    bytes_up: int,
) -> None:
    """The three client events of one round, so every framework's client writes the same.

    Written after the step, outside the client timers, so the file writes cost no measured
    client time (they do count as overhead, a few tens of microseconds).
    """
    emit("client_recv", t=t_recv, round=round_, client=client)
    emit(
        "client_compute",
        t=t_done,
        round=round_,
        client=client,
        compute_s=compute_s,
        client_s=client_s,
    )
    emit("bytes", t=t_done, round=round_, client=client, down=bytes_down, up=bytes_up)


def read_events(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """All events of one run, sorted by time; a torn last line (killed run) is skipped."""
    events: list[dict[str, Any]] = []
    p = Path(path)
    if not p.exists():
        return events
    for line in p.read_text().splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            events.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    events.sort(key=lambda e: float(e.get("t", 0.0)))
    return events


def write_events(path: str | os.PathLike[str], events: Iterable[dict[str, Any]]) -> None:
    """Write events as JSON lines (tests and converters of other runtimes' logs use this)."""
    with Path(path).open("w") as f:
        for e in events:
            f.write(json.dumps(e, separators=(",", ":")) + "\n")
