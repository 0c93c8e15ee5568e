"""The simulator's clients' worker, started before there is a plan to hand it.

Why: the worker spends seconds importing torch, MONAI and ignite before it can fork the
server and the sites (:mod:`.worker`), while ``mmarc run --sim N`` spends more than a
second compiling the MMAR first. Both are needed, neither needs the other, and the
machine has a core for each: :meth:`Standby.start` launches the worker at once (what it
needs to start is known before the compile: the number of clients and the environment),
and :meth:`Standby.hand_over` gives it, once the plan is compiled and the run folder
written, the ``clients`` command line it would otherwise have been started with.

Until the hand-over the worker writes nothing but its stderr, which goes to an unnamed
temporary file (nothing to clean up whatever happens); at the hand-over it copies that
into its log in the run folder and writes there from then on. :meth:`Standby.close`
stops a worker that was never handed a plan (the compile failed, Ctrl-C), so a refused
MMAR leaves neither a process nor a file behind. Stdlib only: the CLI imports this
before it compiles, and the sooner the worker starts the sooner the first round ends.

The line protocol on the worker's stdin (the worker's side is :mod:`.worker`): first
:func:`handover_line` (an empty line: withdrawn, exit quietly), then, as before, the
server's address for the clients.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any, TextIO

__all__ = [
    "CLIENTS",
    "STANDBY",
    "HandoverError",
    "Standby",
    "handover_line",
    "read_handover",
    "standby_for",
    "start_early",
    "take_early",
]

#: The worker's role while it waits for its plan (``python -m mmarc.runtime.sim.worker standby``).
STANDBY = "standby"
#: The role it is handed (the only one a standby worker takes).
CLIENTS = "clients"


class HandoverError(ValueError):
    """The worker's first line is not a hand-over (:func:`read_handover` says why)."""


def handover_line(argv: list[str], log: Path) -> str:
    """The hand-over: the ``clients`` role's arguments and the log file it writes to."""
    return json.dumps({"argv": [CLIENTS, *argv], "log": str(log)}) + "\n"


def read_handover(line: str) -> tuple[list[str], Path] | None:
    """The worker's reading of :func:`handover_line`: (argv, log), or None for an empty
    line (withdrawn). Raises :class:`HandoverError`, naming what is wrong, for anything
    else."""
    if not line.strip():
        return None
    try:
        doc: Any = json.loads(line)
    except ValueError as exc:
        raise HandoverError(f"the hand-over is not JSON: {exc}") from None
    if not isinstance(doc, dict) or set(doc) != {"argv", "log"}:
        raise HandoverError("the hand-over is not an object with 'argv' and 'log'")
    argv, log = doc["argv"], doc["log"]
    if not isinstance(argv, list) or not all(isinstance(a, str) for a in argv):
        raise HandoverError("the hand-over's 'argv' is not a list of strings")
    if not argv or argv[0] != CLIENTS:
        raise HandoverError(f"the hand-over's role is not {CLIENTS!r}")
    if not isinstance(log, str) or not log:
        raise HandoverError("the hand-over's 'log' is not a file name")
    return argv, Path(log)


def worker_env(clients: int, env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The worker's environment: this process's, ``env`` over it, unbuffered output, and
    ``OMP_NUM_THREADS`` = cores / clients where unset, so N sites share the cores instead
    of fighting over them (set before the worker imports torch, which reads it)."""
    out = {**os.environ, **(env or {})}
    out.setdefault("PYTHONUNBUFFERED", "1")
    out.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // max(1, clients))))
    return out


class Standby:
    """One clients' worker, started and waiting for its plan (see the module docstring).

    ``progress`` is the read end of the pipe the server it forks writes its progress
    lines to; ``progress_fd`` is the write end's number in the worker (``--server-fd``).
    """

    def __init__(
        self, proc: subprocess.Popen[str], stderr: IO[bytes], progress: TextIO, progress_fd: int
    ) -> None:
        self.proc = proc
        self.progress = progress
        self.progress_fd = progress_fd
        self._stderr = stderr
        self._log: Path | None = None

    @classmethod
    def start(cls, clients: int, env: Mapping[str, str] | None = None) -> Standby:
        """Launch the worker for a federation of ``clients`` sites; see :func:`worker_env`."""
        stderr = tempfile.TemporaryFile()  # noqa: SIM115 (closed in close())
        progress_r, progress_w = os.pipe()
        try:
            proc = subprocess.Popen(
                [sys.executable, "-m", "mmarc.runtime.sim.worker", STANDBY],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=stderr,
                env=worker_env(clients, env),
                text=True,
                bufsize=1,
                pass_fds=(progress_w,),
            )
        except BaseException:
            os.close(progress_r)
            stderr.close()
            raise
        finally:
            os.close(progress_w)  # the worker holds it now (and the server it forks)
        progress = os.fdopen(progress_r, "r", encoding="utf-8", errors="replace")
        return cls(proc, stderr, progress, progress_w)

    @property
    def handed_over(self) -> bool:
        return self._log is not None

    def hand_over(self, argv: list[str], log: Path) -> subprocess.Popen[str]:
        """Give the worker its ``clients`` arguments (without the role) and its log file;
        returns the worker's process. A worker that already died reads nothing: its exit
        is seen on its stdout as usual."""
        assert self.proc.stdin is not None and not self.handed_over
        self._log = log
        log.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(OSError):  # BrokenPipeError: it died (its stdout says so)
            self.proc.stdin.write(handover_line(argv, log))
            self.proc.stdin.flush()
        return self.proc

    def keep_output(self) -> None:
        """Once the worker has ended without taking over its log (it died before the
        hand-over, or while reading it), put what it wrote to its stderr there, where the
        launcher looks for its last line."""
        if self._log is None or self.proc.poll() is None or self._log.exists():
            return
        self._stderr.seek(0)
        early = self._stderr.read()
        if early:
            self._log.write_bytes(early)

    def close(self) -> None:
        """Stop the worker if it was never handed over (it holds nothing yet: SIGKILL),
        keep its output (:meth:`keep_output`) and release what this object holds."""
        if not self.handed_over:
            with contextlib.suppress(ProcessLookupError):
                self.proc.kill()
            self.proc.wait()
            for stream in (self.proc.stdin, self.proc.stdout):
                if stream is not None:
                    stream.close()
        self.keep_output()
        self._stderr.close()
        self.progress.close()


_early: tuple[int, Standby] | None = None


def start_early(clients: int) -> None:
    """Start the clients' worker for ``clients`` sites now, for :func:`take_early` to hand
    to the launcher later: ``mmarc run MMAR --sim N`` calls it before it even imports its
    command line (~0.3 s of the launch to round 1, the worker's imports being the rest).
    A worker nobody takes is stopped when this process exits."""
    global _early
    if _early is None:
        _early = (clients, Standby.start(clients))
        atexit.unregister(_close_early)  # once, however many workers were started
        atexit.register(_close_early)


def take_early(clients: int) -> Standby | None:
    """The worker :func:`start_early` started, if it was for ``clients`` sites (else it
    is stopped); None when there is none. Each worker is taken once."""
    global _early
    if _early is None:
        return None
    started_for, standby = _early
    _early = None
    if started_for != clients:
        standby.close()
        return None
    return standby


def standby_for(clients: int) -> Standby:
    """The clients' worker for ``clients`` sites: the one the console script started
    early (:func:`start_early`) if it is for as many, else one started now."""
    return take_early(clients) or Standby.start(clients)


def _close_early() -> None:
    global _early
    if _early is not None:
        _early[1].close()
        _early = None
