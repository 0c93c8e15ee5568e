"""``mmarc run MMAR --sim N``: a whole federation on this machine, in real processes.

One server process and N client processes talk ZeroMQ, with the same sockets, messages
and checks as across hospitals. The server binds a Unix domain socket in a private
folder (``ipc://``, mode 0700: only this user can connect) where ZeroMQ supports it, and
a free port on 127.0.0.1 otherwise or with ``transport="tcp"``: every process is on this
machine, and loopback TCP costs two to three times the CPU per byte of a Unix socket on
a 100 MB model (``benchmarks/fl_round.py``), CPU that the clients' training shares.
Over ``ipc://`` the models themselves go through files in that folder, kept in memory
(``/dev/shm`` where it exists): the round's global model is written once for all sites
and each update read where its site wrote it (:mod:`mmarc.runtime.transport.shared`).
A deployment's wire is TCP; ``transport="tcp"`` measures that. The launcher:

1. takes the compiled plan as it is (``--rounds`` and the plan's ``simulation`` section,
   ``--sim N --split ... --seed ...``, are compiler inputs: the caller compiled the plan
   with them, so the hash covers them) and writes it to ``plan.json`` for every process;
2. splits the MMAR's datalist into per-client lists as the plan's ``simulation`` section
   says (:mod:`.split`; deterministic seed) under ``clients/<name>/dataset.json``;
3. hands the ``clients`` worker (:mod:`.worker`) its arguments: the worker was started
   before the plan was compiled (:mod:`.standby`; by the caller, or here when it did
   not) and imports torch and MONAI once meanwhile; it forks the server (its progress
   lines come back on a pipe of their own), builds the first global model in a forked
   child and, given the server's address, forks the clients (``site-1`` ...), each with
   ``OMP_NUM_THREADS`` = cores / clients so N clients share the cores instead of
   fighting over them. One copy of torch and MONAI for the whole federation: seconds of
   CPU and hundreds of MB less than a process each;
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

import json
import os
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mmarc.errors import EXIT_INTERRUPTED, MmarcError
from mmarc.plan import Plan, SimulationSettings

from ..aggregation.registry import HE_STRATEGIES
from ..client.config import client_config
from ..events import PROGRESS_PREFIX, RunEvent, Subscriber, emit
from ..filters.he import has_he
from ..provision.he import run_contexts
from ..server.config import filter_chain, server_config, server_strategy
from ..server.events import events_path_for
from .processes import Clients, ForkedServer, Processes
from .reaper import IPC_PREFIX
from .split import split_datalist
from .standby import Standby

#: Seconds the clients get to leave after the server finished.
LEAVE_GRACE_S = 30.0
#: How the simulator's processes talk: a Unix domain socket, or TCP on 127.0.0.1.
SIM_TRANSPORTS = ("ipc", "tcp")
#: Where the ipc folder goes when it can: a tmpfs on Linux, so shared models stay in memory.
SHARED_MEMORY = "/dev/shm"
#: Longest Unix socket path (``sun_path`` is 108 bytes on Linux, 104 on macOS).
_MAX_IPC_PATH = 100


class SimError(MmarcError, RuntimeError):
    """The simulation could not run or its server failed; one readable line."""


class SimInterrupted(SimError):
    """Stopped with Ctrl-C; every process was stopped. Exit status 130."""

    exit_code = EXIT_INTERRUPTED


def _interrupted(run_dir: Path) -> SimInterrupted:
    return SimInterrupted(
        f"interrupted; every process was stopped. Completed rounds are saved in {run_dir}"
    )


@dataclass(frozen=True)
class SimResult:
    run_dir: Path
    clients: dict[str, int]  # exit status of every client process
    summary: dict[str, Any]  # the server's summary.json
    cross_val: dict[str, Any] | None
    wall_s: float
    notes: list[str] = field(default_factory=list)
    events_path: Path | None = None


def _datalists(section: Any, found: dict[str, list[str]]) -> list[str]:
    """Add to ``found`` (datalist file -> keys) what ``section``'s datasets read; returns
    the keys read."""
    keys: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, Mapping):
            path, key = node.get("data_list_file_path"), node.get("data_list_key")
            if isinstance(path, str) and isinstance(key, str):
                if key not in found.setdefault(path, []):
                    found[path].append(key)
                if key not in keys:
                    keys.append(key)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(section)
    return keys


def write_client_datalists(
    plan: Plan, mmar_root: Path, run_dir: Path, settings: SimulationSettings
) -> dict[str, Path]:
    """Split the plan's datalist as ``settings`` say (the plan's ``simulation`` section
    when it runs in the simulator); returns each client's datalist file (``site-1``...)."""
    lists: dict[str, list[str]] = {}
    training = _datalists(plan.train, lists)
    validation = _datalists(plan.validate_, lists)
    if not lists:
        raise SimError("the plan's datasets name no datalist (data_list_file_path) to split")
    merged: dict[str, Any] = {}
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
        for key, value in doc.items():
            merged.setdefault(key, value)
    try:
        parts = split_datalist(merged, training, validation, settings)
    except ValueError as exc:
        raise SimError(f"cannot split the datalist: {exc}") from None
    out = {}
    for name, part in zip(client_names(settings), parts, strict=True):
        target = run_dir / "clients" / name / "dataset.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(part, indent=1) + "\n", encoding="utf-8")
        out[name] = target
    return out


def client_names(settings: SimulationSettings) -> list[str]:
    """The simulated clients' names: ``site-1`` ... ``site-N``."""
    return [f"site-{i}" for i in range(1, settings.clients + 1)]


def default_run_dir(plan: Plan, base: Path = Path("runs")) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    return base / f"{plan.mmar_name or 'mmar'}-{stamp}"


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
    Unix socket and the shared payloads (None for TCP; the caller removes it after the
    run, with any payload a process that died left unread).

    ``ipc`` needs ZeroMQ's ipc transport and a short enough path; otherwise TCP on
    127.0.0.1 with a free port. ``mkdtemp`` makes the folder 0700, so no other user of
    the machine can connect to the socket inside it or read the models beside it. It is
    made in :data:`SHARED_MEMORY` when that is a writable folder (memory: a 100 MB model
    written there is not written to disk), else in the temporary folder."""
    import zmq

    if transport == "ipc" and zmq.has("ipc") and sys.platform != "win32":
        memory = SHARED_MEMORY if os.access(SHARED_MEMORY, os.W_OK | os.X_OK) else None
        folder = Path(tempfile.mkdtemp(prefix=IPC_PREFIX, dir=memory))
        path = folder / "server"
        if len(str(path)) <= _MAX_IPC_PATH:
            return folder, f"ipc://{path}"
        shutil.rmtree(folder, ignore_errors=True)
    return None, "tcp://127.0.0.1:*"


def simulate(
    plan: Plan,
    mmar_root: Path,
    *,
    output: Path | None = None,
    device: str = "cpu",
    events_path: Path | None = None,
    on_event: Subscriber | None = None,
    env: Mapping[str, str] | None = None,
    transport: str = "ipc",
    standby: Standby | None = None,
) -> SimResult:
    """Run the federation the plan's ``simulation`` section describes (its clients, each
    with its share of the datalist) and a server; see the module docstring.

    ``on_event`` hears the server's events and ``note`` events (``text``: a client
    failed, the clients' worker ended...) from the launcher's threads, one at a time.
    ``env``: extra environment for the workers (tests set ``MMARC_FL_DUMP``).
    ``transport``: ``"ipc"`` (default; TCP where Unix sockets are not available) or
    ``"tcp"`` (see the module docstring). ``standby``: the clients' worker, started
    before the plan was compiled (:mod:`.standby`, with its own environment: ``env`` must
    then be None); None: started here. Either way it is handed its plan or stopped
    before this returns.
    """
    started = time.monotonic()
    if standby is not None and env is not None:
        standby.close()
        raise ValueError("env goes to the standby worker when it is started, not here")
    try:
        if transport not in SIM_TRANSPORTS:
            raise SimError(f"transport {transport!r} is not one of {list(SIM_TRANSPORTS)}")
        settings = plan.simulation
        if settings is None:
            raise SimError(
                "the plan has no simulation section: compile it for a simulation "
                "(mmarc run MMAR --sim N, or compile_plan(..., simulation=...))"
            )
        server_cfg = server_config(plan)
        client_config(plan)  # refuse a bad client config before starting anything
        if settings.clients < server_cfg.min_num_clients:
            raise SimError(
                f"--sim {settings.clients}: the server waits for min_num_clients "
                f"{server_cfg.min_num_clients} clients"
            )
        if standby is None:  # its imports overlap the run folder's files (HE keys...)
            standby = Standby.start(settings.clients, env)
        return _run(
            plan,
            settings,
            standby,
            started,
            mmar_root=mmar_root,
            output=output,
            device=device,
            events_path=events_path,
            on_event=on_event,
            transport=transport,
        )
    finally:
        if standby is not None:
            standby.close()


def _run(
    plan: Plan,
    settings: SimulationSettings,
    standby: Standby,
    started: float,
    *,
    mmar_root: Path,
    output: Path | None,
    device: str,
    events_path: Path | None,
    on_event: Subscriber | None,
    transport: str,
) -> SimResult:
    """:func:`simulate` once its arguments are checked and the worker started (at
    ``started``, the wall clock of the result)."""
    n_clients = settings.clients
    root = Path(mmar_root).resolve()
    run_dir = Path(output) if output is not None else default_run_dir(plan)
    run_dir = run_dir.resolve()
    run_dir.mkdir(parents=True, exist_ok=True)
    plan_path = run_dir / "plan.json"
    plan_path.write_bytes(plan.to_json() + b"\n")
    names = client_names(settings)
    he_server: list[str] = []
    he_client: list[str] = []
    if uses_he(plan):  # one CKKS context for the run: secret for the sites, public for the server
        server_context, client_context = run_contexts(run_dir / "he")
        he_server, he_client = (
            ["--he-context", str(server_context)],
            ["--he-context", str(client_context)],
        )
    datalists = write_client_datalists(plan, root, run_dir, settings)
    events = events_path_for(run_dir, events_path)
    common = ["--plan", str(plan_path), "--mmar", str(root)]
    if events is not None:
        common += ["--events", str(events)]
    socket_dir, bind = server_bind(transport)
    # written by the clients' worker, read (and removed) by a fresh server: a hand-over,
    # not a record, so in the private ipc folder when there is one (memory: its fsync
    # costs nothing, where on a disk it took 0.1-0.3 s for a 100 MB model)
    initial_model = (socket_dir or run_dir) / ".initial-model.pt"
    initial = ["--initial-model", str(initial_model)]
    processes = Processes()
    lock = threading.Lock()
    notes: list[str] = []

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
        split=str(settings.split),
        run_dir=str(run_dir),
    )
    try:
        # the server is forked by the clients' worker once torch and MONAI are imported
        # (pages shared with the clients); its progress lines come on their own pipe
        server = ForkedServer(standby.progress)
        processes.procs["server"] = server
        processes.track(standby.progress)
        processes.logs["server"] = run_dir / "logs" / "server.log"
        server_argv = [*common, *initial, "--run-dir", str(run_dir), "--bind", bind, *he_server]
        clients = Clients(processes, names, note, server)
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
        clients.start(
            standby,
            [
                *common,
                "--spec",
                str(spec_path),
                "--device",
                device,
                *initial,
                *he_client,
                "--server-argv",
                json.dumps(server_argv),
                "--server-fd",
                str(standby.progress_fd),
                "--server-log",
                str(processes.logs["server"]),
                *(["--ipc-dir", str(socket_dir)] if socket_dir is not None else []),
            ],
            run_dir / "logs" / "clients.log",
        )
        endpoint = _read_until_listening(server, view, lock)
        if endpoint is None:
            clients.go("")  # the worker then stops and reports the server
            server.wait()
            standby.keep_output()  # a worker that died early: its last line is in its log
            raise SimError(f"the server did not start: {processes.last_line('server')}")
        clients.go(endpoint)
        _follow(server, view, lock)
        server.wait()
        clients.wait(LEAVE_GRACE_S)
    except KeyboardInterrupt:
        processes.stop()
        raise _interrupted(run_dir) from None
    finally:
        processes.stop()
        processes.close()
        standby.keep_output()
        initial_model.unlink(missing_ok=True)  # a resumed server never reads it
        if socket_dir is not None:
            shutil.rmtree(socket_dir, ignore_errors=True)
    exits = clients.codes()
    if server.returncode != 0:
        if not processes.children:  # the clients' worker failed before starting any
            raise SimError(
                f"the clients did not start: {processes.last_line('clients')} (logs: {run_dir})"
            )
        if server.returncode == EXIT_INTERRUPTED:  # Ctrl-C reached the workers, not us (a
            # launcher started with SIGINT ignored, as a shell's background job is)
            raise _interrupted(run_dir)
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
    server: ForkedServer, view: Subscriber, lock: threading.Lock
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


def _follow(server: ForkedServer, view: Subscriber, lock: threading.Lock) -> None:
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
    "client_names",
    "server_bind",
    "simulate",
    "write_client_datalists",
]
