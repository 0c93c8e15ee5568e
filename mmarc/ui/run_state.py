"""One source for a run's state: the run record, ended from what the server says.

Why: the training page's heading, the top bar, the Runs page and the Results step all
show a run's status, and all of them read it from the run record in the database. Only
the functions here move a record out of ``running``: whoever looks at the server (the
watcher thread, the live panel's stream, a page load) hands its ``check_status server``
answer over, :func:`server_ending` reads it, and :func:`end_run` ends the record once
(a conditional UPDATE, so two lookers at the same moment cannot both end it), with the
finish time and a note saying why. The statuses a record goes through are
``deploying -> deployed -> running -> finished | aborted | failed``.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select, update

from mmarc.ui.db import Database, Run, utcnow

__all__ = [
    "ABORTED",
    "DEAD_AFTER_S",
    "ENDED",
    "FAILED",
    "FINISHED",
    "RUNNING",
    "end_run",
    "latest_run",
    "running_runs",
    "server_ending",
    "silence_ending",
    "start_run",
]

RUNNING = "running"
FINISHED = "finished"
ABORTED = "aborted"
FAILED = "failed"
#: The statuses a run ends in.
ENDED = (FINISHED, ABORTED, FAILED)
#: How long a running run's server may refuse connections before the run is marked
#: failed (a server restarting its listener, or a network blip, is not a death).
DEAD_AFTER_S = 10.0


def latest_run(db: Database) -> Run | None:
    """The newest run record, if any."""
    with db.session() as s:
        return s.scalars(select(Run).order_by(Run.id.desc()).limit(1)).first()


def running_runs(db: Database) -> list[Run]:
    """Every run whose record still says ``running``."""
    with db.session() as s:
        return list(s.scalars(select(Run).where(Run.status == RUNNING)).all())


def start_run(db: Database, run_id: int) -> Run | None:
    """Mark ``run_id`` running from now (the server and its clients accepted ``start``)."""
    with db.session() as s:
        run = s.get(Run, run_id)
        if run is not None:
            run.status, run.started_at, run.finished_at, run.note = RUNNING, utcnow(), None, ""
            s.commit()
        return run


def server_ending(run_id: int, status: Mapping[str, Any]) -> tuple[str, str] | None:
    """How the server's ``check_status server`` data says run ``run_id`` ended, as
    (status, note); None while the server still trains it.

    The server's states are ``training``, ``finished``, ``aborted``, ``ended (exit N)``
    (its round workflow died) and ``stopped`` (nothing started since the server began).
    """
    number = status.get("run_number")
    state = str(status.get("server"))[:80]
    if number != run_id:
        return FAILED, (
            f"the server's current run is {number} (restarted, or moved on): it never "
            f"reported how run {run_id} ended"
        )
    if state == "training":
        return None
    if state in (FINISHED, ABORTED):
        return state, ""
    if state == "stopped":
        return FAILED, "the server was restarted and never reported how the run ended"
    return FAILED, f"the server's round workflow {state}"


def silence_ending(
    reason: str, alive_at: _dt.datetime, now: _dt.datetime, dead_after_s: float = DEAD_AFTER_S
) -> tuple[str, str] | None:
    """(failed, note) when the server has refused connections since ``alive_at`` for
    longer than ``dead_after_s`` (its process died without reporting); None before."""
    if (now - alive_at).total_seconds() < dead_after_s:
        return None
    return FAILED, (
        f"the server stopped answering after {alive_at:%Y-%m-%d %H:%M:%S} UTC and never "
        f"reported how the run ended: {reason}"
    )


def end_run(db: Database, run_id: int, status: str, note: str = "") -> bool:
    """End the running record ``run_id`` as ``status`` (one of :data:`ENDED`), now;
    whether this call ended it (False: it was not running, or is already ended)."""
    if status not in ENDED:
        raise ValueError(f"a run ends as one of {ENDED}, not {status!r}")
    with db.session() as s:
        done = s.execute(
            update(Run)
            .where(Run.id == run_id, Run.status == RUNNING)
            .values(status=status, finished_at=utcnow(), note=note[:2000])
        )
        s.commit()
        return bool(getattr(done, "rowcount", 0) == 1)
