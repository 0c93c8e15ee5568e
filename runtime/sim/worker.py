"""Entry point of the simulator's server and client processes.

``python -m mmarc.runtime.sim.worker server|client|clients|standby ...``. Why not ``mmarc
server``: the launcher compiled the plan once and hands every process the same
``plan.json`` (checked against its own hash here), so N+1 processes do not each validate
and compile the MMAR, and the worker does not import the CLI.

``clients`` starts the whole federation from one parent (a "zygote"): it imports torch,
MONAI, ignite and the server's modules once (4-6 s of CPU per process on the 2-core VMs
we measure on), then forks the server (``--server-argv``; its progress lines go to the
pipe ``--server-fd``, its log to ``--server-log``), builds the server's first global
model in a forked child (``--initial-model FILE``, read by the server once a client
joined: :class:`~mmarc.runtime.server.initial.InitialFile`), reads the server's address
from stdin and forks one process per client, each writing its own log. Forked processes
share the preloaded modules' pages (copy-on-write), so a simulation holds one copy of
torch and MONAI instead of one per process; on a platform without ``fork`` it starts
``server`` and ``client`` subprocesses instead. It reports ``{"event": "started"|"exit",
"client", "pid"|"code"}`` lines on stdout (``client`` is ``"server"`` for the server).
Once the last client is forked it execs :mod:`.reaper`, which only waits for them and
reports their exits, so the zygote's memory goes back to the OS.

``standby`` is how the launcher starts ``clients``: at once, before the plan is compiled
(:mod:`.standby`). It imports the same modules, then reads the ``clients`` arguments and
its log file from stdin, moves its stderr to that log and goes on as ``clients``; an
empty line ends it quietly (the compile failed).

The server writes one JSON object per line on stdout, prefixed with ``@``, for the
launcher's progress view (its log goes to stderr, which the launcher sends to a file).
Each worker asks the kernel for SIGTERM when its parent dies (``PR_SET_PDEATHSIG``), so
a killed launcher leaves no orphans; SIGTERM and Ctrl-C end a worker quietly (status 130),
errors print one line (status 1).
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import json
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..compiling import read_plan_file
from ..deferred import deferred
from ..events import PROGRESS_PREFIX
from ..heap import built_without_gc
from . import reaper
from .reaper import clean_up_after, say
from .standby import CLIENTS, STANDBY, HandoverError, read_handover

if TYPE_CHECKING:
    from mmarc.plan import Plan

_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):
        pass
    if os.getppid() == 1:  # the launcher died before prctl took effect
        raise KeyboardInterrupt


def _terminate(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def _load_plan(path: Path) -> Plan:
    from mmarc.plan import load_plan

    return load_plan(path)


def _emit(info: dict[str, Any]) -> None:
    sys.stdout.write(PROGRESS_PREFIX + json.dumps(info, default=str) + "\n")
    sys.stdout.flush()


def _threads() -> None:
    count = os.environ.get("OMP_NUM_THREADS")
    if count and count.isdigit():
        import torch

        torch.set_num_threads(int(count))


def _server(args: argparse.Namespace) -> None:
    from mmarc.runtime.server.workflow import run_server

    plan = read_plan_file(args.plan)
    result = run_server(
        plan,
        args.mmar,
        args.run_dir,
        bind=args.bind,
        events_path=args.events,
        he_context=args.he_context,
        initial_model=args.initial_model,
        on_progress=_emit,
        on_ready=lambda endpoint: _emit({"event": "listening", "endpoint": endpoint}),
    )
    logging.getLogger(__name__).info("server finished in %.1f s", result.wall_s)


def _client(args: argparse.Namespace) -> None:
    from mmarc.runtime.client.loop import run_client

    plan = read_plan_file(args.plan)
    _threads()
    result = run_client(
        plan,
        args.mmar,
        args.name,
        args.server,
        args.run_dir,
        datalist=args.datalist,
        device=args.device,
        events_path=args.events,
        server_timeout=args.server_timeout,
        he_context=args.he_context,
    )
    logging.getLogger(__name__).info(
        "%s finished after %d round(s) in %.1f s", result.name, result.rounds, result.wall_s
    )


#: What every client imports before it can train: loaded once by ``clients``, shared by
#: its forked children.
PRELOAD = (
    "torch",
    # imported by the first torch.optim optimizer (its dynamo guard): 1-2 s of CPU and
    # ~40 MB private per site when each imports it after the fork
    "torch._dynamo",
    "mmarc.runtime.client.loop",
    "mmarc.runtime.executor.local",
    "monai.data",
    "monai.engines",
    "monai.handlers",
    "monai.inferers",
    "monai.transforms",
    "ignite.engine",
    "ignite.metrics",
    "mmarc.runtime.server.workflow",
)


#: The name under which ``clients`` reports the server it forked (``--server-argv``).
SERVER = "server"


def _can_fork() -> bool:
    """Whether ``clients`` forks the server and the sites (else it starts subprocesses)."""
    return hasattr(os, "fork") and sys.platform.startswith("linux")


_preloaded = False


def _preload() -> None:
    """Import :data:`PRELOAD` once per process (a standby worker did it before its plan
    came), then freeze the heap so the forks keep sharing it."""
    global _preloaded
    if _preloaded or not _can_fork():
        return
    import importlib

    started = time.monotonic()
    # No garbage collection while importing (Python's recipe for a process that forks
    # without exec, see gc.freeze and ..heap): the automatic collections rescan the
    # growing heap of torch and MONAI over and over, ~1.5 s of the ~6 s of CPU the
    # imports took (2-core VM). Everything is frozen, garbage included, without a last
    # collection: a collection would free cycles in the middle of the shared pages
    # (0.3-0.5 s more, and about the same resident size: freed memory stays in the
    # allocator's arenas), and the children's allocations would then write into those
    # holes, copying the pages. Frozen objects are left out of the children's
    # collections, which would otherwise write to every object's header and copy each
    # page the forks share (copy-on-write).
    # matplotlib.pyplot, which MONAI imports and no site needs to start: on first use
    with built_without_gc(), deferred():
        for module in PRELOAD:
            with contextlib.suppress(ImportError):
                importlib.import_module(module)
    _preloaded = True
    logging.getLogger(__name__).info(
        "torch, MONAI and ignite imported in %.2f s", time.monotonic() - started
    )


def _standby() -> int:
    """Import what the clients need, then wait for the ``clients`` arguments on stdin
    (:mod:`.standby`): 0 at once if they never come (the launcher withdrew)."""
    _preload()
    handover = read_handover(sys.stdin.readline())
    if handover is None:
        return 0
    argv, log = handover
    _take_log(log)
    return main(argv)


def _take_log(log: Path) -> None:
    """Make ``log`` this process's stderr, starting with what the standby wrote to its
    temporary stderr before (nothing is lost, nothing is left behind)."""
    sys.stderr.flush()
    early: list[bytes] = []
    with contextlib.suppress(OSError):  # not a file (a terminal, a pipe): nothing to keep
        os.lseek(2, 0, os.SEEK_SET)
        while chunk := os.read(2, 1 << 16):
            early.append(chunk)
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    with os.fdopen(os.dup(fd), "wb") as out:
        out.write(b"".join(early))
    os.dup2(fd, 2)
    os.close(fd)


def _clients(args: argparse.Namespace) -> int:
    """Start the server (``--server-argv``) and every client (see the module docstring);
    returns when all have exited."""
    specs = json.loads(args.spec.read_text(encoding="utf-8"))
    fork = _can_fork()
    log = logging.getLogger(__name__)
    launcher = os.getppid()
    _preload()
    children: dict[int, str] = {}
    try:
        if args.server_argv is not None:
            children[_start_server(args, fork)] = SERVER
            say({"event": "started", "client": SERVER, "pid": next(iter(children))})
        if args.initial_model is not None:
            started = time.monotonic()
            if not _write_initial(args, fork):
                _stop_children(children)
                return 1
            log.info("first global model written in %.2f s", time.monotonic() - started)
        endpoint = sys.stdin.readline().strip()
        if not endpoint:  # the launcher gave up before the server listened
            _stop_children(children)
            return 1
        procs: dict[int, subprocess.Popen[bytes]] = {}  # kept until they are reaped
        for spec in specs:
            if fork:
                pid = _fork_client(spec, args, endpoint)
            else:
                proc = _spawn_client(spec, args, endpoint)
                pid = proc.pid
                procs[pid] = proc
            children[pid] = spec["name"]
            say({"event": "started", "client": spec["name"], "pid": pid})
        if fork:
            _become_reaper(children, launcher, args.ipc_dir)  # does not return
        while children:
            pid, status = os.wait()
            name = children.pop(pid, None)
            if name is not None:
                say({"event": "exit", "client": name, "code": os.waitstatus_to_exitcode(status)})
    except KeyboardInterrupt:
        _stop_children(children)
        clean_up_after(launcher, None if args.ipc_dir is None else str(args.ipc_dir))
        raise
    return 0


def _become_reaper(children: dict[int, str], launcher: int, ipc_dir: Path | None) -> None:
    """Exec :mod:`.reaper` in this process: it waits for ``children`` (still ours: exec
    keeps the pid) and reports their exits, without the preloaded modules' memory; it
    removes ``ipc_dir`` if the launcher (pid ``launcher``) died meanwhile."""
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    script = str(reaper.__file__)
    argv = [sys.executable, "-I", "-S", script, json.dumps(children), str(launcher)]
    if ipc_dir is not None:
        argv.append(str(ipc_dir))
    os.execv(sys.executable, argv)


def _stop_children(children: dict[int, str]) -> None:
    """SIGTERM every child, wait for each and report its exit."""
    for pid in children:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    for pid, name in list(children.items()):
        with contextlib.suppress(ChildProcessError, KeyboardInterrupt):
            _, status = os.waitpid(pid, 0)
            say({"event": "exit", "client": name, "code": os.waitstatus_to_exitcode(status)})
    children.clear()


def _start_server(args: argparse.Namespace, fork: bool) -> int:
    """Start the server with ``--server-argv``, its progress lines on ``--server-fd`` and
    its log in ``--server-log``; forked, it shares the preloaded modules' pages with the
    clients (a separate interpreter holds its own ~170 MB of torch). Returns its pid."""
    argv = [SERVER, *json.loads(args.server_argv)]
    if not fork:
        with open(args.server_log, "ab") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", "mmarc.runtime.sim.worker", *argv],
                stdout=args.server_fd,
                stderr=log,
                stdin=subprocess.DEVNULL,
            )
        os.close(args.server_fd)
        return proc.pid
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid:
        os.close(args.server_fd)  # the launcher sees the end of the lines when the server ends
        return pid
    code = 1
    try:
        _own_streams(args.server_log, stdout_fd=args.server_fd)
        code = main(argv)
    finally:
        _exit(code)
    return 0  # not reached


def _own_streams(log: str | Path, stdout_fd: int | None = None) -> None:
    """A forked child's standard streams: stderr (and stdout unless ``stdout_fd``) to its
    own log file, stdin from /dev/null; the zygote's logging handlers dropped."""
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd if stdout_fd is None else stdout_fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    if stdout_fd is not None:
        os.close(stdout_fd)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    logging.root.handlers.clear()


def _write_initial(args: argparse.Namespace, fork: bool) -> bool:
    """Write the server's first global model to ``--initial-model`` before any client
    starts (the server reads it once a client has joined); in a forked child, so the
    zygote's random state and heap stay as the clients expect. False (and one line on
    stderr) when it failed."""
    from mmarc.runtime.server.config import server_config
    from mmarc.runtime.server.initial import write_initial

    plan = read_plan_file(args.plan)
    pointer = server_config(plan).model_pointer
    if not fork:
        write_initial(plan, args.mmar, pointer, args.initial_model)
        return True
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            write_initial(plan, args.mmar, pointer, args.initial_model)
            code = 0
        except Exception as exc:  # one line for the launcher, which shows the log's last line
            print(
                f"mmarc clients: error: building the first global model failed: {_one_line(exc)}",
                file=sys.stderr,
            )
        finally:
            _exit(code)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status) == 0


def _client_args(spec: dict[str, Any], args: argparse.Namespace, endpoint: str) -> list[str]:
    out = ["--plan", str(args.plan), "--mmar", str(args.mmar), "--run-dir", spec["run_dir"]]
    out += ["--name", spec["name"], "--server", endpoint, "--device", args.device]
    if spec.get("datalist"):
        out += ["--datalist", spec["datalist"]]
    if args.events is not None:
        out += ["--events", str(args.events)]
    if args.he_context is not None:
        out += ["--he-context", str(args.he_context)]
    return out


def _fork_client(spec: dict[str, Any], args: argparse.Namespace, endpoint: str) -> int:
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid:
        return pid
    code = 1
    try:  # the child: its own log, its own logging, then the client
        _own_streams(spec["log"])
        code = main(["client", *_client_args(spec, args, endpoint)])
    finally:
        _exit(code)
    return 0  # not reached


def _spawn_client(
    spec: dict[str, Any], args: argparse.Namespace, endpoint: str
) -> subprocess.Popen[bytes]:
    log = open(spec["log"], "ab")  # noqa: SIM115 (the child owns it)
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mmarc.runtime.sim.worker",
            "client",
            *_client_args(spec, args, endpoint),
        ],
        stdout=log,
        stderr=log,
        stdin=subprocess.DEVNULL,
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mmarc-sim-worker")
    sub = parser.add_subparsers(dest="role", required=True)
    sub.add_parser(STANDBY, help="import, then wait for the clients' arguments on stdin")
    for role in ("server", "client", CLIENTS):
        p = sub.add_parser(role)
        p.add_argument("--plan", type=Path, required=True)
        p.add_argument("--mmar", type=Path, required=True)
        p.add_argument("--events", type=Path, default=None)
        p.add_argument("--he-context", type=Path, default=None, help="TenSEAL context file")
        if role != "client":
            p.add_argument(
                "--initial-model", type=Path, default=None, help="first global model file"
            )
        if role != CLIENTS:
            p.add_argument("--run-dir", type=Path, required=True)
        if role != "server":
            p.add_argument("--device", default="cpu")
    server = sub.choices["server"]
    server.add_argument("--bind", default="tcp://127.0.0.1:*")
    client = sub.choices["client"]
    client.add_argument("--name", required=True)
    client.add_argument("--server", required=True)
    client.add_argument("--datalist", type=Path, default=None)
    client.add_argument("--server-timeout", type=float, default=None)
    many = sub.choices[CLIENTS]
    many.add_argument("--spec", type=Path, required=True, help="JSON list of client specs")
    many.add_argument("--server-argv", default=None, help="JSON list: start this server too")
    many.add_argument("--server-fd", type=int, default=1, help="the server's stdout (a pipe)")
    many.add_argument("--server-log", type=Path, default=None, help="the server's stderr")
    many.add_argument(
        "--ipc-dir", type=Path, default=None, help="the run's socket folder (see .reaper)"
    )
    return parser


def _not_an_interrupt(record: logging.LogRecord) -> bool:
    """Drop log records about a Ctrl-C/SIGTERM (ignite logs the interrupted run with a
    traceback); the worker says "stopped" in one line instead."""
    info = record.exc_info
    return not (info and isinstance(info[1], KeyboardInterrupt))


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO,
        stream=sys.stderr,
        format=f"%(asctime)s {args.role} %(levelname)s %(name)s: %(message)s",
        force=True,
    )
    for handler in logging.root.handlers:
        handler.addFilter(_not_an_interrupt)
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        _die_with_parent()
        if args.role == STANDBY:
            return _standby()
        if args.role == CLIENTS:
            return _clients(args)
        (_server if args.role == "server" else _client)(args)
    except KeyboardInterrupt:
        print(f"mmarc {args.role}: stopped", file=sys.stderr)
        return 130
    except Exception as exc:  # every failure becomes one line for the launcher to show
        if not _expected(exc):  # a bug: keep the traceback in the log file for a report
            logging.getLogger(__name__).error("unexpected failure", exc_info=True)
        print(f"mmarc {args.role}: error: {_one_line(exc)}", file=sys.stderr)
        return 1
    return 0


def _expected(exc: BaseException) -> bool:
    """Errors whose message is the whole story (bad config, refused, unreachable...)."""
    from mmarc.runtime.executor.errors import ExecutorError
    from mmarc.runtime.transport import TransportError

    names = {"ServerError", "ClientError", "FLConfigError", "PersistError", "PlanError"}
    return (
        isinstance(exc, ExecutorError | TransportError | OSError | HandoverError)
        or type(exc).__name__ in names
    )


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


def _exit(code: int) -> None:
    """Exit without the interpreter's teardown of torch and MONAI (1-5 s on a busy 2-core
    machine, longer than a round): every file this process wrote is closed and fsync'ed
    already, so only the standard streams need flushing."""
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    _exit(main())
