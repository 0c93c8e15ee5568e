"""The processes of one simulation as the launcher sees them (:mod:`.launcher`).

:class:`Processes` owns the workers the launcher started and stops them (SIGTERM, then
SIGKILL after a grace period); :class:`Clients` reads the ``clients`` worker's
``started``/``exit`` lines (:mod:`.worker`), which cover the clients and the server it
forked; :class:`ForkedServer` is that server with the part of :class:`subprocess.Popen`
the launcher uses. Kept apart from the launcher so it stays about what a run does, not
how its processes are watched.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Any, TextIO

from .standby import Standby
from .worker import SERVER

#: Seconds processes get to stop after SIGTERM, and the server to finish after the last
#: client left, before they are killed or stopped.
STOP_GRACE_S = 10.0


class Processes:
    """The worker processes of one simulation and how to stop them."""

    def __init__(self) -> None:
        self.procs: dict[str, subprocess.Popen[Any] | ForkedServer] = {}
        self.logs: dict[str, Path] = {}
        #: client pids (forked by the ``clients`` worker, so not in ``procs``)
        self.children: dict[str, int] = {}
        self._files: list[TextIO] = []

    def track(self, stream: TextIO) -> None:
        """Close ``stream`` in :meth:`close`."""
        self._files.append(stream)

    def last_line(self, name: str) -> str:
        try:
            lines = [ln for ln in self.logs[name].read_text(errors="replace").splitlines() if ln]
        except OSError:
            return ""
        for line in reversed(lines):
            if line.startswith("mmarc "):
                return line
        return lines[-1] if lines else ""

    def stop(self, grace: float = STOP_GRACE_S) -> None:
        """SIGTERM every live process, then SIGKILL what is left after ``grace`` s."""
        for proc in self.procs.values():
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + grace
        for proc in self.procs.values():
            try:
                proc.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for pid in self.children.values():  # orphans of a killed ``clients`` worker
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)

    def close(self) -> None:
        for fh in self._files:
            fh.close()


class ForkedServer:
    """The server process as the launcher sees it: forked by the ``clients`` worker
    (which reports its pid and exit status), its progress lines on a pipe of their own;
    the part of :class:`subprocess.Popen` the launcher uses."""

    def __init__(self, stdout: TextIO) -> None:
        self.stdout = stdout
        self.pid: int | None = None
        self.returncode: int | None = None
        self._ended = threading.Event()

    def started(self, pid: int) -> None:
        self.pid = pid

    def exited(self, code: int | None) -> None:
        """Its exit status; None: the worker ended without reporting one (-1)."""
        if not self._ended.is_set():
            self.returncode = -1 if code is None else code
            self._ended.set()

    def poll(self) -> int | None:
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if not self._ended.wait(timeout):
            raise subprocess.TimeoutExpired("mmarc server", timeout or 0.0)
        return self.returncode if self.returncode is not None else -1

    def send_signal(self, signum: int) -> None:
        if self.pid is not None and self.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signum)

    def kill(self) -> None:
        if self.pid is None:  # never started: nothing will report it
            self.exited(None)
        self.send_signal(signal.SIGKILL)


class Clients:
    """The client processes and the server, started by one ``clients`` worker (see
    :mod:`.worker`).

    A thread reads the worker's ``started``/``exit`` lines: it knows every process's pid
    (to stop them) and exit status, reports a client that fails while the server runs,
    and stops the server when no client is left (after a grace period: at the end of a
    run the clients leave just before the server exits).
    """

    def __init__(
        self, processes: Processes, names: list[str], note: Any, server: ForkedServer
    ) -> None:
        self.processes = processes
        self.names = names
        self.note = note
        self.server = server
        self.exits: dict[str, int] = {}
        self.proc: subprocess.Popen[Any] | None = None
        self._done = threading.Event()

    def start(self, standby: Standby, argv: list[str], log: Path) -> None:
        """Hand the standby worker its ``clients`` arguments and its log (``log``; the
        clients' logs go beside it), then watch it."""
        for name in self.names:
            self.processes.logs[name] = log.parent / f"{name}.log"
        self.proc = standby.hand_over(argv, log)
        self.processes.procs["clients"] = self.proc
        self.processes.logs["clients"] = log
        threading.Thread(target=self._watch, daemon=True, name="mmarc-sim-clients").start()

    def go(self, endpoint: str) -> None:
        """Hand the server's address to the worker, which then starts the clients (an
        empty one: stop the server, start nothing)."""
        assert self.proc is not None and self.proc.stdin is not None
        with contextlib.suppress(OSError):
            self.proc.stdin.write(endpoint + "\n")
            self.proc.stdin.close()

    def _watch(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        server = self.server
        for line in iter(self.proc.stdout.readline, ""):
            try:
                event = json.loads(line)
            except ValueError:
                continue
            name, kind = str(event.get("client")), event.get("event")
            if name == SERVER:
                if kind == "started":
                    server.started(int(event["pid"]))
                elif kind == "exit":
                    server.exited(int(event["code"]))
            elif kind == "started":
                self.processes.children[name] = int(event["pid"])
            elif kind == "exit":
                self.exits[name] = int(event["code"])
                if event["code"] != 0 and server.poll() is None:
                    self.note(f"{name} exited ({event['code']}): {self.processes.last_line(name)}")
                if len(self.exits) == len(self.names):
                    threading.Thread(target=self._stop_server_later, daemon=True).start()
        self.proc.wait()
        server.exited(None)  # the worker is gone, and so is the server it forked
        self._done.set()

    def _stop_server_later(self) -> None:
        """Every client has exited: give the server a grace period, then stop it."""
        try:
            self.server.wait(STOP_GRACE_S)
            return
        except subprocess.TimeoutExpired:
            pass
        if self.server.poll() is None:
            self.note("every client has exited; stopping the server")
            self.server.send_signal(signal.SIGTERM)

    def wait(self, timeout: float) -> None:
        self._done.wait(timeout)

    def codes(self) -> dict[str, int]:
        """Exit status per client (-1: never reported, e.g. never started)."""
        return {name: self.exits.get(name, -1) for name in self.names}


__all__ = ["STOP_GRACE_S", "Clients", "ForkedServer", "Processes"]
