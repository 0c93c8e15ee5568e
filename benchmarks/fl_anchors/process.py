"""Launching one benchmark run: its environment, its processes, its memory, its clean-up.

Why a module of its own: the FL round driver (``benchmarks/fl_round.py``) and the soak
(``benchmarks/soak.py``) both start whole federations (a framework's main process and
everything it spawns) and must find every process of a run, sample its memory, kill
stragglers and time out hangs, without touching any other process on a shared machine.

A run is found by a marker variable (:data:`RUN_MARKER_VAR`) put in its environment,
which every process it starts inherits (Ray's daemons included), or by the session the
driver started it in. Memory is the proportional set size (PSS: shared pages split
between the processes sharing them) read from ``/proc/PID/smaps_rollup`` every
:data:`SAMPLE_EVERY_S`, as the run's total and per process.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .events import ENV_VAR

__all__ = [
    "ANCHOR_DIR",
    "ROOT",
    "RUN_MARKER_VAR",
    "SAMPLE_EVERY_S",
    "STRAGGLER_GRACE_S",
    "ProcessOutcome",
    "RunFailed",
    "bench_env",
    "kill_pids",
    "last_outcome",
    "machine_busy",
    "pss_mb",
    "reset_outcome",
    "run_pids",
    "run_process",
    "set_memory_sampling",
    "set_run_timeout",
]

ROOT = Path(__file__).resolve().parent.parent.parent
ANCHOR_DIR = Path(__file__).resolve().parent

#: Per-run wall-clock limit (seconds); the driver's --timeout sets it (`set_run_timeout`).
#: The anchor file's longest run took 54 s, so 300 s only catches hangs.
RUN_TIMEOUT_S: float = 300.0
#: How long to wait, after a run's main process exits, for the rest of its processes (Ray
#: actors linger 0.2-2.4 s) before killing them.
STRAGGLER_GRACE_S: float = 60.0
#: Marker put in every run's environment; every process the run starts inherits it, which
#: is how the driver finds them all (Ray's daemons included) without touching anything else.
RUN_MARKER_VAR = "FL_BENCH_RUN"
#: Seconds between two memory samples of a run. Once a second missed the sites of a short
#: run altogether (mmarc's A2 simulation: sites that live about a second; the run's peak
#: then read 456-502 MB where a sample that caught them read 716-749 MB), so as often as
#: the soak samples.
SAMPLE_EVERY_S = 0.25
#: Whether runs sample their memory (the driver's ``--no-memory`` turns it off). Reading
#: PSS walks each process's page tables: 4 times a second over a kits run's torch-sized
#: processes it slowed a 100 MB CurveZMQ round by 0.1-0.15 s (0.79 and 0.81 s sampled
#: against 0.66 and 0.66 s unsampled, interleaved with 0.65-0.70 s outside the driver).
SAMPLE_MEMORY: bool = True


class RunFailed(RuntimeError):
    """A run exited non-zero, timed out, or did not produce the rounds it was asked for."""


@dataclass
class ProcessOutcome:
    """What the driver observed of one launched run.

    ``peak_pss_mb``: the highest sampled PSS of the whole run (all its processes at one
    moment). ``process_pss_mb``: each process's own highest sampled PSS, by pid (as a
    string, so the record survives JSON), which the analysis maps to server and sites
    through the pids in the run's events.
    """

    rc: int | None
    timed_out: bool
    launch_t: float
    exit_t: float
    stragglers_killed: int
    straggler_wait_s: float
    peak_pss_mb: float | None
    process_pss_mb: dict[str, float] = field(default_factory=dict)


#: The outcome of the latest `run_process` call. Why a module global: the runner signature
#: ``run(model, clients, rounds, events_path) -> None`` is fixed, so a runner that launches
#: through `run_process` leaves its launch/exit times and memory here for the driver.
_LAST_OUTCOME: ProcessOutcome | None = None


def set_run_timeout(seconds: float) -> None:
    """Set the default per-run limit of `run_process` (the driver's ``--timeout``)."""
    global RUN_TIMEOUT_S
    RUN_TIMEOUT_S = float(seconds)


def set_memory_sampling(on: bool) -> None:
    """Sample the memory of the runs that follow (the default), or not (see
    :data:`SAMPLE_MEMORY`: timings then carry no sampler's cost, and PSS is not known)."""
    global SAMPLE_MEMORY
    SAMPLE_MEMORY = bool(on)


def last_outcome() -> ProcessOutcome | None:
    """What the latest `run_process` observed (None before any, or after `reset_outcome`)."""
    return _LAST_OUTCOME


def reset_outcome() -> None:
    """Forget the latest outcome (before a run, so a failed launch leaves None)."""
    global _LAST_OUTCOME
    _LAST_OUTCOME = None


def _proc_pids() -> Iterator[int]:
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            yield int(entry.name)


def _is_zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] in ("Z", "X")


def run_pids(run_id: str, session: int | None = None) -> list[int]:
    """Live processes of one run: those with the run's marker in their environment, or in
    the session the driver started it in. Zombies are dead already and do not count."""
    marker = f"{RUN_MARKER_VAR}={run_id}".encode()
    me = os.getpid()
    found: list[int] = []
    for pid in _proc_pids():
        if pid == me:
            continue
        try:
            match = marker in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
            if not match and session is not None:
                match = os.getsid(pid) == session
        except (OSError, ProcessLookupError):
            continue
        if match and not _is_zombie(pid):
            found.append(pid)
    return found


def pss_mb(pid: int) -> float:
    """Proportional set size of one process, MB (0 when it is gone or unreadable)."""
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) / 1024
    return 0.0


def kill_pids(pids: list[int]) -> None:
    """SIGTERM, a short wait, then SIGKILL: only ever the pids of the run being cleaned up."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in pids:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, sig)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and any(not _is_zombie(p) for p in pids):
            time.sleep(0.1)
        pids = [p for p in pids if not _is_zombie(p)]
        if not pids:
            return


def bench_env(run_id: str, events_path: Path) -> dict[str, str]:
    """The environment of a run: events file, shared modules on the path, one thread each."""
    env = dict(os.environ)
    env.pop("VIRTUAL_ENV", None)
    env.update(
        {
            ENV_VAR: str(events_path),
            RUN_MARKER_VAR: run_id,
            "PYTHONPATH": str(ANCHOR_DIR),
            "OMP_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


class _MemorySampler:
    """Peak PSS of a run, in total and per process, sampled every :data:`SAMPLE_EVERY_S`."""

    def __init__(self) -> None:
        self.peak = 0.0
        self.per_process: dict[str, float] = {}
        self._next = 0.0

    def due(self, now: float) -> bool:
        """Whether a sample is due: the run's processes are looked up only then (reading
        every process's environment 20 times a second took each one's memory lock as
        often, for samples taken 4 times a second)."""
        return now >= self._next

    def sample(self, pids: list[int], now: float) -> None:
        if not self.due(now):
            return
        self._next = now + SAMPLE_EVERY_S
        total = 0.0
        for pid in pids:
            mb = pss_mb(pid)
            total += mb
            key = str(pid)
            if mb > self.per_process.get(key, 0.0):
                self.per_process[key] = round(mb, 1)
        self.peak = max(self.peak, total)


def run_process(
    cmd: list[str],
    *,
    events_path: Path,
    log_path: Path | None = None,
    env_extra: dict[str, str] | None = None,
    timeout_s: float | None = None,
) -> ProcessOutcome:
    """Launch one run, wait for it and for every process it started, sample its memory.

    The command's stdout and stderr go to ``log_path`` (default: ``logs/<events stem>.log``
    beside the events folder). Raises `RunFailed` on a non-zero exit or a timeout, after
    cleaning up; the outcome is also left for `last_outcome`.
    """
    global _LAST_OUTCOME
    timeout = RUN_TIMEOUT_S if timeout_s is None else timeout_s
    run_id = events_path.stem
    if log_path is None:
        log_path = events_path.parent.parent / "logs" / f"{run_id}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    env = bench_env(run_id, events_path)
    env.update(env_extra or {})
    memory = _MemorySampler()
    with log_path.open("wb") as log:
        launch_t = time.time()
        proc = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.monotonic() + timeout
        timed_out = False
        try:
            while proc.poll() is None:
                now = time.monotonic()
                if now >= deadline:
                    timed_out = True
                    kill_pids([*run_pids(run_id, proc.pid), proc.pid])
                    proc.wait()
                    break
                if SAMPLE_MEMORY and memory.due(now):
                    memory.sample(run_pids(run_id, proc.pid), now)
                time.sleep(0.05)
        except BaseException:
            # Ctrl-C or SIGTERM of the driver: the run lives in its own session, so end it
            # here or it would outlive the benchmark.
            kill_pids([*run_pids(run_id, proc.pid), proc.pid])
            raise
        exit_t = time.time()
    # Stragglers: the run is over only when every process it started has gone.
    wait_start = time.monotonic()
    left = run_pids(run_id, proc.pid)
    while left and time.monotonic() - wait_start < STRAGGLER_GRACE_S:
        time.sleep(0.1)
        left = run_pids(run_id, proc.pid)
    killed = len(left)
    if left:
        kill_pids(left)
    outcome = ProcessOutcome(
        rc=proc.returncode,
        timed_out=timed_out,
        launch_t=launch_t,
        exit_t=exit_t,
        stragglers_killed=killed,
        straggler_wait_s=time.monotonic() - wait_start,
        peak_pss_mb=round(memory.peak, 1) if memory.peak else None,
        process_pss_mb=memory.per_process,
    )
    _LAST_OUTCOME = outcome
    if timed_out:
        raise RunFailed(f"timed out after {timeout:.0f} s (see {log_path})")
    if proc.returncode != 0:
        raise RunFailed(f"exit code {proc.returncode} (see {log_path})")
    return outcome


def machine_busy(window_s: float = 1.0) -> float:
    """Fraction of all cores busy over a short window, taken between runs when none of the
    benchmark's processes run. Why: other work on this 2-core box (a test suite, a build)
    inflates every framework's round; recording it per run lets a reader discount such runs.
    """

    def sample() -> tuple[int, int]:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
        return sum(fields), idle

    try:
        total0, idle0 = sample()
        time.sleep(window_s)
        total1, idle1 = sample()
    except (OSError, ValueError, IndexError):
        return float("nan")
    total = total1 - total0
    return 1.0 - (idle1 - idle0) / total if total > 0 else 0.0
