"""``mmarc run MMAR --sim N``: a whole federation on this machine, in real processes.

One server process and N client processes talk ZeroMQ, with the same sockets, messages
and checks as across hospitals. The server binds a Unix domain socket in a private
folder (``ipc://``, mode 0700: only this user can connect) where ZeroMQ supports it, and
a free port on 127.0.0.1 otherwise or with ``transport="tcp"``: every process is on this
machine, and loopback TCP costs two to three times the CPU per byte of a Unix socket on
a 100 MB model (``benchmarks/fl_round.py``), CPU that the clients' training shares. A
deployment's wire is TCP; ``transport="tcp"`` measures that. The launcher:

1. takes the compiled plan as it is (``--rounds`` is a compiler input: the caller
   compiled the plan with it, so the hash covers it) and writes it to ``plan.json`` for
   every process;
2. splits the MMAR's datalist into per-client lists (:mod:`.split`; deterministic seed)
   under ``clients/<name>/dataset.json``;
3. starts the server and, at the same time, the ``clients`` worker, which imports torch
   and MONAI once and, given the server's address, forks the clients (``site-1`` ...),
   each with ``OMP_NUM_THREADS`` = cores / clients so N clients share the cores instead
   of fighting over them;
4. passes the server's progress events to the caller's subscriber
   (:mod:`mmarc.runtime.events`) until the server exits, then waits for the clients to leave.

Everything lands in one run folder (default ``runs/<mmar-name>-<timestamp>/``):
``plan.json``, ``FL_global_model.pt``, ``best_FL_global_model.pt``, ``metrics.jsonl``
(per round), ``cross_val_results.json``, ``summary.json``, ``events.jsonl``,
``logs/{server,site-N}.log`` and ``clients/<name>/`` (datalist, local metrics, final
local model). Ctrl-C stops every process (the server's files stay consistent: each
write is atomic) and raises :class:`SimInterrupted`.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from mmarc.errors import EXIT_INTERRUPTED, MmarcError
from mmarc.plan import Plan

from ..aggregation.registry import HE_STRATEGIES
from ..client.config import client_config
from ..events import PROGRESS_PREFIX, RunEvent, Subscriber, emit
from ..filters.he import has_he
from ..provision.he import run_contexts
from ..server.config import filter_chain, server_config, server_strategy
from ..server.events import events_path_for
from .split import SplitSpec, parse_split, split_datalist

#: Seconds the clients get to leave after the server finished, and processes to stop
#: after SIGTERM, before they are killed.
LEAVE_GRACE_S = 30.0
STOP_GRACE_S = 10.0
#: How the simulator's processes talk: a Unix domain socket, or TCP on 127.0.0.1.
SIM_TRANSPORTS = ("ipc", "tcp")
#: Longest Unix socket path (``sun_path`` is 108 bytes on Linux, 104 on macOS).
_MAX_IPC_PATH = 100


class SimError(MmarcError, RuntimeError):
    """The simulation could not run or its server failed; one readable line."""


class SimInterrupted(SimError):
    """Stopped with Ctrl-C; every process was stopped. Exit status 130."""

    exit_code = EXIT_INTERRUPTED


@dataclass(frozen=True)
class SimResult:
    run_dir: Path
    clients: dict[str, int]  # exit status of every client process
    summary: dict[str, Any]  # the server's summary.json
    cross_val: dict[str, Any] | None
    wall_s: float
    notes: list[str] = field(default_factory=list)
    events_path: Path | None = None


def _datalists(plan: Plan) -> dict[str, list[str]]:
    """Datalist file -> the keys the plan's train/validate datasets read from it."""
    found: dict[str, list[str]] = {}

    def walk(node: Any) -> None:
        if isinstance(node, Mapping):
            path, key = node.get("data_list_file_path"), node.get("data_list_key")
            if isinstance(path, str) and isinstance(key, str):
                keys = found.setdefault(path, [])
                if key not in keys:
                    keys.append(key)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(plan.train)
    walk(plan.validate_)
    return found


def write_client_datalists(
    plan: Plan,
    mmar_root: Path,
    run_dir: Path,
    names: list[str],
    spec: SplitSpec,
    seed: int,
) -> dict[str, Path]:
    """Split the plan's datalist among ``names``; returns each client's datalist file."""
    lists = _datalists(plan)
    if not lists:
        raise SimError("the plan's datasets name no datalist (data_list_file_path) to split")
    merged: dict[str, Any] = {}
    keys: list[str] = []
    for rel, wanted in lists.items():
        path = Path(rel) if Path(rel).is_absolute() else mmar_root / rel
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise SimError(
                f"datalist {path} does not exist; did you run the example's prepare.py?"
            ) from None
        except (OSError, ValueError) as exc:
            raise SimError(f"cannot read datalist {path}: {exc}") from None
        for key in wanted:
            if key in merged and merged[key] != doc.get(key):
                raise SimError(f"two datalists define {key!r} differently; cannot split both")
            merged[key] = doc.get(key)
            if key not in keys:
                keys.append(key)
        for key, value in doc.items():
            merged.setdefault(key, value)
    try:
        parts = split_datalist(merged, keys, len(names), spec, seed)
    except ValueError as exc:
        raise SimError(f"cannot split the datalist: {exc}") from None
    out = {}
    for name, part in zip(names, parts, strict=True):
        target = run_dir / "clients" / name / "dataset.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(part, indent=1) + "\n", encoding="utf-8")
        out[name] = target
    return out


def default_run_dir(plan: Plan, base: Path = Path("runs")) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    return base / f"{plan.mmar_name or 'mmar'}-{stamp}"


class _Processes:
    """The worker processes of one simulation and how to stop them."""

    def __init__(self) -> None:
        self.procs: dict[str, subprocess.Popen[Any]] = {}
        self.logs: dict[str, Path] = {}
        #: client pids (forked by the ``clients`` worker, so not in ``procs``)
        self.children: dict[str, int] = {}
        self._files: list[TextIO] = []

    def start(
        self,
        name: str,
        cmd: list[str],
        env: dict[str, str],
        log: Path,
        *,
        pipe: bool = False,
        stdin: bool = False,
    ) -> subprocess.Popen[Any]:
        log.parent.mkdir(parents=True, exist_ok=True)
        fh = open(log, "a", encoding="utf-8")  # noqa: SIM115 (closed in close())
        self._files.append(fh)
        proc = subprocess.Popen(
            cmd,
            stdout=subprocess.PIPE if pipe else fh,
            stderr=fh,
            stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
            env=env,
            text=True,
            bufsize=1,
        )
        self.procs[name] = proc
        self.logs[name] = log
        return proc

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


def uses_he(plan: Plan) -> bool:
    """Whether the plan's federation is homomorphically encrypted: an HE aggregator on
    the server or an HE filter on the sites."""
    if server_strategy(plan).name in HE_STRATEGIES:
        return True
    cfg = client_config(plan)
    entries = (
        cfg.inbound_filters,
        cfg.outbound_filters,
        cfg.cross_val_inbound_filters,
        cfg.cross_val_outbound_filters,
    )
    return any(has_he(filter_chain(chain, "/fl/client")) for chain in entries)


def server_bind(transport: str) -> tuple[Path | None, str]:
    """The simulator server's ZeroMQ bind address, and the private folder that holds its
    Unix socket (None for TCP; the caller removes it after the run).

    ``ipc`` needs ZeroMQ's ipc transport and a short enough path; otherwise TCP on
    127.0.0.1 with a free port. ``mkdtemp`` makes the folder 0700, so no other user of
    the machine can connect to the socket inside it."""
    import zmq

    if transport == "ipc" and zmq.has("ipc") and sys.platform != "win32":
        folder = Path(tempfile.mkdtemp(prefix="mmarc-sim-"))
        path = folder / "server"
        if len(str(path)) <= _MAX_IPC_PATH:
            return folder, f"ipc://{path}"
        shutil.rmtree(folder, ignore_errors=True)
    return None, "tcp://127.0.0.1:*"


def simulate(
    plan: Plan,
    mmar_root: Path,
    n_clients: int,
    *,
    split: str | SplitSpec = "iid",
    output: Path | None = None,
    seed: int = 0,
    device: str = "cpu",
    events_path: Path | None = None,
    on_event: Subscriber | None = None,
    env: Mapping[str, str] | None = None,
    transport: str = "ipc",
) -> SimResult:
    """Run a federation of ``n_clients`` client processes and a server; see module doc.

    ``on_event`` hears the server's events and ``note`` events (``text``: a client
    failed, the clients' worker ended...) from the launcher's threads, one at a time.
    ``env``: extra environment for the workers (tests set ``MMARC_FL_DUMP``).
    ``transport``: ``"ipc"`` (default; TCP where Unix sockets are not available) or
    ``"tcp"`` (see the module docstring).
    """
    started = time.monotonic()
    if n_clients < 1:
        raise SimError("--sim needs at least 1 client")
    if transport not in SIM_TRANSPORTS:
        raise SimError(f"transport {transport!r} is not one of {list(SIM_TRANSPORTS)}")
    server_cfg = server_config(plan)
    client_config(plan)  # refuse a bad client config before starting anything
    if n_clients < server_cfg.min_num_clients:
        raise SimError(
            f"--sim {n_clients}: the server waits for min_num_clients "
            f"{server_cfg.min_num_clients} clients"
        )
    spec = parse_split(split) if isinstance(split, str) else split
    root = Path(mmar_root).resolve()
    run_dir = Path(output) if output is not None else default_run_dir(plan)
    run_dir = run_dir.resolve()
    run_dir.mkdir(parents=True, exist_ok=True)
    plan_path = run_dir / "plan.json"
    plan_path.write_bytes(plan.to_json() + b"\n")
    names = [f"site-{i}" for i in range(1, n_clients + 1)]
    he_server: list[str] = []
    he_client: list[str] = []
    if uses_he(plan):  # one CKKS context for the run: secret for the sites, public for the server
        server_context, client_context = run_contexts(run_dir / "he")
        he_server, he_client = (
            ["--he-context", str(server_context)],
            ["--he-context", str(client_context)],
        )
    datalists = write_client_datalists(plan, root, run_dir, names, spec, seed)
    events = events_path_for(run_dir, events_path)
    base_env = {**os.environ, **(env or {})}
    base_env.setdefault("PYTHONUNBUFFERED", "1")
    threads = str(max(1, (os.cpu_count() or 1) // n_clients))
    worker = [sys.executable, "-m", "mmarc.runtime.sim.worker"]
    common = ["--plan", str(plan_path), "--mmar", str(root)]
    if events is not None:
        common += ["--events", str(events)]
    processes = _Processes()
    lock = threading.Lock()
    notes: list[str] = []
    socket_dir, bind = server_bind(transport)

    def view(event: RunEvent) -> None:
        emit(on_event, event.kind, **event.fields)

    def note(text: str) -> None:
        with lock:
            notes.append(text)
            emit(on_event, "note", text=text)

    emit(
        on_event,
        "sim_start",
        mmar_name=plan.mmar_name,
        n_clients=n_clients,
        split=str(spec),
        run_dir=str(run_dir),
    )
    try:
        server = processes.start(
            "server",
            [*worker, "server", *common, "--run-dir", str(run_dir), "--bind", bind, *he_server],
            base_env,
            run_dir / "logs" / "server.log",
            pipe=True,
        )
        clients = _Clients(processes, names, note)
        specs = [
            {
                "name": name,
                "run_dir": str(run_dir / "clients" / name),
                "datalist": str(datalists[name]),
                "log": str(run_dir / "logs" / f"{name}.log"),
            }
            for name in names
        ]
        spec_path = run_dir / "clients" / "clients.json"
        spec_path.write_text(json.dumps(specs, indent=1), encoding="utf-8")
        client_env = dict(base_env)
        client_env.setdefault("OMP_NUM_THREADS", threads)
        # the clients' worker imports torch and MONAI while the server starts
        clients.start(
            [
                *worker,
                "clients",
                *common,
                "--spec",
                str(spec_path),
                "--device",
                device,
                *he_client,
            ],
            client_env,
            run_dir / "logs" / "clients.log",
        )
        endpoint = _read_until_listening(server, view, lock)
        if endpoint is None:
            server.wait()
            raise SimError(f"the server did not start: {processes.last_line('server')}")
        clients.go(endpoint)
        _follow(server, view, lock)
        server.wait()
        clients.wait(LEAVE_GRACE_S)
    except KeyboardInterrupt:
        processes.stop()
        raise SimInterrupted(
            f"interrupted; every process was stopped. Completed rounds are saved in {run_dir}"
        ) from None
    finally:
        processes.stop()
        processes.close()
        if socket_dir is not None:
            shutil.rmtree(socket_dir, ignore_errors=True)
    exits = clients.codes()
    if server.returncode != 0:
        if all(code != 0 for code in exits.values()):  # the server only stopped for lack of them
            first = names[0]
            raise SimError(
                f"every client failed; {first}: {processes.last_line(first)} (logs: {run_dir})"
            )
        raise SimError(f"the server failed: {processes.last_line('server')} (logs: {run_dir})")
    summary = _read_json(run_dir / "summary.json") or {}
    cross = _read_json(run_dir / "cross_val_results.json")
    return SimResult(run_dir, exits, summary, cross, time.monotonic() - started, notes, events)


def _read_until_listening(
    server: subprocess.Popen[Any], view: Subscriber, lock: threading.Lock
) -> str | None:
    assert server.stdout is not None
    for line in iter(server.stdout.readline, ""):
        event = _event(line)
        if event is None:
            continue
        with lock:
            view(RunEvent.from_progress(event))
        if event.get("event") == "listening":
            return str(event.get("endpoint"))
    return None


def _follow(server: subprocess.Popen[Any], view: Subscriber, lock: threading.Lock) -> None:
    assert server.stdout is not None
    for line in iter(server.stdout.readline, ""):
        event = _event(line)
        if event is not None:
            with lock:
                view(RunEvent.from_progress(event))


def _event(line: str) -> dict[str, Any] | None:
    if not line.startswith(PROGRESS_PREFIX):
        return None
    try:
        event = json.loads(line[len(PROGRESS_PREFIX) :])
    except ValueError:
        return None
    return event if isinstance(event, dict) else None


class _Clients:
    """The client processes, started by one ``clients`` worker (see :mod:`.worker`).

    A thread reads the worker's ``started``/``exit`` lines: it knows every client's pid
    (to stop them) and exit status, reports a client that fails while the server runs,
    and stops the server when no client is left (after a grace period: at the end of a
    run the clients leave just before the server exits).
    """

    def __init__(self, processes: _Processes, names: list[str], note: Any) -> None:
        self.processes = processes
        self.names = names
        self.note = note
        self.exits: dict[str, int] = {}
        self.proc: subprocess.Popen[Any] | None = None
        self._done = threading.Event()

    def start(self, cmd: list[str], env: dict[str, str], log: Path) -> None:
        for name in self.names:
            self.processes.logs[name] = log.parent / f"{name}.log"
        self.proc = self.processes.start("clients", cmd, env, log, pipe=True, stdin=True)
        threading.Thread(target=self._watch, daemon=True, name="mmarc-sim-clients").start()

    def go(self, endpoint: str) -> None:
        """Hand the server's address to the worker, which then starts the clients."""
        assert self.proc is not None and self.proc.stdin is not None
        with contextlib.suppress(OSError):
            self.proc.stdin.write(endpoint + "\n")
            self.proc.stdin.close()

    def _watch(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        server = self.processes.procs["server"]
        for line in iter(self.proc.stdout.readline, ""):
            try:
                event = json.loads(line)
            except ValueError:
                continue
            name = str(event.get("client"))
            if event.get("event") == "started":
                self.processes.children[name] = int(event["pid"])
            elif event.get("event") == "exit":
                self.exits[name] = int(event["code"])
                if event["code"] != 0 and server.poll() is None:
                    self.note(f"{name} exited ({event['code']}): {self.processes.last_line(name)}")
        self.proc.wait()
        self._done.set()
        try:
            server.wait(STOP_GRACE_S)
            return
        except subprocess.TimeoutExpired:
            pass
        if server.poll() is None:
            self.note("every client has exited; stopping the server")
            with contextlib.suppress(ProcessLookupError):
                server.send_signal(signal.SIGTERM)

    def wait(self, timeout: float) -> None:
        self._done.wait(timeout)

    def codes(self) -> dict[str, int]:
        """Exit status per client (-1: never reported, e.g. never started)."""
        return {name: self.exits.get(name, -1) for name in self.names}


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


__all__ = [
    "SIM_TRANSPORTS",
    "SimError",
    "SimInterrupted",
    "SimResult",
    "server_bind",
    "simulate",
    "write_client_datalists",
]
