"""Run records: keep a running run's status and per-round metrics in the database.

Why a watcher thread: a run's record must fill in whether or not anyone keeps the
training page open, and must survive a restart of ``mmarc ui`` (on start, runs still
marked running are watched again). The watcher asks the admin service as the admin who
started the run (``check_status server`` and ``metrics``), so it sees exactly what that
admin may see, and copies the server's ``metrics.jsonl`` rows into the run's record.
A page that asks the server itself (the live panel, a page load) hands its answers to
the same :meth:`RunWatcher.record`, so every look ends the record the same way, once
(:mod:`mmarc.ui.run_state`), and what each page shows of the run is that record.
"""

from __future__ import annotations

import datetime as _dt
import math
import threading
from collections.abc import Mapping, Sequence
from typing import Any

from mmarc.ui.admin_link import AdminAnswer, ask_many
from mmarc.ui.db import Database, RoundMetric, Run, utcnow
from mmarc.ui.run_state import (
    DEAD_AFTER_S,
    RUNNING,
    end_run,
    running_runs,
    server_ending,
    silence_ending,
)
from mmarc.ui.workspace import Workspace

__all__ = ["RunWatcher", "main_metric", "metric_series", "sync_metrics"]

POLL_S = 1.0


def main_metric(row: Mapping[str, Any]) -> float | None:
    """The number a round row is charted by: its combined global validation metric
    (``global_metric`` is ``{"round", "metric", "value"}`` in the server's metrics.jsonl)."""
    combined = row.get("global_metric")
    value = combined.get("value") if isinstance(combined, Mapping) else combined
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def metric_series(rows: Sequence[Any]) -> dict[str, Any]:
    """The global model's combined validation metric after each round, as one series.

    A round's row carries the clients' validation of the global model they *received*
    at its start, i.e. the model of the round before (``global_metric.round`` says
    which; -1 is the initial model), and the final row the validation of the last
    global model. The series is therefore keyed by the model's round, so the last model
    is its last point. Returns ``{"metric": key or None, "points": [{"round", "value",
    "final"}]}`` in model order; a model judged twice keeps its later row.
    """
    by_model: dict[int, dict[str, Any]] = {}
    name: str | None = None
    for row in rows:
        if not isinstance(row, Mapping):
            continue
        combined, value = row.get("global_metric"), main_metric(row)
        model = combined.get("round") if isinstance(combined, Mapping) else None
        if value is None or type(model) is not int:
            continue
        by_model[model] = {"round": model, "value": value, "final": row.get("phase") == "final"}
        key = combined.get("metric") if isinstance(combined, Mapping) else None
        name = key[:64] if isinstance(key, str) else name
    return {"metric": name, "points": [by_model[m] for m in sorted(by_model)]}


def sync_metrics(db: Database, run_id: int, rows: Sequence[Any]) -> int:
    """Store ``rows`` (the server's metrics lines) as the run's rounds; how many."""
    rows = [r for r in rows if isinstance(r, Mapping) and isinstance(r.get("round"), int)]
    with db.session() as s:
        run = s.get(Run, run_id)
        if run is None:
            return 0
        if len(run.rounds) != len(rows):
            run.rounds.clear()
            for row in rows:
                run.rounds.append(
                    RoundMetric(
                        round=row["round"],
                        phase=str(row.get("phase") or "round")[:32],
                        metric=main_metric(row),
                        row=dict(row),
                    )
                )
        s.commit()
    return len(rows)


class RunWatcher:
    """Watch runs in threads, one per run, until their server says they are over, and
    end a run's record from any look at its server (:meth:`record`).

    Args:
        workspace: the UI workspace (admin kits).
        db: the UI database.
        dead_after_s: how long a running run's server may refuse connections before
            the run is marked failed.
    """

    def __init__(
        self, workspace: Workspace, db: Database, dead_after_s: float = DEAD_AFTER_S
    ) -> None:
        self.workspace, self.db, self.dead_after_s = workspace, db, dead_after_s
        self._threads: dict[int, threading.Thread] = {}
        self._alive: dict[int, _dt.datetime] = {}  # run -> when its server last answered
        self._stop = threading.Event()
        self._lock = threading.Lock()

    def resume(self) -> None:
        """Watch again every run the database still marks as running (after a restart)."""
        for run in running_runs(self.db):
            self.watch(run.id, run.email)

    def watch(self, run_id: int, email: str) -> None:
        with self._lock:
            if run_id in self._threads and self._threads[run_id].is_alive():
                return
            thread = threading.Thread(
                target=self._loop, args=(run_id, email), name=f"run-{run_id}", daemon=True
            )
            self._threads[run_id] = thread
            thread.start()

    def look(self, run_id: int, email: str) -> str | None:
        """Ask the server about run ``run_id`` as ``email`` and :meth:`record` the answers."""
        answers = ask_many(
            self.workspace,
            email,
            [("check_status", ["server"]), ("metrics", [])],
            timeout_s=10,
            stop_at_failure=False,
        )
        return self.record(run_id, answers[0], answers[1])

    def look_at_running(self, email: str) -> None:
        """One :meth:`look` as ``email`` at each run still recorded as running."""
        for run in running_runs(self.db):
            self.look(run.id, email)

    def record(
        self, run_id: int, status: AdminAnswer, metrics: AdminAnswer | None = None
    ) -> str | None:
        """Copy ``metrics`` (the ``metrics`` answer) into run ``run_id`` if they are its
        rows, end the run if ``status`` (the ``check_status server`` answer) says it
        ended, and return the record's status after (None: no such run)."""
        data = metrics.data if metrics is not None and metrics.ok else None
        if isinstance(data, Mapping) and data.get("run_number") == run_id:
            sync_metrics(self.db, run_id, data.get("metrics") or [])
        with self.db.session() as s:
            run = s.get(Run, run_id)
        if run is None or run.status != RUNNING:
            return None if run is None else run.status
        now = utcnow()
        ending: tuple[str, str] | None = None
        if status.unreachable:
            since = self._alive.get(run_id) or run.started_at or run.created_at
            ending = silence_ending(status.text, since, now, self.dead_after_s)
        elif status.ok and isinstance(status.data, Mapping):
            self._alive[run_id] = now
            ending = server_ending(run_id, status.data)
        if ending is None:
            return RUNNING
        return self.end(run_id, *ending, keep_files=not status.unreachable)

    def end(
        self, run_id: int, status: str, note: str = "", *, keep_files: bool = True
    ) -> str | None:
        """End run ``run_id``'s record as ``status`` (:func:`~mmarc.ui.run_state.end_run`)
        and, when this call ended it and ``keep_files``, store the server's files of the
        run; the record's status after (None: no such run)."""
        if end_run(self.db, run_id, status, note):
            self._alive.pop(run_id, None)
            with self.db.session() as s:
                run = s.get(Run, run_id)
            if run is not None and keep_files:
                self._keep_artifacts(run_id, run.email)
            return status
        with self.db.session() as s:  # not running any more: another look ended it first
            run = s.get(Run, run_id)
            return None if run is None else run.status

    def _loop(self, run_id: int, email: str) -> None:
        while not self._stop.wait(POLL_S):
            if self.look(run_id, email) != RUNNING:
                return

    def _keep_artifacts(self, run_id: int, email: str) -> None:
        """Store the server's files of the run (name, size), as ``email`` may list them."""
        folder = f"run_{run_id}/server"
        answer = ask_many(self.workspace, email, [("ls", [folder])], timeout_s=10)[0]
        entries = answer.data.get("entries") if isinstance(answer.data, Mapping) else None
        files = [
            {"path": f"{folder}/{e.get('name')}", "size": e.get("size")}
            for e in entries or []
            if isinstance(e, Mapping) and e.get("type") == "file"
        ]
        with self.db.session() as s:
            run = s.get(Run, run_id)
            if run is not None:
                run.artifacts = files
                s.commit()

    def close(self) -> None:
        self._stop.set()
        for thread in list(self._threads.values()):
            thread.join(timeout=5)
