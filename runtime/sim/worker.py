"""Entry point of the simulator's server and client processes.

``python -m mmarc.runtime.sim.worker server|client ...``. Why not ``mmarc server``: the
launcher compiled the plan once and hands every process the same ``plan.json`` (checked
against its own hash here), so N+1 processes do not each validate and compile the MMAR,
and the worker does not import the CLI.

The server writes one JSON object per line on stdout, prefixed with ``@``, for the
launcher's progress view (its log goes to stderr, which the launcher sends to a file).
Each worker asks the kernel for SIGTERM when the launcher dies (``PR_SET_PDEATHSIG``), so
a killed launcher leaves no orphans; SIGTERM and Ctrl-C end a worker quietly (status 130),
errors print one line (status 1).
"""

from __future__ import annotations

import argparse
import ctypes
import json
import logging
import os
import signal
import sys
from pathlib import Path
from typing import Any

from .view import PROGRESS_PREFIX

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


def _load_plan(path: Path) -> dict[str, Any]:
    from mmarc.compiler.plan import plan_sha256

    plan = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(plan, dict) or plan.get("sha256") != plan_sha256(plan):
        raise ValueError(f"{path} is not an unmodified mmarc plan (its sha256 does not match)")
    return plan


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

    plan = _load_plan(args.plan)
    result = run_server(
        plan,
        args.mmar,
        args.run_dir,
        bind=args.bind,
        events_path=args.events,
        on_progress=_emit,
        on_ready=lambda endpoint: _emit({"event": "listening", "endpoint": endpoint}),
    )
    logging.getLogger(__name__).info("server finished in %.1f s", result.wall_s)


def _client(args: argparse.Namespace) -> None:
    from mmarc.runtime.client.loop import run_client

    plan = _load_plan(args.plan)
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
    )
    logging.getLogger(__name__).info(
        "%s finished after %d round(s) in %.1f s", result.name, result.rounds, result.wall_s
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mmarc-sim-worker")
    sub = parser.add_subparsers(dest="role", required=True)
    for role in ("server", "client"):
        p = sub.add_parser(role)
        p.add_argument("--plan", type=Path, required=True)
        p.add_argument("--mmar", type=Path, required=True)
        p.add_argument("--run-dir", type=Path, required=True)
        p.add_argument("--events", type=Path, default=None)
    server = sub.choices["server"]
    server.add_argument("--bind", default="tcp://127.0.0.1:*")
    client = sub.choices["client"]
    client.add_argument("--name", required=True)
    client.add_argument("--server", required=True)
    client.add_argument("--datalist", type=Path, default=None)
    client.add_argument("--device", default="cpu")
    client.add_argument("--server-timeout", type=float, default=None)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO,
        stream=sys.stderr,
        format=f"%(asctime)s {args.role} %(levelname)s %(name)s: %(message)s",
    )
    signal.signal(signal.SIGTERM, _terminate)
    try:
        _die_with_parent()
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

    names = {"ServerError", "ClientError", "FLConfigError", "PersistError"}
    return isinstance(exc, ExecutorError | TransportError | OSError) or type(exc).__name__ in names


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
