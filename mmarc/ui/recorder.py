"""Run records: create a run, and keep its status and per-round metrics in the database.

Why a watcher thread: a run's record must fill in whether or not anyone keeps the
training page open, and must survive a restart of ``mmarc ui`` (on start, runs still
marked running are watched again). The watcher asks the admin service as the admin who
started the run (``check_status server`` and ``metrics``), so it sees exactly what that
admin may see, and copies the server's ``metrics.jsonl`` rows into the run's record.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select

from mmarc.ui.admin_link import ask_many
from mmarc.ui.db import Database, RoundMetric, Run, utcnow
from mmarc.ui.workspace import Workspace

__all__ = ["RunWatcher", "main_metric", "sync_metrics"]

POLL_S = 1.0


def main_metric(row: Mapping[str, Any]) -> float | None:
    """The number a round row is charted by: its combined global validation metric
    (``global_metric`` is ``{"round", "metric", "value"}`` in the server's metrics.jsonl)."""
    combined = row.get("global_metric")
    value = combined.get("value") if isinstance(combined, Mapping) else combined
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


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
    """Watch runs in threads, one per run, until their server says they are over.

    Args:
        workspace: the UI workspace (admin kits).
        db: the UI database.
    """

    def __init__(self, workspace: Workspace, db: Database) -> None:
        self.workspace, self.db = workspace, db
        self._threads: dict[int, threading.Thread] = {}
        self._stop = threading.Event()
        self._lock = threading.Lock()

    def resume(self) -> None:
        """Watch again every run the database still marks as running (after a restart)."""
        with self.db.session() as s:
            runs = s.scalars(select(Run).where(Run.status == "running")).all()
        for run in runs:
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

    def _loop(self, run_id: int, email: str) -> None:
        while not self._stop.wait(POLL_S):
            answers = ask_many(
                self.workspace,
                email,
                [("check_status", ["server"]), ("metrics", [])],
                timeout_s=10,
                stop_at_failure=False,
            )
            status = answers[0].data if answers and answers[0].ok else None
            metrics = answers[1].data if len(answers) > 1 and answers[1].ok else None
            if isinstance(metrics, Mapping) and metrics.get("run_number") == run_id:
                sync_metrics(self.db, run_id, metrics.get("metrics") or [])
            if not isinstance(status, Mapping) or status.get("run_number") != run_id:
                continue
            state = str(status.get("server"))
            with self.db.session() as s:
                run = s.get(Run, run_id)
                if run is None or run.status != "running":
                    return
                if state != "training":  # finished, aborted, ended (exit N)
                    run.status = state[:32]
                    run.finished_at = utcnow()
                    run.artifacts = self._artifacts(run_id, email)
                    s.commit()
                    return

    def _artifacts(self, run_id: int, email: str) -> list[Any]:
        """The server's files of the run (name, size), as ``email`` may list them."""
        folder = f"run_{run_id}/server"
        answer = ask_many(self.workspace, email, [("ls", [folder])], timeout_s=10)[0]
        entries = answer.data.get("entries") if isinstance(answer.data, Mapping) else None
        return [
            {"path": f"{folder}/{e.get('name')}", "size": e.get("size")}
            for e in entries or []
            if isinstance(e, Mapping) and e.get("type") == "file"
        ]

    def close(self) -> None:
        self._stop.set()
        for thread in list(self._threads.values()):
            thread.join(timeout=5)
